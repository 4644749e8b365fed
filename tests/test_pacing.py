"""Sending under Telegram's limits (bot.channels.pacing): fair across chats, paced per chat and per
bot, a turn's messages merged, replaced screens dropped, every chat in order. The planner has no
clock of its own: these tests give it the times, so nothing here depends on how fast the machine is."""

from __future__ import annotations

from bot.channels.pacing import Budget, Job, Planner, merge, mergeable
from bot.core.replies import Button, Delivery, Reply

BUDGET = Budget(rate=30.0, chat_interval=1.0, max_in_flight=64, edit_max_wait=20.0)
_ids = iter(range(1, 10_000))


def message(chat: str, text: str, screen: int | None = None, **extra: object) -> Delivery:
    buttons = (Button("Tiếp tục", f"{screen}.0"), Button("🏠 Menu", f"{screen}.1", True)) if screen else ()
    return Delivery(next(_ids), 1, "telegram", chat, Reply(text=text, buttons=buttons, **extra))  # type: ignore[arg-type]


def run(planner: Planner, until: float, took: float = 0.05) -> list[tuple[float, Job]]:
    """Drive the planner as the pump does: start what it allows, each request taking `took`
    seconds, until `until`. Returns (start time, job) in start order."""
    started: list[tuple[float, Job]] = []
    in_flight: list[tuple[float, Job]] = []
    now = 0.0
    while now <= until:
        for job in planner.take(now).start:
            started.append((now, job))
            in_flight.append((now + took, job))
        finished = [(t, j) for t, j in in_flight if t <= now]
        for item in finished:
            in_flight.remove(item)
            planner.done(item[1], now)
        upcoming = [t for t, _ in in_flight]
        wake = planner.next_time(now)
        if wake is not None:
            upcoming.append(wake)
        later = [t for t in upcoming if t > now]
        if not later and not finished:
            break
        now = min(later) if later else now
    return started


def texts(started: list[tuple[float, Job]], chat: str) -> list[str]:
    return [job.delivery.reply.text for _, job in started if job.chat == chat and job.delivery]


def test_no_chat_waits_behind_another_chats_burst() -> None:
    planner = Planner(BUDGET)
    # An organizer's five-message report, queued a moment before forty learners press a button.
    planner.add_turn([message("org", f"báo cáo {i}", separate=True) for i in range(5)], 0.0, 60.0)
    for n in range(40):
        planner.add_turn([message(f"l{n}", "Bước 2/5", screen=2)], 0.01, 60.0)
    started = run(planner, until=10.0)
    learners = [t for t, job in started if job.chat != "org"]
    second_report = next(
        t for t, job in started if job.chat == "org" and "báo cáo 1" in job.delivery.reply.text
    )
    # Every learner's next step left within the bot's rate (40 at 30/s: under 1.5 s), none of them
    # behind the report's later messages, which go at the one-a-second pace of that chat.
    assert len(learners) == 40 and max(learners) < 1.5
    assert texts(started, "org") == [f"báo cáo {i}" for i in range(5)]
    assert second_report >= 1.0


def test_the_bot_and_each_chat_keep_their_limits() -> None:
    planner = Planner(Budget(rate=28.0, chat_interval=1.0))  # the default: just under Telegram's 30
    for n in range(100):
        planner.add_turn(
            [message(f"c{n}", "a", separate=True), message(f"c{n}", "b", separate=True)], 0.0, 60.0
        )
    started = run(planner, until=30.0)
    times = [t for t, _ in started]
    assert len(started) == 200
    for t in times:  # never more than 28 (+1 at a window's edge) in any second: under Telegram's 30
        assert sum(1 for other in times if t <= other < t + 1.0) <= 29
    for n in range(100):
        mine = [t for t, job in started if job.chat == f"c{n}"]
        assert mine[1] - mine[0] >= 1.0  # one message a second to one chat
        assert texts(started, f"c{n}") == ["a", "b"]  # and in order


def test_a_turns_short_messages_go_as_one() -> None:
    planner = Planner(BUDGET)
    verdict, step = (
        message("lan", "✅ Đúng rồi! Tắt máy rồi mở lại."),
        message("lan", "Bước 3/5\nBấm nút nguồn.", screen=3),
    )
    planner.add_turn([verdict, step], 0.0, 60.0)
    (job,) = [job for _, job in run(planner, until=5.0)]
    assert job.delivery.reply.text == "✅ Đúng rồi! Tắt máy rồi mở lại.\n\nBước 3/5\nBấm nút nguồn."
    assert job.delivery.reply.buttons == step.reply.buttons  # the screen's buttons, under both
    assert job.outbox_ids == [verdict.outbox_id, step.outbox_id]  # both rows recorded as sent
    assert planner.merged == 1


def test_merging_keeps_what_the_learner_asked_for() -> None:
    short = Reply(text="Câu ngắn.")
    screen = Reply(text="Bước 2/5", buttons=(Button("Tiếp tục", "2.0"),))
    assert mergeable(short, screen)
    assert merge(short, screen).text == "Câu ngắn.\n\nBước 2/5"
    assert not mergeable(Reply(text="Câu ngắn.", separate=True), screen)  # «Chậm lại»: one at a time
    assert not mergeable(short, Reply(text="Bước 2/5", separate=True))
    assert not mergeable(Reply(text="x" * 300), Reply(text="y" * 300))  # a merged message stays short
    assert not mergeable(screen, short)  # buttons end a message
    assert not mergeable(Reply(text="Hình:", image="a.png"), screen)
    assert not mergeable(short, Reply(text="Bước 2/5", audio="a.ogg"))
    assert not mergeable(Reply(text="Tình nguyện viên trả lời:", sender="volunteer"), screen)


def test_a_screen_replaced_by_a_later_turn_is_never_sent() -> None:
    planner = Planner(BUDGET)
    planner.add_turn([message("lan", "Bước 2/5", screen=2)], 0.0, 60.0)
    first = planner.take(0.0).start  # on the wire: the chat's next message waits its second
    assert [j.screen for j in first] == [2]
    planner.add_turn(
        [message("lan", "Đúng rồi!"), message("lan", "Bước 3/5", screen=3, separate=True)], 0.1, 60.0
    )
    replaced = planner.add_turn([message("lan", "Bước 2/5 (quay lại)", screen=4)], 0.2, 60.0)
    # The screen of version 3 was replaced before it could go; the verdict without buttons stays.
    assert [j.screen for j in replaced] == [3]
    planner.done(first[0], 0.3)
    later = run(planner, until=10.0)
    assert texts(later, "lan") == ["Đúng rồi!", "Bước 2/5 (quay lại)"]


def test_the_same_screen_again_is_not_a_replacement() -> None:
    planner = Planner(BUDGET)
    planner.add_turn([message("lan", "Bước 2/5", screen=2)], 0.0, 60.0)
    busy = planner.take(0.0).start
    planner.add_turn([message("lan", "Bước 3/5", screen=3)], 0.1, 60.0)
    # «Bác bấm một nút bên dưới»: the same buttons offered again under the same version.
    assert planner.add_turn([message("lan", "Bác bấm một nút bên dưới nhé.", screen=3)], 0.2, 60.0) == []
    planner.done(busy[0], 0.3)
    assert texts(run(planner, until=10.0), "lan") == ["Bước 3/5", "Bác bấm một nút bên dưới nhé."]


def test_flood_control_holds_the_chat_and_keeps_its_order() -> None:
    planner = Planner(BUDGET)
    planner.add_turn([message("lan", "một", separate=True), message("lan", "hai", separate=True)], 0.0, 60.0)
    planner.add_turn([message("hoa", "xin chào", separate=True)], 0.0, 60.0)
    first = planner.take(0.0).start
    refused = next(job for job in first if job.chat == "lan")
    for job in first:
        planner.done(job, 0.05, retry_after=5.0 if job is refused else None)
    started = run(planner, until=20.0)
    lan = [(t, job.delivery.reply.text) for t, job in started if job.chat == "lan"]
    assert [text for _, text in lan] == ["một", "hai"]  # sent again, in its place
    assert lan[0][0] >= 5.0  # not before Telegram's retry_after
    assert planner.refused == 1


def test_keyboard_edits_go_after_messages_and_are_dropped_when_too_old() -> None:
    planner = Planner(Budget(rate=1.0, chat_interval=1.0, edit_max_wait=3.0))

    async def close() -> None:  # pragma: no cover - never awaited here
        return None

    planner.add_edit("lan", close, 0.0)
    for n in range(10):
        planner.add_turn([message(f"c{n}", "Bước 2/5", screen=2)], 0.0, 60.0)
    started = run(planner, until=20.0)
    assert all(not job.cosmetic for _, job in started)  # ten messages took the bot's ten seconds
    assert planner.idle  # and the edit, more than three seconds old by then, was dropped


def test_under_load_keyboard_edits_leave_the_budget_to_next_steps() -> None:
    """A bot busy with learners' next steps (more than half its budget) does not spend the rest on
    closing old keyboards, which count against the same limit; with budget to spare it does."""

    async def close() -> None:  # pragma: no cover - never awaited here
        return None

    busy = Planner(Budget(rate=10.0, chat_interval=1.0, edit_max_wait=5.0, edit_share=0.5))
    for second in range(8):  # eight new chats a second, each with its next step: 80% of the budget
        for n in range(8):
            busy.add_turn([message(f"s{second}-{n}", "Bước 2/5", screen=2)], float(second), 60.0)
            busy.add_edit(f"s{second}-{n}", close, float(second))
    started = run(busy, until=20.0)
    assert sum(1 for _, job in started if job.cosmetic) < 8  # at most a few, in the lulls
    assert sum(1 for _, job in started if not job.cosmetic) == 64  # every next step went

    calm = Planner(Budget(rate=10.0, chat_interval=1.0, edit_max_wait=5.0, edit_share=0.5))
    calm.add_turn([message("lan", "Bước 2/5", screen=2)], 0.0, 60.0)
    calm.add_edit("lan", close, 0.0)
    assert [job.cosmetic for _, job in run(calm, until=5.0)] == [False, True]

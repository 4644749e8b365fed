"""Crash safety: `hocvuso run` is killed with SIGKILL 20 times while a learner works through two real
lessons on Telegram, each time at a named moment of handling a button press, and restarted. Afterwards
every step the learner saw is recorded exactly once, no press went unanswered, and the learner always
resumed at the right step.

The moments (20 kills shared among them, at least 5 each, in an order drawn from the seed; the stand-in or the database holds the bot
exactly there, so a kill cannot land on a process still starting up or long after the reply):

- fetched (PostgreSQL): the update was handed out by getUpdates and the bot polls again; the
  learner's row is locked by another connection (a second worker), so nothing is committed yet. Telegram must
  deliver it again: the polling offset may not pass an update still being handled.
- committed: the transaction is committed and the bot waits for answerCallbackQuery; no reply sent.
  The reply must come from the outbox; the update, delivered again, must have no second effect.
- mid-send: the stand-in holds the bot's sendMessage and never delivers it.
- unconfirmed: the reply was delivered; the stand-in holds the getUpdates that would confirm the
  update, and forgets it: the next process is given the update again (dedupe by update id).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.lessons import load_catalog
from bot.store import Database
from bot.store.models import Outbox, StepEvent
from tests.conftest import REPO_LESSONS, SUMMARY
from tests.support.proc import Running, hocvuso_env
from tests.support.telegram_standin import TOKEN, TelegramStandIn

LAN = 5150
MOMENTS = ("fetched", "committed", "mid-send", "unconfirmed")
KILLS = 20
KILLS_PER_MOMENT = 5  # at least, at each moment
LESSONS = ["bat-tat-mo-khoa", "chu-to-de-doc"]
pytestmark = pytest.mark.slow


def answer_label(step) -> str:
    if step.kind == "quiz":
        return step.quiz.options[step.quiz.correct_index].text
    return "✅ Xong" if step.kind == "practice" else "Tiếp tục"


@contextlib.asynccontextmanager
async def learner_row_held(db: Database) -> AsyncIterator[None]:
    """Another connection holds the learner's row: the bot can fetch the learner's update but
    cannot commit it while the block runs (PostgreSQL)."""
    async with db.transaction() as repo:
        user = await repo.user_by_external("telegram", str(LAN))
        assert user is not None
        await repo.lock_user_id(user.id)
        yield


async def test_sigkill_twenty_times_loses_and_duplicates_nothing(tmp_path: Path, db_url: str) -> None:
    catalog = load_catalog(REPO_LESSONS).catalog
    steps = [
        (lesson_id, i, step)
        for lesson_id in LESSONS
        for i, step in enumerate(catalog.lesson(lesson_id).steps)
    ]

    def which_step(text: str) -> tuple[str, int, object]:
        """The (lesson, index, step) a step message shows: its header and its text."""
        for lesson_id, index, step in steps:
            header = f"Bước {index + 1}/{len(catalog.lesson(lesson_id).steps)}\n"
            if (text.startswith(header) or f"\n\n{header}" in text) and step.text in text:
                return lesson_id, index, step
        raise AssertionError(f"not a step of the script: {text[:80]!r}")

    api = await TelegramStandIn().start()
    config = tmp_path / "c.yaml"
    config.write_text(f"telegram:\n  base_url: {api.base_url}\n  poll_timeout: 1\n", encoding="utf-8")
    env = hocvuso_env(db_url, REPO_LESSONS, HOCVUSO_TELEGRAM_TOKEN=TOKEN)
    seed = int(os.environ.get("HOCVUSO_CRASH_SEED") or random.randrange(1 << 30))
    # SQLite has one writer and the bot runs its statements on the event loop: a write lock held
    # from outside would freeze the whole process, not just the learner's update. So "fetched" is
    # killed on PostgreSQL, where another connection can hold the learner's row alone.
    moments = MOMENTS if not db_url.startswith("sqlite") else MOMENTS[1:]
    plan = [moments[i % len(moments)] for i in range(KILLS)]
    random.Random(seed).shuffle(plan)
    print(f"kill moments from HOCVUSO_CRASH_SEED={seed}")
    db = Database(db_url)
    bot = Running(["run", "--config", str(config)], env)
    kills = 0
    hit: collections.Counter[str] = collections.Counter()

    async def restarted() -> None:
        """A new process, and the next press only once it polls (not while it is starting up)."""
        nonlocal bot
        mark = len(api.calls)
        bot = Running(["run", "--config", str(config)], env)
        await api.wait_for(lambda s: any(m == "getUpdates" for m, _ in s.calls[mark:]), timeout=60)

    async def act(moment: str, label: str) -> dict:
        """Press the button, or type its words: a typed «tiep tuc» delivered twice would move the
        learner on twice (a pressed button, twice, is refused as stale), so typing is what proves
        the update-id check. A callback query is needed where the kill waits for its answer."""
        if label == "Tiếp tục" and moment != "committed":
            return await api.push_text(LAN, "tiep tuc")
        return await api.press_label(LAN, label)

    async def kill_at(moment: str, label: str) -> None:
        if moment == "fetched":
            async with learner_row_held(db):
                pressed = await act(moment, label)
                update_id = pressed["update_id"]
                await api.wait_for(lambda s: update_id in s.fetched_at, timeout=30)
                # Dispatched: the bot polls again (holding the offset at the update in flight).
                await api.wait_for(
                    lambda s: any(m == "getUpdates" for m, _ in s.calls[s.fetched_at[update_id] :]),
                    timeout=30,
                )
                bot.kill()
        else:
            if moment == "committed":
                hold = api.hold("answerCallbackQuery")
            elif moment == "mid-send":
                hold = api.hold(("sendMessage", "sendPhoto"), lambda params: params.get("chat_id") == LAN)
            pressed = await act(moment, label)
            update_id = pressed["update_id"]
            if moment == "unconfirmed":
                hold = api.hold("getUpdates", lambda params: int(params.get("offset") or 0) > update_id)
            await asyncio.wait_for(hold.reached.wait(), 30)
            bot.kill()
            hold.release(drop=True)
        if moment in ("committed", "mid-send"):
            # The dead process's lease on the replies it committed but did not send would run out
            # after 8 s (turn.DIRECT_LEASE); run it out now rather than wait.
            async with db.transaction() as repo:
                await repo.session.execute(
                    update(Outbox).where(Outbox.sent_at.is_(None)).values(claimed_until=None)
                )
        await restarted()
    seen: list[tuple[str, int]] = []  # (lesson, step index) in the order the learner saw them
    lost = 0  # presses that never got an answer

    def newest_screen() -> dict | None:
        """The newest message that came with buttons (pressed ones lose them: then None)."""
        for message in reversed(api.sent):
            if message["chat"]["id"] == LAN and message.get("_had_keyboard"):
                return message if message.get("reply_markup") else None
        return None

    def version(screen: dict | None) -> str | None:
        """The screen version its buttons carry: a copy of a screen sent again (at least once
        delivery) is the same screen, not a new one."""
        if screen is None:
            return None
        buttons = [b for row in screen["reply_markup"]["inline_keyboard"] for b in row]
        return buttons[0]["callback_data"].split(".")[0]

    try:
        await api.push_text(LAN, f"/start l-{LESSONS[0]}")
        finished = False
        for _ in range(400):
            screen = await api.wait_for(lambda s: newest_screen(), timeout=30)
            shown = version(screen)  # before the press edits its buttons away
            text = screen.get("text") or screen.get("caption") or ""  # a step with a picture: a caption
            if text.startswith(f"🎉 Chúc mừng Bác đã học xong bài «{catalog.lesson(LESSONS[1]).title}»"):
                finished = True
                break
            if text.startswith("🎉"):
                label = next(
                    b["text"]
                    for row in screen["reply_markup"]["inline_keyboard"]
                    for b in row
                    if b["callback_data"].split(".")[0].isdigit() and "Học bài tiếp" in b["text"]
                )
            else:
                lesson_id, index, step = which_step(text)
                if not seen or seen[-1] != (lesson_id, index):
                    # Resumes never go back: each newly shown step follows the one before it.
                    if seen and seen[-1][0] == lesson_id:
                        assert index == seen[-1][1] + 1, (
                            f"step order broken: {seen[-1]} then {(lesson_id, index)}"
                        )
                    seen.append((lesson_id, index))
                label = answer_label(step)
            before = len(api.sent)
            if kills < KILLS:
                moment = plan[kills]
                await kill_at(moment, label)
                kills += 1
                hit[moment] += 1
            else:
                await api.press_label(LAN, label)
            try:
                await api.wait_for(
                    lambda s, n=before, old=shown: len(s.sent) > n
                    and version(newest_screen()) not in (None, old),
                    timeout=20,
                )
            except AssertionError:
                lost += 1  # the press was lost with the process: count it, look again, press again
                continue
        assert finished, f"lesson not finished after {kills} kills; seen {seen[-3:]}"
    finally:
        await bot.stop()
        await api.stop()
    per_moment = ", ".join(f"{moment} {hit[moment]}" for moment in MOMENTS)
    print(f"kills per moment: {per_moment}")
    SUMMARY.append(f"crash test on {db_url.split(':')[0].split('+')[0]}: kills per moment: {per_moment}")
    assert kills == KILLS
    assert hit == collections.Counter(plan)  # each kill landed at its moment (or the test failed there)
    assert set(hit) == set(moments) and min(hit.values()) >= KILLS_PER_MOMENT
    # Telegram keeps an update until the bot confirms it, and the bot confirms only what it handled.
    assert lost == 0, f"{lost} button presses lost with a killed process"

    async with db.reader() as repo:
        events = (await repo.session.execute(select(StepEvent).order_by(StepEvent.id))).scalars().all()
    await db.close()
    for lesson_id in LESSONS:
        lesson = catalog.lesson(lesson_id)
        mine = [e for e in events if e.lesson_id == lesson_id]
        assert [e.step_id for e in mine if e.kind == "shown"] == [
            s.id for s in lesson.steps
        ]  # each exactly once
        assert [e.step_id for e in mine if e.kind == "answer"] == [s.id for s in lesson.steps]
        assert [e.kind for e in mine if e.kind in ("start", "complete")] == ["start", "complete"]
        assert all(e.correct for e in mine if e.kind == "answer" and e.correct is not None)
    assert seen == [(lesson_id, index) for lesson_id, index, _step in steps]

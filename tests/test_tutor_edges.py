"""What the tutor core (bot/core/engine.py) does at its edges, as a person would notice it: /start
again in the middle of a lesson, a link nobody knows, odd or stale buttons, a question left behind
when someone's role changes, a chat that writes too fast, work done after the reply."""

from __future__ import annotations

import functools
import logging
from datetime import datetime

from bot.app import apply_config_organizers, build_router
from bot.core.engine import Tutor
from bot.core.events import Actor, Choice, Text
from bot.core.flood import ChatLimiter
from bot.features.classes.texts import T as CLASS_TEXTS
from bot.text import GLOBAL_WORDS
from tests.conftest import make_tutor
from tests.support.dialog import Chat

WELCOME = "Cháu là Học vụ số"
WELCOME_BACK = "Chào Bác quay lại! Mình học tiếp bài «Bài thử nghiệm» nhé."
UNKNOWN_LINK = "Mã này không đúng hoặc đã hết hạn."
UNKNOWN_TEXT = "Cháu chưa hiểu ý Bác."
UNKNOWN_TEXT_STAFF = "Chưa rõ ý bạn."  # volunteers and organizers are «bạn»
BAD_BUTTON = "Nút này không dùng được nữa."
STALE_BUTTON = "Nút này đã cũ rồi ạ."
NO_LESSON = "Cháu không tìm thấy bài học này."
LONG_TEXT = "Tin nhắn dài quá"
ERROR = "trục trặc"
TOO_FAST = "nhắn nhanh quá"
GRANTED = datetime(2026, 11, 4, 3, 0)  # only stored, never compared


def texts(replies) -> str:
    return "\n".join(r.text for r in replies)


async def set_user(tutor: Tutor, external_id: str, **changes) -> None:
    async with tutor.db.transaction() as repo:
        user = await repo.user_by_external("console", external_id)
        assert user is not None
        for key, value in changes.items():
            setattr(user, key, value)


async def volunteer(tutor: Tutor) -> Chat:
    async with tutor.db.transaction() as repo:
        await repo.grant("console", "tnv-1", "volunteer", None, GRANTED)
    chat = Chat(tutor, Actor("console", "tnv-1", "Minh"))
    await chat.say("/start")
    return chat


# --- /start ---------------------------------------------------------------------------------


async def test_start_again_mid_lesson_takes_the_learner_back_to_their_step(tutor: Tutor) -> None:
    chat = Chat(tutor)
    first = texts(await chat.say("/start l-thu-nghiem"))
    assert WELCOME in first and "Bước 1/4" in first
    await chat.say("tiep tuc")
    again = texts(await chat.say("/start"))
    assert WELCOME_BACK in again and "Bước 2/4" in again
    assert WELCOME not in again  # greeted once, not at every /start


async def test_start_twice_greets_once(tutor: Tutor) -> None:
    chat = Chat(tutor)
    assert WELCOME in texts(await chat.say("/start"))
    again = await chat.say("/start")
    assert WELCOME not in texts(again) and again[-1].buttons  # the menu, without the greeting


async def test_a_volunteer_in_a_lesson_gets_their_own_home_on_start(tutor: Tutor) -> None:
    chat = await volunteer(tutor)
    await chat.say("/start l-thu-nghiem")
    await chat.say("tiep tuc")
    home = texts(await chat.say("/start"))
    assert "quay lại" not in home and "Bước 2/4" not in home  # their volunteer menu, not the step


async def test_an_unknown_link_says_so_and_shows_the_menu(tutor: Tutor) -> None:
    replies = await Chat(tutor).say("/start zz-khong-co")
    assert WELCOME in texts(replies) and UNKNOWN_LINK in texts(replies)
    assert replies[-1].buttons


# --- buttons --------------------------------------------------------------------------------


async def test_an_assignment_button_opens_its_lesson(tutor: Tutor) -> None:
    chat = Chat(tutor)
    await chat.say("/start")
    assert "Bước 1/4" in texts(await chat.say("[callback l.thu-nghiem]"))
    # Button data is at most 64 characters (Telegram's limit): a longer one is refused as forged.
    at_limit = await chat.say("[callback l." + "x" * 62 + "]")
    assert NO_LESSON in texts(at_limit)
    too_long = await chat.say("[callback l." + "x" * 63 + "]")
    assert [r.text for r in too_long] == [BAD_BUTTON + " Bác dùng tin nhắn mới nhất nhé."]
    assert too_long[0].toast


async def test_forged_and_stale_buttons_get_a_popup_not_an_error(tutor: Tutor) -> None:
    chat = Chat(tutor)
    await chat.say("/start")
    seq = chat.last_buttons[0].data.split(".")[0]
    shown = len(chat.last_buttons)
    for data, answer in (
        ("x.0", BAD_BUTTON),
        (f"{seq}.x", BAD_BUTTON),
        ("", BAD_BUTTON),
        (f"{seq}.{shown}", STALE_BUTTON),  # one past the last button on the screen
        (f"{int(seq) - 1}.0", STALE_BUTTON),
    ):
        replies = await chat.send(Choice(data))
        assert len(replies) == 1 and replies[0].toast and answer in replies[0].text, data
    assert "Bước 1/4" in texts(await chat.say("/start l-thu-nghiem"))  # nothing else changed


async def test_a_button_whose_action_is_gone_shows_the_menu(tutor: Tutor) -> None:
    """A screen saved before an upgrade removed one of its actions: pressing it leads home."""
    chat = Chat(tutor)
    await chat.say("/start")
    await set_user(
        tutor, "learner-1", state={"welcomed": True, "seq": 7, "choices": [["Cũ", "retired", False]]}
    )
    replies = await chat.say("[callback 7.0]")
    assert ERROR not in texts(replies) and replies[-1].buttons and not replies[-1].toast


# --- a question waiting for typed text -------------------------------------------------------


async def test_a_class_name_is_taken_once_and_nothing_else_is_said(tutor: Tutor) -> None:
    chat = await volunteer(tutor)
    assert CLASS_TEXTS["ask_name"] in texts(await chat.say("/taolop"))
    replies = await chat.say("Lớp điện thoại thôn 3")
    assert [r.text for r in replies] == [CLASS_TEXTS["ask_place"]]


async def test_menu_leaves_the_question_so_the_next_words_are_not_its_answer(tutor: Tutor) -> None:
    chat = await volunteer(tutor)
    menu = [r.text for r in await chat.say("menu")]  # what «menu» shows when nothing is asked
    await chat.say("/taolop")
    assert [r.text for r in await chat.say("menu")] == menu  # the same, not the question again
    replies = await chat.say("Lớp điện thoại thôn 3")
    assert CLASS_TEXTS["ask_place"] not in texts(replies) and UNKNOWN_TEXT_STAFF in texts(replies)


def test_every_always_available_word_names_an_action() -> None:
    """«giúp», «nhắc lại», «menu»…: typed anywhere, each leads to its action (none falls through to
    «chưa hiểu»)."""
    actions = build_router().actions
    assert [word for word in GLOBAL_WORDS if word not in actions] == []


async def test_a_question_left_behind_by_a_role_taken_away_is_dropped(tutor: Tutor) -> None:
    chat = await volunteer(tutor)
    await chat.say("/taolop")
    await set_user(tutor, "tnv-1", role="learner")  # an organizer took the role meanwhile
    replies = await chat.say("Lớp điện thoại thôn 3")
    assert replies and CLASS_TEXTS["ask_place"] not in texts(replies)  # answered, as any learner
    assert UNKNOWN_TEXT in texts(replies)
    # The question is gone for good: a very long message is now refused as too long, as it is for
    # anyone who was not asked to type something.
    assert LONG_TEXT in texts(await chat.say("chữ " * 300))


# --- flood and background work -----------------------------------------------------------------


async def test_a_chat_writing_too_fast_gets_one_notice_and_a_pressed_button_a_popup(tutor: Tutor) -> None:
    # The configured limit lets a person's ordinary pace through.
    for line in ("/start", "menu", "tiep tuc"):
        assert ERROR not in texts(
            [d.reply for d in await tutor.handle(Actor("telegram", "7000", "Bà Ba"), Text(line))]
        )
    now = [0.0]
    tutor.flood = ChatLimiter(1, 2, clock=lambda: now[0])
    actor = Actor("telegram", "7001", "Bà Lan")
    assert await tutor.handle(actor, Text("/start"))
    assert await tutor.handle(actor, Text("menu"))
    notice = await tutor.handle(actor, Text("menu"))
    assert [d.reply.text.count(TOO_FAST) for d in notice] == [1] and not notice[0].reply.toast
    assert await tutor.handle(actor, Text("menu")) == []  # one notice per run of dropped messages
    pressed = await tutor.handle(actor, Choice("1.0"))
    assert len(pressed) == 1 and pressed[0].reply.toast and TOO_FAST in pressed[0].reply.text
    assert pressed[0].meta.get("keep_keyboard")
    # Dropped before any database work: the notice is no outbox row (0: the channel marks nothing
    # as sent or failed for it) and goes back to this chat on this channel.
    assert [(d.outbox_id, d.user_id, d.channel, d.external_id) for d in notice + pressed] == [
        (0, 0, "telegram", "7001")
    ] * 2
    other = Actor("telegram", "7002", "Ông Tư")  # each chat has its own allowance
    welcomed = [d.reply for d in await tutor.handle(other, Text("/start"))]
    assert welcomed and WELCOME in texts(welcomed)
    now[0] += 1.0
    assert TOO_FAST not in texts([d.reply for d in await tutor.handle(actor, Text("menu"))])
    # The operator's console is never limited.
    console = Chat(tutor)
    for _ in range(5):
        assert TOO_FAST not in texts(await console.say("menu"))


async def test_work_after_the_reply_runs_and_a_failure_is_one_line(tutor: Tutor, caplog) -> None:
    done: list[str] = []

    async def job() -> None:
        done.append("sent")

    async def broken() -> None:
        raise ValueError("Nguyễn Thị An 0912345678")

    tutor.spawn(job())
    with caplog.at_level(logging.ERROR, logger="hocvuso.tutor"):
        tutor.spawn(broken())
        await tutor.drain()
    assert done == ["sent"] and not tutor._background_tasks
    assert [r.getMessage() for r in caplog.records] == ["background job failed: ValueError"]


async def test_a_failed_turn_gets_an_apology_and_the_operator_one_masked_line(tutor: Tutor, caplog) -> None:
    def broken():
        raise RuntimeError("database gone")

    tutor.db.transaction = broken  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, logger="hocvuso.tutor"):
        for external_id in ("84912345678", "12345", "1234", "42"):
            replies = await tutor.handle(Actor("telegram", external_id, "Bà Lan"), Text("xin chào"))
            assert [(d.outbox_id, d.user_id, d.external_id) for d in replies] == [(0, 0, external_id)]
            assert ERROR in replies[0].reply.text
    # Who wrote is masked in the log: the first two digits at most, never the whole id or the text.
    assert [r.getMessage() for r in caplog.records] == [
        "failed to handle Text from telegram:84…",
        "failed to handle Text from telegram:12…",
        "failed to handle Text from telegram:…",
        "failed to handle Text from telegram:…",
    ]


async def test_a_number_from_a_lessons_explanation_typed_back_is_no_secret(db_url: str, tmp_path) -> None:
    (tmp_path / "tracks.yaml").write_text("tracks:\n  - {id: an-toan, title: An toàn, order: 1}\n", "utf-8")
    (tmp_path / "so-mau.yaml").write_text(
        """id: so-mau
title: Số trong lời giải thích
track: an-toan
order: 1
minutes: 2
steps:
  - id: hoi
    quiz:
      ask: Ai gọi xin mã thì Bác làm gì?
      options:
        - text: Đọc mã cho họ
          explain: Không. Mã mẫu 246810 trong tin nhắn cũng không đọc cho ai.
        - text: Không đưa, cúp máy
          correct: true
          explain: Đúng rồi.
  - id: ket
    say: Xong rồi.
""",
        "utf-8",
    )
    tutor = await make_tutor(db_url, tmp_path)
    try:
        chat = Chat(tutor)
        await chat.say("/start l-so-mau")
        assert not texts(await chat.say("246810")).startswith("⚠️")  # written in the lesson
        assert texts(await chat.say("135790")).startswith("⚠️")  # any other six digits look like an OTP
    finally:
        await tutor.db.close()


async def test_a_command_leaves_the_question_so_the_next_words_are_not_its_answer(tutor: Tutor) -> None:
    chat = await volunteer(tutor)
    await chat.say("/taolop")
    await chat.say("/start")
    replies = await chat.say("Lớp điện thoại thôn 3")
    assert CLASS_TEXTS["ask_place"] not in texts(replies) and UNKNOWN_TEXT_STAFF in texts(replies)


async def test_an_organizer_named_in_the_config_is_one_from_their_first_message(db_url: str) -> None:
    tutor = await make_tutor(db_url, organizers=["console:org-1"])
    try:
        first = texts(await Chat(tutor, Actor("console", "org-1", "Hà")).say("xin chào"))
        assert "Bạn là cán bộ phụ trách" in first and WELCOME not in first
        other = texts(await Chat(tutor, Actor("console", "org-2", "Hải")).say("xin chào"))
        assert WELCOME in other  # anyone else starts as a learner
        assert UNKNOWN_TEXT_STAFF in texts(await Chat(tutor, Actor("console", "org-1", "Hà")).say("abc xyz"))
        # The config stays the truth: once it no longer names them, they are a learner again.
        await apply_config_organizers(tutor.db, tutor.settings.model_copy(update={"organizers": []}))
        async with tutor.db.reader() as repo:
            assert (await repo.user_by_external("console", "org-1")).role == "learner"
    finally:
        await tutor.db.close()


async def test_work_a_turn_leaves_for_later_runs_after_its_reply_is_stored(tutor: Tutor) -> None:
    """Slow work (a workbook) runs after the turn has committed, in the background."""
    seen: list[int] = []

    async def later_job(user_id: int) -> None:
        async with tutor.db.reader() as repo:
            seen.append(await repo.pending_for_user(user_id))  # the turn's reply is stored by now

    async def slow_command(turn, _arg: str) -> None:
        turn.say("Cháu đang làm, xong cháu gửi ngay ạ.")
        turn.after_commit(functools.partial(later_job, turn.user.id))

    tutor.router.command("lamsau")(slow_command)
    replies = await Chat(tutor).say("/lamsau")
    assert [r.text for r in replies][-1] == "Cháu đang làm, xong cháu gửi ngay ạ."
    await tutor.drain()
    assert len(seen) == 1 and seen[0] >= 1


# --- first contact -------------------------------------------------------------------------------


async def new_class_code(tutor: Tutor) -> str:
    chat = await volunteer(tutor)
    for line in ("/taolop", "Lớp điện thoại thôn 3", "bỏ qua"):
        await chat.say(line)
    replies = await chat.say("bỏ qua")
    return next(word for word in texts(replies).split() if len(word) == 6 and word.isupper())


async def test_a_class_code_as_the_very_first_message_welcomes_and_joins(tutor: Tutor) -> None:
    code = await new_class_code(tutor)
    replies = texts(await Chat(tutor).say(code.lower()))
    assert WELCOME in replies and "Bác đã vào lớp «Lớp điện thoại thôn 3»" in replies
    assert replies.index(WELCOME) < replies.index("Bác đã vào lớp")  # the greeting comes first


async def test_a_wrong_code_as_the_very_first_message_counts_as_a_wrong_try(tutor: Tutor) -> None:
    chat = Chat(tutor)
    first = texts(await chat.say("KX7PQM"))
    assert WELCOME in first and UNKNOWN_LINK in first
    for code in ("KX7PQN", "KX7PQP", "KX7PQR", "KX7PQS"):  # five wrong in all
        assert UNKNOWN_LINK in texts(await chat.say(code))
    assert "đã nhập sai mã nhiều lần" in texts(await chat.say("KX7PQT"))


async def test_a_command_as_the_very_first_message_is_answered_and_greets_no_later(tutor: Tutor) -> None:
    chat = Chat(tutor)
    first = texts(await chat.say("/tiendo"))
    assert WELCOME not in first
    assert WELCOME not in texts(await chat.say("menu"))  # not greeted on the next message either


async def test_a_secret_as_the_very_first_message_is_warned_about(tutor: Tutor) -> None:
    replies = texts(await Chat(tutor).say("mã OTP 482913"))
    assert WELCOME in replies and "⚠️" in replies


async def test_someone_granted_a_role_who_first_presses_a_button_is_greeted_once(tutor: Tutor) -> None:
    async with tutor.db.transaction() as repo:
        await repo.grant("console", "tnv-2", "volunteer", None, GRANTED)
    chat = Chat(tutor, Actor("console", "tnv-2", "Minh"))
    first = await chat.say("[callback x.0]")
    assert [r.text.startswith("Chào bạn! Bạn là tình nguyện viên") for r in first] == [True, False]
    assert first[1].toast and BAD_BUTTON in first[1].text  # the button is still answered
    assert "Chào bạn!" not in texts(await chat.say("menu"))


# --- the command menu of each role (Telegram shows it) ------------------------------------------


async def test_a_new_role_brings_its_command_menu_once(tutor: Tutor) -> None:
    chat = Chat(tutor)
    first = await chat.say("/start")
    assert [r.commands for r in first] == [None] * len(first)  # learners have the default menu
    await set_user(tutor, "learner-1", role="volunteer")
    replies = await chat.say("menu")
    assert [r.commands for r in replies] == ["volunteer"] + [None] * (len(replies) - 1)
    assert {r.commands for r in await chat.say("menu")} == {None}  # said once
    await set_user(tutor, "learner-1", role="learner")
    toast = await chat.say("[callback x.0]")  # a popup cannot carry a menu: the next reply does
    assert [r.commands for r in toast] == [None]
    assert [r.commands for r in await chat.say("menu")][:1] == ["learner"]
    assert {r.commands for r in await chat.say("menu")} == {None}


async def test_an_erased_user_gets_no_command_menu(tutor: Tutor) -> None:
    chat = Chat(tutor)
    await chat.say("/start")
    await set_user(tutor, "learner-1", role="volunteer", deleted_at=GRANTED)
    assert {r.commands for r in await chat.say("menu")} == {None}


async def test_a_person_is_known_by_their_own_name_and_reminders_count_again(tutor: Tutor) -> None:
    async with tutor.db.transaction() as repo:
        await repo.grant("console", "tnv-3", "volunteer", None, GRANTED)  # no name yet
        named = await repo.grant("console", "tnv-4", "volunteer", None, GRANTED)
        named.display_name = "Cô Hoa"
    await Chat(tutor, Actor("console", "tnv-3", "  Trần   Minh  ")).say("menu")
    await Chat(tutor, Actor("console", "tnv-4", "Hoa Telegram")).say("menu")
    await Chat(tutor, Actor("console", "learner-9", "Nguyễn " * 30)).say("/start")
    await set_user(tutor, "learner-9", reminders_unanswered=2)
    await Chat(tutor, Actor("console", "learner-9", "Nguyễn")).say("menu")
    async with tutor.db.reader() as repo:
        users = {e: await repo.user_by_external("console", e) for e in ("tnv-3", "tnv-4", "learner-9")}
    assert users["tnv-3"].display_name == "Trần Minh"  # from the platform, tidied
    assert users["tnv-4"].display_name == "Cô Hoa"  # a name already known is kept
    assert users["learner-9"].display_name == ("Nguyễn " * 30)[:100]  # at most 100 characters
    assert users["learner-9"].reminders_unanswered == 0  # they answered: reminders count again


async def test_a_message_of_a_thousand_characters_is_still_read(tutor: Tutor) -> None:
    chat = Chat(tutor)
    await chat.say("/start")
    assert LONG_TEXT not in texts(await chat.say("a" * 1000))
    assert LONG_TEXT in texts(await chat.say("a" * 1001))


async def test_a_class_code_typed_later_joins_too(tutor: Tutor) -> None:
    code = await new_class_code(tutor)
    chat = Chat(tutor)
    await chat.say("xin chào")
    assert "Bác đã vào lớp «Lớp điện thoại thôn 3»" in texts(await chat.say(code))


async def test_a_button_or_a_sticker_as_the_very_first_event_greets_and_shows_the_menu(tutor: Tutor) -> None:
    for first, who in (("[callback 3.0]", "learner-7"), ("[sticker]", "learner-8")):
        replies = await Chat(tutor, Actor("console", who, "Bà Lan")).say(first)
        assert WELCOME in texts(replies) and replies[-1].buttons and not replies[-1].toast, first

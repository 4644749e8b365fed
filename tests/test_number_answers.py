"""Numbers that are answers: a quiz whose options are 113 / 114 / 115 or a hotline is answered by
typing the number as written, on every channel; a number that is not an option is still a choice
number, or (4–8 digits) a possible OTP the learner is warned about."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.engine import Tutor
from bot.lessons import load_catalog
from bot.store.models import StepEvent
from bot.text import match_choice
from tests.conftest import make_tutor
from tests.support.dialog import Chat
from tests.support.proc import ROOT, hocvuso_env
from tests.support.telegram_standin import TelegramStandIn
from tests.support.zalo_standin import ZaloStandIn
from tests.test_console import chat as console_chat
from tests.test_telegram import start_bot
from tests.test_zalo import running

NUMBERS = Path(__file__).parent / "data" / "number-lessons"
NAV = [("🔁 Nhắc lại", "repeat"), ("⬅️ Quay lại", "back"), ("🙋 Hỏi người giúp", "help"), ("🏠 Menu", "menu")]
EMERGENCY = [("113", "opt:1"), ("114", "opt:2"), ("115", "opt:3"), *NAV]
HOTLINE = [("1900 1288", "opt:1"), ("Số lạ gọi bằng Zalo", "opt:2"), *NAV]

# One learner's way through tests/data/number-lessons, the same on every channel: what they type,
# a fragment of the last message it brings, and fragments every new message together must hold.
DIALOG = [
    ("/start l-so-can-nho", "Bước 1/4", ()),
    ("tiep tuc", "Bước 2/4", ()),
    ("114", "thử chọn lại", ("❌ Chưa đúng. Số 114 là cứu hỏa",)),
    ("115", "Bước 3/4", ("✅ Đúng rồi! Số 115 là cấp cứu y tế",)),
    ("482913", "⚠️ Tin nhắn của Bác có vẻ chứa mã OTP", ()),  # an OTP that is no option: warned
    ("1900.1288", "Bước 4/4", ("✅ Đúng rồi! Đây là tổng đài của EVNHANOI",)),
    ("tiep tuc", "🎉 Chúc mừng Bác đã học xong bài «Những số cần nhớ»!", ("Bác trả lời đúng 2/2 câu hỏi.",)),
]


def assert_dialog(texts_after: list[list[str]]) -> None:
    """`texts_after[i]`: the messages the bot sent after the i-th line of DIALOG."""
    assert len(texts_after) == len(DIALOG)
    for (typed, last, expected), texts in zip(DIALOG, texts_after, strict=True):
        joined = "\n".join(texts)
        assert last in joined, (typed, texts)
        for fragment in expected:
            assert fragment in joined, (typed, texts)
        assert "Cháu chưa hiểu" not in joined, (typed, texts)
        if typed != "482913":
            assert "⚠️" not in joined, (typed, texts)


# --- reading typed text ------------------------------------------------------------------------


def test_an_option_that_is_a_number_is_chosen_by_typing_it() -> None:
    expected = {
        "115": 2,
        "113": 0,
        "115.": 2,
        " 115 ": 2,
        "số 115": 2,
        "SỐ 115": 2,
        "so 115": 2,
        "Gọi 115 ạ": 2,
        "3. 115": 2,  # the numbered line Zalo and the console show
        "3": 2,  # a choice number still works
        "5": 4,
        "116": None,
        "0115": None,
        "không phải 115": None,
        "1 115": None,  # line 1 is not 115
    }
    assert {typed: match_choice(typed, EMERGENCY) for typed in expected} == expected


def test_a_hotline_option_is_chosen_however_it_is_spaced() -> None:
    typed = ["1900 1288", "19001288", "1900.1288", "1900-1288", "số 1900 1288", "Tổng đài 1900 1288"]
    assert [match_choice(text, HOTLINE) for text in typed] == [0] * len(typed)


def test_a_number_written_in_one_option_among_words_picks_it_when_no_choice_has_that_number() -> None:
    choices = [("113 (Công an)", "opt:1"), ("115 (cấp cứu)", "opt:2"), ("Hàng xóm", "opt:3"), *NAV]
    assert match_choice("115", choices) == 1
    assert match_choice("2", choices) == 1  # a choice number is a choice number
    assert match_choice("115", [*choices, ("Gọi 115 sau", "opt:4")]) is None  # two options say 115


def test_where_the_readings_clash_the_option_wins_but_only_for_lesson_options() -> None:
    # «1» is the second option: typing 1 picks it (what a button says comes first; `lessons check`
    # warns the author). 2 is a choice number no option reads as.
    quiz = [("5", "opt:1"), ("1", "opt:2"), ("3 lần", "opt:3"), *NAV]
    assert [match_choice(typed, quiz) for typed in ("1", "5", "2", "3", "6")] == [1, 0, 1, 2, 5]
    recheck = [("Để sau", "menu"), ("2", "recheck:7.1"), ("1", "recheck:7.2")]
    assert [match_choice(typed, recheck) for typed in ("1", "2", "3")] == [2, 1, 2]
    # Names strangers chose (a learner called «2») never outrank a choice number.
    learners = [("👤 2", "assign-to:u9"), ("👤 Bà Lan", "assign-to:u4")]
    assert [match_choice(typed, learners) for typed in ("1", "2")] == [0, 1]


# --- the tutor -----------------------------------------------------------------------------------


@pytest.fixture
async def numbers_tutor(db_url: str) -> AsyncIterator[Tutor]:
    t = await make_tutor(db_url, NUMBERS)
    yield t
    await t.db.close()


async def test_tutor_takes_typed_numbers_as_answers_and_still_guards_otps(numbers_tutor: Tutor) -> None:
    chat = Chat(numbers_tutor)
    texts_after = []
    for typed, _, _ in DIALOG:
        texts_after.append([reply.text for reply in await chat.say(typed)])
    assert_dialog(texts_after)
    async with numbers_tutor.db.reader() as repo:
        answers = (
            await repo.session.execute(
                select(StepEvent.step_id, StepEvent.answer, StepEvent.correct)
                .where(StepEvent.kind == "answer", StepEvent.step_id.in_(["cap-cuu", "tong-dai"]))
                .order_by(StepEvent.id)
            )
        ).all()
    # Stored as option numbers, never as the typed text.
    assert [tuple(row) for row in answers] == [
        ("cap-cuu", "2", False),
        ("cap-cuu", "3", True),
        ("tong-dai", "1", True),
    ]


# --- every channel -------------------------------------------------------------------------------


def test_console_chat_takes_typed_numbers_as_answers(tmp_path: Path) -> None:
    proc = console_chat(tmp_path / "n.db", [typed for typed, _, _ in DIALOG], lessons=NUMBERS)
    assert proc.returncode == 0, proc.stderr
    # The console echoes each input as "> text"; what follows it is the bot's answer to it.
    chunks = proc.stdout.split("\n> ")[1:]
    assert [chunk.split("\n", 1)[0] for chunk in chunks] == [typed for typed, _, _ in DIALOG]
    assert_dialog([[chunk.split("\n", 1)[1]] for chunk in chunks])
    assert "  3. 115" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


async def _play(api: Any, chat: Any) -> list[list[str]]:
    texts_after = []
    for typed, last, _ in DIALOG:
        before = len(api.texts(chat))
        await api.push_text(chat, typed)
        await api.wait_for(lambda s, n=before, f=last: any(f in t for t in s.texts(chat)[n:]))
        texts_after.append(api.texts(chat)[before:])
    return texts_after


async def test_telegram_takes_typed_numbers_as_answers(db_url: str) -> None:
    api = await TelegramStandIn().start()
    tutor = await make_tutor(db_url, NUMBERS)
    channel = await start_bot(tutor, api)
    try:
        assert_dialog(await _play(api, 7101))
        quiz = await api.wait_text(7101, "Bác gọi số nào để xin xe cấp cứu?")
        labels = [row[0]["text"] for row in quiz["reply_markup"]["inline_keyboard"][:3]]
        assert labels == ["113", "114", "115"]  # the buttons show the numbers themselves
    finally:
        await channel.stop()
        await tutor.db.close()
        await api.stop()


async def test_zalo_takes_typed_numbers_as_answers(db_url: str) -> None:
    api = await ZaloStandIn().start()
    tutor = await make_tutor(db_url, NUMBERS)
    try:
        async with running(tutor, api):
            assert_dialog(await _play(api, "u-ong-ba"))
        quiz = await api.wait_text("u-ong-ba", "Bác gọi số nào để xin xe cấp cứu?")
        assert "1. 113\n2. 114\n3. 115" in quiz
    finally:
        await tutor.db.close()
        await api.stop()


# --- lessons check ---------------------------------------------------------------------------------

CLASH = """\
id: so-lan
title: Số lần
track: t
order: 1
steps:
  - id: bat-dau
    say: Bắt đầu.
  - id: hoi
    quiz:
      ask: Nhập sai mã mấy lần thì bị khóa?
      options:
        - text: "1"
          explain: Một lần.
        - text: "5"
          correct: true
          explain: Năm lần.
        - text: "3 lần"
          explain: Ba lần.
        - text: Số 2
          explain: Hai lần.
"""


def write_clash(folder: Path) -> Path:
    (folder / "tracks.yaml").write_text("tracks:\n  - {id: t, title: T, order: 1}\n", encoding="utf-8")
    lesson = folder / "so-lan.yaml"
    lesson.write_text(CLASH, encoding="utf-8")
    return lesson


def run_check(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "lessons", "check", str(folder)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=hocvuso_env("sqlite+aiosqlite:///unused.db", folder),
        timeout=60,
    )


def test_check_warns_about_an_option_whose_number_is_another_choice_number(tmp_path: Path) -> None:
    write_clash(tmp_path)
    result = load_catalog(tmp_path)
    assert result.problems == []
    assert [lesson.id for lesson in result.catalog.lessons] == ["so-lan"]  # a warning leaves nothing out
    # Options are shuffled per learner, so «1», «5» (a navigation line on Zalo's list) and «Số 2»
    # (reads as 2) each clash with some learner's numbered list; «3 lần» is words, not a number.
    assert [(w.line, w.message.split(":")[0]) for w in result.warnings] == [
        (12, "step 2 › quiz › option 1"),
        (14, "step 2 › quiz › option 2"),
        (19, "step 2 › quiz › option 4"),
    ]
    assert "typing 2 picks this option" in result.warnings[2].message


def test_check_command_prints_warnings_and_passes(tmp_path: Path) -> None:
    lesson = write_clash(tmp_path)
    proc = run_check(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"{lesson}:12: warning: step 2 › quiz › option 1: «1» is also a choice number")
    assert lines[1].startswith(f"{lesson}:14: warning: step 2 › quiz › option 2: «5» is also a choice number")
    assert lines[2].startswith(
        f"{lesson}:19: warning: step 2 › quiz › option 4: «Số 2» is also a choice number"
    )
    assert lines[3:] == ["OK: 1 lessons, 2 steps, 1 tracks, 3 warning(s)"]
    # With an error as well, the error fails the check and the warnings are still listed.
    (tmp_path / "hong.yaml").write_text(
        "id: hong\ntitle: H\ntrack: t\norder: 2\nsteps: []\n", encoding="utf-8"
    )
    proc = run_check(tmp_path)
    assert proc.returncode == 1
    assert sum(": warning: " in line for line in proc.stdout.splitlines()) == 3
    assert proc.stderr.strip() == "1 problem(s), 3 warning(s) in 3 file(s)"


def test_numbers_test_lesson_has_no_warning() -> None:
    result = load_catalog(NUMBERS)
    assert (result.problems, result.warnings) == ([], [])

"""The rule each transcript shows, asserted by an ordinary test.

A transcript (tests/transcripts/*.txt) is a golden master: `HOCVUSO_UPDATE_TRANSCRIPTS=1` rewrites
it with whatever the bot says today, right or wrong, and a hurried reader may bless the diff. So
each transcript's rule — its first `#` line — is also checked here on what a learner would notice,
and a transcript without a rule test fails `test_every_transcript_has_its_rule_tested`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.core.engine import Tutor
from bot.store.models import HelpRequest, Progress, StepEvent
from tests.support.dialog import Chat

TRANSCRIPTS = Path(__file__).parent / "transcripts"


def rule_test(stem: str) -> str:
    return "test_rule_" + stem.replace("-", "_")


def test_every_transcript_has_its_rule_stated_and_tested() -> None:
    for path in sorted(TRANSCRIPTS.glob("*.txt")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# "), f"{path.name}: the first line states the rule it shows"
        assert rule_test(path.stem) in globals(), f"{path.name}: no {rule_test(path.stem)} here"


async def progress(tutor: Tutor, lesson: str = "thu-nghiem") -> Progress | None:
    async with tutor.db.reader() as repo:
        return (
            await repo.session.execute(select(Progress).where(Progress.lesson_id == lesson))
        ).scalar_one_or_none()


async def answers(tutor: Tutor) -> list[tuple[str, bool | None, int | None]]:
    async with tutor.db.reader() as repo:
        rows = await repo.session.execute(
            select(StepEvent.step_id, StepEvent.correct, StepEvent.attempt)
            .where(StepEvent.kind == "answer", StepEvent.step_id == "cau-hoi")
            .order_by(StepEvent.id)
        )
        return [tuple(r) for r in rows]


def texts(replies) -> str:
    return "\n\n".join(r.text for r in replies)


def labels(replies) -> list[str]:
    return [b.label for r in replies for b in r.buttons]


async def test_rule_quiz_wrong_twice(sqlite_tutor: Tutor) -> None:
    """After the second wrong answer the right answer is shown and the lesson moves on."""
    chat = Chat(sqlite_tutor)
    await chat.say("/start l-thu-nghiem")
    await chat.say("tiep tuc")
    first = texts(await chat.say("Có"))
    assert "Chưa đúng" in first and "thử chọn lại" in first and "Đáp án đúng" not in first
    second = await chat.say("Có")
    said = texts(second)
    assert "Đáp án đúng là: «Không»" in said and "thử chọn lại" not in said
    # Why the chosen one is wrong, and why the right one is right.
    assert "Người lạ có mã OTP sẽ lấy được tiền." in said and "Mã OTP chỉ mình Bác biết." in said
    assert second[-1].text.startswith("Bước 3/4")  # moved on: no third try
    assert await answers(sqlite_tutor) == [("cau-hoi", False, 1), ("cau-hoi", False, 2)]
    row = await progress(sqlite_tutor)
    assert row is not None and row.step_id == "thuc-hanh" and row.attempts == 0


async def test_rule_quiz_right_second_try(sqlite_tutor: Tutor) -> None:
    """A wrong first answer gets its explanation and a second try; right then moves on."""
    chat = Chat(sqlite_tutor)
    await chat.say("/start l-thu-nghiem")
    await chat.say("tiep tuc")
    retry = await chat.say("Có, nếu họ nói là nhân viên ngân hàng")
    assert "Nhân viên ngân hàng thật không bao giờ hỏi mã OTP" in retry[0].text
    assert retry[-1].text.startswith("Bước 2/4")  # the same question again
    right = await chat.say("Không")
    assert right[0].text == "✅ Đúng rồi! Mã OTP chỉ mình Bác biết." and right[-1].text.startswith("Bước 3/4")
    assert await answers(sqlite_tutor) == [("cau-hoi", False, 1), ("cau-hoi", True, 2)]
    row = await progress(sqlite_tutor)
    assert row is not None and row.attempts == 0  # the next quiz starts with its first try


async def test_rule_complete_by_typing(sqlite_tutor: Tutor) -> None:
    """Words without diacritics and numbers take a learner through a whole lesson."""
    chat = Chat(sqlite_tutor)
    await chat.say("/start l-thu-nghiem")
    for typed in ("tiep tuc", "khong", "xong"):
        await chat.say(typed)
    final = await chat.say("1")
    assert final[0].text.startswith("🎉 Chúc mừng") and "đúng 1/1" in final[0].text
    row = await progress(sqlite_tutor)
    assert row is not None and row.status == "done"


async def test_rule_delete_my_data(sqlite_tutor: Tutor) -> None:
    """«Không» keeps the data; «có» erases name and platform id; writing again is a new profile."""
    chat = Chat(sqlite_tutor)
    await chat.say("/start l-thu-nghiem")
    await chat.say("/xoadulieu")
    await chat.say("khong")
    async with sqlite_tutor.db.reader() as repo:
        kept = await repo.user_by_external("console", "learner-1")
    assert kept is not None and kept.display_name == "Bà Lan" and kept.deleted_at is None
    await chat.say("/xoadulieu")
    await chat.say("co")
    async with sqlite_tutor.db.reader() as repo:
        assert await repo.user_by_external("console", "learner-1") is None  # the platform id is gone
        erased = await repo.user(kept.id)
    assert erased is not None and erased.deleted_at is not None and erased.display_name is None
    again = await chat.say("/start")
    assert again[0].text.startswith("Chào Bác!")  # welcomed as someone new
    assert "Bắt đầu học" in labels(again)[0]  # nothing in progress any more


async def test_rule_first_contact_without_start(sqlite_tutor: Tutor) -> None:
    """First contact without /start: a welcome and the menu, then typed words work."""
    chat = Chat(sqlite_tutor)
    first = await chat.say("xin chào")
    assert first[0].text.startswith("Chào Bác!") and first[-1].buttons
    opened = await chat.say("1")
    assert opened[-1].text.startswith("📖 Bài: Bài thử nghiệm")


async def test_rule_help_without_volunteer(sqlite_tutor: Tutor) -> None:
    """Asking for help with nobody to ask records one request and keeps the learner on the step."""
    chat = Chat(sqlite_tutor)
    await chat.say("/start l-thu-nghiem")
    asked = await chat.say("giúp")
    assert asked[0].text.startswith("🙋") and asked[-1].text.startswith("Bước 1/4")
    again = await chat.say("/giupdo")
    assert "đã báo cho người giúp rồi" in texts(again)
    async with sqlite_tutor.db.reader() as repo:
        requests = (await repo.session.execute(select(func.count()).select_from(HelpRequest))).scalar_one()
    assert requests == 1


async def test_rule_locked_lesson(sqlite_tutor: Tutor) -> None:
    """A lesson with a missing prerequisite is locked and offers the prerequisite."""
    chat = Chat(sqlite_tutor)
    locked = await chat.say("/start l-bai-hai")
    assert "cần học trước bài «Bài thử nghiệm»" in texts(locked)
    assert await progress(sqlite_tutor, "bai-hai") is None
    opened = await chat.say("1")
    assert opened[-1].text.startswith("📖 Bài: Bài thử nghiệm")


async def test_rule_menus_and_progress(sqlite_tutor: Tutor) -> None:
    """Tracks list their lessons; /tiendo counts finished lessons and names the current step."""
    chat = Chat(sqlite_tutor)
    await chat.say("/start")
    await chat.say("2")
    track = await chat.say("1")
    assert "Chủ đề «Cơ bản» có 1 bài." in texts(track)
    await chat.say("1")
    shown = texts(await chat.say("/tiendo"))
    assert "0/2 bài" in shown and "«Bài thử nghiệm», bước 1/4" in shown


async def test_rule_misunderstandings(sqlite_tutor: Tutor) -> None:
    """Unknown text, a sticker, an unknown command, a wrong number, bad buttons: one gentle line and
    the same choices, and nothing changes."""
    chat = Chat(sqlite_tutor)
    menu = await chat.say("/start")
    choices = labels(menu)
    for said in ("xin chào cháu", "[sticker]", "/abcxyz", "9"):
        replies = await chat.say(said)
        assert len(replies) == 1 and labels(replies) == choices, said
    for data in ("hacked-data", "0.0", "1.7"):
        replies = await chat.say(f"[callback {data}]")
        assert len(replies) == 1 and replies[0].toast, data  # a popup on the button, no new screen
    assert await progress(sqlite_tutor) is None


async def test_rule_practice_not_yet(sqlite_tutor: Tutor) -> None:
    """«Tôi chưa làm được» offers: see again, ask for help, skip."""
    chat = Chat(sqlite_tutor)
    await chat.say("/start l-thu-nghiem")
    await chat.say("1")
    await chat.say("khong")
    offered = await chat.say("chua lam duoc")
    assert len(labels(offered)) >= 3 and "Bước 3/4" not in texts(offered)
    assert (await chat.say("xem lai huong dan"))[-1].text.startswith("Bước 3/4")
    await chat.say("2")
    assert (await chat.say("bo qua"))[-1].text.startswith("Bước 4/4")


async def test_rule_privacy_guard(sqlite_tutor: Tutor) -> None:
    """What looks like an OTP, an ID number or a password is never taken: a warning, the same
    choices, nothing stored."""
    chat = Chat(sqlite_tutor)
    shown = await chat.say("/start l-thu-nghiem")
    for secret in ("ma otp cua toi la 482913", "0123 4567 8910", "mật khẩu là Lan@1955"):
        replies = await chat.say(secret)
        assert len(replies) == 1 and replies[0].text.startswith("⚠️"), secret
        assert labels(replies) == labels(shown[-1:])
    row = await progress(sqlite_tutor)
    assert row is not None and row.step_id == "chao"
    async with sqlite_tutor.db.reader() as repo:
        kinds = (await repo.session.execute(select(StepEvent.kind))).scalars().all()
    assert "answer" not in kinds


async def test_rule_repeat_back_menu(sqlite_tutor: Tutor) -> None:
    """Repeat, back and menu work by word on every step; back on the first step says so."""
    chat = Chat(sqlite_tutor)
    await chat.say("/start l-thu-nghiem")
    first = await chat.say("quay lai")
    assert first[0].text.startswith("Đây là bước đầu tiên") and first[-1].text.startswith("Bước 1/4")
    assert (await chat.say("nhac lai"))[-1].text.startswith("Bước 1/4")
    assert (await chat.say("tiep"))[-1].text.startswith("Bước 2/4")
    assert (await chat.say("Quay lại"))[-1].text.startswith("Bước 1/4")
    assert (await chat.say("menu"))[-1].text.startswith("Bác muốn làm gì")
    assert (await chat.say("1"))[-1].text.startswith("Bước 1/4")  # «continue» resumes where it was

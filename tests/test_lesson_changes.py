"""A lesson edited while learners are inside it never crashes: the learner continues at the nearest
sensible step and is told the lesson changed."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from bot.store.models import Progress
from tests.conftest import LESSONS, make_tutor
from tests.support.dialog import Chat

LESSON = "co-ban/thu-nghiem.yaml"


async def at_step(tmp_path: Path, db_url: str, answers: list[str]) -> Path:
    """Copy the test lessons, put a learner on a step, and return the copied folder."""
    folder = tmp_path / "lessons"
    shutil.copytree(LESSONS, folder)
    tutor = await make_tutor(db_url, folder)
    chat = Chat(tutor)
    for line in ["/start l-thu-nghiem", *answers]:
        await chat.say(line)
    await tutor.db.close()
    return folder


async def resume(folder: Path, db_url: str) -> str:
    tutor = await make_tutor(db_url, folder)
    try:
        return "\n\n".join(r.text for r in await Chat(tutor).say("/hoc"))
    finally:
        await tutor.db.close()


async def test_step_removed(tmp_path: Path, sqlite_url: str) -> None:
    folder = await at_step(tmp_path, sqlite_url, ["1", "khong"])  # on step 3 "thuc-hanh"
    path = folder / LESSON
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("  - id: thuc-hanh\n    practice: Bác mở Cài đặt trên điện thoại.\n", ""),
        encoding="utf-8",
    )
    out = await resume(folder, sqlite_url)
    assert out.startswith("Bài học vừa được cập nhật. Mình tiếp tục từ bước 3 nhé.")
    assert "Bước 3/3\nBác đã làm rất tốt." in out


async def test_step_renamed(tmp_path: Path, sqlite_url: str) -> None:
    folder = await at_step(tmp_path, sqlite_url, ["1"])  # on step 2 "cau-hoi"
    path = folder / LESSON
    path.write_text(
        path.read_text(encoding="utf-8").replace("id: cau-hoi", "id: cau-hoi-moi"), encoding="utf-8"
    )
    out = await resume(folder, sqlite_url)
    assert "Bước 2/4\n❓ Có nên đưa mã OTP" in out and "được cập nhật" in out


async def test_steps_reordered(tmp_path: Path, sqlite_url: str) -> None:
    folder = await at_step(tmp_path, sqlite_url, ["1", "khong"])  # on "thuc-hanh" (step 3)
    path = folder / LESSON
    text = path.read_text(encoding="utf-8")
    block = "  - id: thuc-hanh\n    practice: Bác mở Cài đặt trên điện thoại.\n"
    text = text.replace(block, "").replace("  - id: chao\n", block + "  - id: chao\n")
    path.write_text(text, encoding="utf-8")
    out = await resume(folder, sqlite_url)
    assert "Mình tiếp tục từ bước 1 nhé." in out
    assert "Bước 1/4\n✋ Bác mở Cài đặt trên điện thoại." in out


async def test_lesson_deleted(tmp_path: Path, sqlite_url: str) -> None:
    folder = await at_step(tmp_path, sqlite_url, ["1"])
    (folder / LESSON).unlink()
    (folder / "nang-cao" / "bai-hai.yaml").unlink()  # it required the deleted lesson
    tutor = await make_tutor(sqlite_url, folder)
    replies = await Chat(tutor).say("/hoc")
    assert replies[0].text == "Bài «Bài thử nghiệm» không còn nữa. Bác chọn bài khác nhé."
    assert replies[-1].buttons  # the menu follows
    async with tutor.db.reader() as repo:
        row = (await repo.session.execute(select(Progress))).scalar_one()
    assert row.lesson_id == "thu-nghiem"  # history kept for the reports
    await tutor.db.close()


async def test_quiz_options_changed_under_a_pending_answer(tmp_path: Path, sqlite_url: str) -> None:
    folder = await at_step(tmp_path, sqlite_url, ["1"])  # the quiz is on screen with 2 options
    path = folder / LESSON
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "        - text: Không\n          correct: true\n          explain: Mã OTP chỉ mình Bác biết.\n",
        "        - text: Không bao giờ\n          correct: true\n          explain: Mã OTP chỉ mình Bác biết.\n",
    )
    path.write_text(text, encoding="utf-8")
    tutor = await make_tutor(sqlite_url, folder)
    chat = Chat(tutor)
    replies = await chat.say("khong")  # the stored screen's «Không» is still the right option
    assert replies[0].text.startswith("✅ Đúng rồi!")
    await tutor.db.close()

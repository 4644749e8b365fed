"""`hocvuso chat` as a subprocess with piped input: the terminal channel end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import LESSONS, REPO_LESSONS
from tests.support.proc import ROOT, Running, hocvuso_env


def chat(
    db: Path, lines: list[str], user: str = "ba-lan", lessons: Path = LESSONS
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", user],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=hocvuso_env(f"sqlite+aiosqlite:///{db}", lessons),
        cwd=ROOT,
        timeout=120,
    )


def test_piped_session_completes_a_lesson(tmp_path: Path) -> None:
    proc = chat(tmp_path / "a.db", ["/start l-thu-nghiem", "tiep tuc", "khong", "XONG", "1"])
    assert proc.returncode == 0, proc.stderr
    assert "🎉 Chúc mừng Bác đã học xong bài «Bài thử nghiệm»!" in proc.stdout
    assert "Bác trả lời đúng 1/1 câu hỏi." in proc.stdout
    assert "  1. ▶️ Học bài tiếp: Bài thứ hai" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_real_curriculum_lesson_by_typed_words(tmp_path: Path) -> None:
    """The first shipped lesson, answered only with words and numbers a learner would type."""
    from bot.lessons import load_catalog

    lesson = load_catalog(REPO_LESSONS).catalog.lesson("bat-tat-mo-khoa")
    assert lesson is not None
    answers = []
    for step in lesson.steps:
        if step.kind == "say":
            answers.append("tiep tuc")
        elif step.kind == "practice":
            answers.append("xong")
        else:
            assert step.quiz is not None
            # The right option's words (its position on screen is shuffled per learner).
            answers.append(step.quiz.options[step.quiz.correct_index].text)
    proc = chat(tmp_path / "b.db", [f"/start l-{lesson.id}", *answers], lessons=REPO_LESSONS)
    assert f"🎉 Chúc mừng Bác đã học xong bài «{lesson.title}»!" in proc.stdout
    assert f"Bác trả lời đúng {lesson.quiz_count}/{lesson.quiz_count} câu hỏi." in proc.stdout


def test_progress_persists_per_user_and_quits_on_thoat(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    first = chat(db, ["/start l-thu-nghiem", "1", "/thoat", "this line is never read"])
    assert first.returncode == 0 and "Bước 2/4" in first.stdout
    other = chat(db, ["/tiendo"], user="ong-ba")
    assert "Đang học" not in other.stdout
    again = chat(db, [])
    assert "Chào Bác quay lại! Mình học tiếp bài «Bài thử nghiệm» nhé." in again.stdout
    assert "Bước 2/4" in again.stdout


def test_sigkill_mid_lesson_resumes_at_the_step_last_shown(tmp_path: Path) -> None:
    env = hocvuso_env(f"sqlite+aiosqlite:///{tmp_path / 'k.db'}", LESSONS)
    running = Running(["chat", "--user", "ba-hoa"], env)
    running.wait_for("Bác muốn làm gì ạ?")
    running.send("/start l-thu-nghiem")
    running.wait_for("Bước 1/4")
    running.send("1")
    running.wait_for("Bước 2/4")
    running.send("khong")
    running.wait_for("Bước 3/4")
    running.kill()

    resumed = Running(["chat", "--user", "ba-hoa"], env)
    out = resumed.wait_for("  6. 🏠 Menu")
    assert "Chào Bác quay lại!" in out
    assert "Bước 3/4\n✋ Bác mở Cài đặt trên điện thoại." in out
    resumed.send("xong")
    resumed.send("1")
    resumed.wait_for("🎉 Chúc mừng")
    assert resumed.close() == 0


def test_a_step_picture_is_described_by_its_alt_line(tmp_path: Path) -> None:
    from tests.conftest import TESTS

    proc = chat(tmp_path / "p.db", ["/start l-co-hinh"], lessons=TESTS / "data" / "media-lessons")
    assert proc.returncode == 0, proc.stderr
    step = proc.stdout.split("Bác xem hình minh họa này.", 1)[1]
    assert step.startswith("\n🖼 Hình bánh răng «Cài đặt», có vòng tròn đỏ chỗ cần chạm\n")
    assert "media/hinh.png" not in proc.stdout  # a file path means nothing to a learner

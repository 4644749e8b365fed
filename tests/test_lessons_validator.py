"""`hocvuso lessons check`: every problem of a broken folder, each as path:line: message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.lessons import load_catalog

BROKEN = Path(__file__).parent / "data" / "broken"

EXPECTED = {
    ("dangling.yaml", 5): "requires lesson 'khong-co-bai-nay', which does not exist",
    ("dup-b.yaml", 1): "duplicate lesson id 'trung-id'",
    ("dup-key.yaml", 3): "duplicate key 'title'",
    ("dup-step.yaml", 8): "duplicate step id 'a'",
    ("empty-steps.yaml", 5): "the lesson has no steps",
    ("latin1.yaml", 2): "not UTF-8",
    ("missing-media.yaml", 8): "image file 'media/khong-co.png' does not exist",
    ("no-correct.yaml", 7): "exactly one option with 'correct: true' (found 0)",
    ("two-correct.yaml", 7): "exactly one option with 'correct: true' (found 2)",
    ("tabs.yaml", 6): "tab is used for indentation",
    ("too-long.yaml", 7): "text is too long (800 characters, at most 480)",
    ("unknown-key.yaml", 8): "unknown key 'colour' in step 1",
    ("unknown-track.yaml", 3): "track 'khong-co' is not declared",
    ("unparsable.yaml", 6): "YAML cannot be parsed",
}


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "lessons", "check", *args], capture_output=True, text=True, timeout=60
    )


def test_every_problem_is_reported_with_its_line() -> None:
    result = load_catalog(BROKEN)
    found = {(Path(p.path).name, p.line): p.message for p in result.problems}
    for (name, line), fragment in EXPECTED.items():
        assert (name, line) in found, f"no problem reported at {name}:{line}; got {sorted(found)}"
        assert fragment in found[(name, line)]
    # The one valid lesson and the first of the duplicates still load; nothing else does.
    assert sorted(lesson.id for lesson in result.catalog.lessons) == ["good", "trung-id"]


def test_check_command_prints_path_line_and_exits_1() -> None:
    proc = run_check(str(BROKEN))
    assert proc.returncode == 1
    lines = proc.stdout.strip().splitlines()
    assert len(lines) >= len(EXPECTED)
    for line in lines:
        path, number, message = line.split(":", 2)
        assert path.endswith(".yaml") and number.isdigit() and message.strip()
    assert "Traceback" not in proc.stdout + proc.stderr


def test_check_command_on_valid_folder_prints_summary(tmp_path: Path) -> None:
    proc = run_check(str(Path(__file__).parent / "data" / "lessons"))
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.strip() == "OK: 2 lessons, 6 steps, 2 tracks"


def test_missing_folder_is_one_line() -> None:
    proc = run_check("/nonexistent/lessons")
    assert proc.returncode == 1
    assert proc.stdout.strip() == "/nonexistent/lessons:1: the lessons folder does not exist"


def test_prerequisite_loop_is_reported(tmp_path: Path) -> None:
    (tmp_path / "tracks.yaml").write_text("tracks:\n  - {id: t, title: T, order: 1}\n", encoding="utf-8")
    for me, other in (("a", "b"), ("b", "a")):
        (tmp_path / f"{me}.yaml").write_text(
            f"id: {me}\ntitle: {me}\ntrack: t\norder: 1\nrequires: [{other}]\nsteps:\n  - id: s\n    say: x\n",
            encoding="utf-8",
        )
    result = load_catalog(tmp_path)
    assert len(result.catalog) == 0
    assert {Path(p.path).name for p in result.problems if "loop" in p.message} == {"a.yaml", "b.yaml"}


def test_media_path_may_not_leave_the_folder(tmp_path: Path) -> None:
    (tmp_path / "tracks.yaml").write_text("tracks:\n  - {id: t, title: T, order: 1}\n", encoding="utf-8")
    (tmp_path / "x.yaml").write_text(
        "id: x\ntitle: X\ntrack: t\norder: 1\nsteps:\n  - id: s\n    say: x\n    image: ../../etc/passwd\n    alt: x\n",
        encoding="utf-8",
    )
    result = load_catalog(tmp_path)
    assert [str(p).split(":", 2)[2].strip() for p in result.problems] == [
        "image path '../../etc/passwd' leaves the lessons folder"
    ]

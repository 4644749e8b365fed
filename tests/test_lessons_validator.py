"""`hocvuso lessons check`: every problem of a broken folder, each as path:line: message."""

from __future__ import annotations

import subprocess
import sys
import time
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


def lessons_folder(root: Path) -> Path:
    """A folder with one valid lesson, to which a test adds a hostile file."""
    (root / "tracks.yaml").write_text("tracks:\n  - {id: t, title: T, order: 1}\n", encoding="utf-8")
    (root / "tot.yaml").write_text(
        "id: tot\ntitle: Tốt\ntrack: t\norder: 1\nsteps:\n  - id: s\n    say: Chào Bác & Cô *\n",
        encoding="utf-8",
    )
    return root


def billion_laughs(levels: int = 8, width: int = 9) -> str:
    """8 levels of 9 aliases: 9^8 ≈ 43 million strings once expanded, from 17 lines."""
    lines = ["id: bom", "title: Bom", "track: t", "order: 1", 'a0: &a0 "ha"']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    lines += ["steps:", "  - id: s", f"    say: *a{levels}"]
    return "\n".join(lines) + "\n"


def test_nested_aliases_are_refused_at_once(tmp_path: Path) -> None:
    root = lessons_folder(tmp_path)
    (root / "bom.yaml").write_text(billion_laughs(), encoding="utf-8")
    # Through the CLI first: before the fix this ran for minutes (the timeout fails the test).
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "lessons", "check", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0] == (
        f"{root / 'bom.yaml'}:5: YAML anchors and aliases (&a0) are not allowed in lesson files; write the text out"
    )
    assert lines[1].startswith(f"{root / 'bom.yaml'}:6: YAML anchors and aliases (&a1, *a0) ")
    assert all("bom.yaml" in line for line in lines) and "Traceback" not in proc.stderr
    # The one timed assertion: it proves the hang is gone (~0.01 s now, minutes before).
    started = time.perf_counter()
    result = load_catalog(root)
    assert time.perf_counter() - started < 2
    assert [lesson.id for lesson in result.catalog.lessons] == ["tot"]  # '&' and '*' in text are fine


def test_a_huge_file_is_refused_by_its_size(tmp_path: Path) -> None:
    root = lessons_folder(tmp_path)
    with (root / "to.yaml").open("w", encoding="utf-8") as out:  # 50 MB of well-formed YAML
        out.write("id: to\ntitle: To\ntrack: t\norder: 1\nsteps:\n")
        out.writelines(f"  - id: s{n}\n    say: {'Chữ ' * 40}\n" for n in range(300_000))
    result = load_catalog(root)
    assert [str(p) for p in result.problems] == [
        f"{root / 'to.yaml'}:1: the file is too big (over 1 MB); a lesson is a few KB"
    ]
    assert [lesson.id for lesson in result.catalog.lessons] == ["tot"]


def test_deep_nesting_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    root = lessons_folder(tmp_path)
    (root / "sau.yaml").write_text(
        "id: sau\ntitle: Sâu\nsteps: " + "[" * 900 + "]" * 900 + "\n", encoding="utf-8"
    )
    result = load_catalog(root)
    assert [str(p) for p in result.problems] == [
        f"{root / 'sau.yaml'}:3: nested too deeply (more than 40 levels)"
    ]

"""The shipped curriculum meets the content rules of the lesson style guide."""

from __future__ import annotations

from collections import Counter

from bot.lessons import load_catalog
from bot.lessons.model import MAX_STEP_TEXT as MAX_MESSAGE
from tests.conftest import REPO_LESSONS

MIN_PER_TRACK = {
    "dien-thoai": 5,
    "zalo": 3,
    "vneid": 5,
    "dich-vu-cong": 4,
    "an-toan": 4,
    "thanh-toan": 3,
    "tri-tue-nhan-tao": 4,
    "thong-tin": 3,
    "an-sinh-suc-khoe": 3,
}


def test_curriculum_is_valid_and_complete() -> None:
    result = load_catalog(REPO_LESSONS)
    assert result.problems == []
    catalog = result.catalog
    assert len(catalog) >= 45
    per_track = Counter(lesson.track for lesson in catalog.lessons)
    for track, minimum in MIN_PER_TRACK.items():
        assert per_track[track] >= minimum, track


def test_each_lesson_follows_the_style_rules() -> None:
    catalog = load_catalog(REPO_LESSONS).catalog
    for lesson in catalog.lessons:
        kinds = Counter(step.kind for step in lesson.steps)
        assert 5 <= len(lesson.steps) <= 12, lesson.id
        assert kinds["quiz"] >= 1 and kinds["practice"] >= 1, lesson.id
        for step in lesson.steps:
            assert len(step.text) <= MAX_MESSAGE
            if step.quiz:
                for option in step.quiz.options:
                    # The bot says "Đúng rồi!"/"Chưa đúng." itself; an explanation only says why.
                    assert not option.explain.lower().startswith(("đúng", "sai", "chưa đúng")), (
                        lesson.id,
                        step.id,
                    )
        assert "Bác" in " ".join(step.text for step in lesson.steps), lesson.id


def test_safety_lessons_end_with_a_rule_to_remember() -> None:
    catalog = load_catalog(REPO_LESSONS).catalog
    for lesson in catalog.in_track("an-toan"):
        last = lesson.steps[-1]
        assert last.kind == "say", lesson.id


def test_every_lesson_has_its_sources() -> None:
    """lessons/SOURCES.md lists, per lesson, each checkable claim with its public source."""
    import re

    sources = (REPO_LESSONS / "SOURCES.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## ([a-z0-9-]+) — ", sources, flags=re.M))
    lessons = {lesson.id for lesson in load_catalog(REPO_LESSONS).catalog.lessons}
    assert lessons - sections == set(), "lessons without a section in SOURCES.md"
    assert sections - lessons == set(), "sections in SOURCES.md for lessons that do not exist"


def test_the_curriculum_has_no_warnings() -> None:
    """Every quiz has 3–4 options, the right one is not always the longest, no number clashes with a
    choice number, and the learner is always «Bác» (so a configured «Cô» reaches every step)."""
    result = load_catalog(REPO_LESSONS)
    assert [f"{w.path}:{w.line}: {w.message}" for w in result.warnings] == []
    assert len({lesson.track for lesson in result.catalog.lessons}) >= 9

"""Where a learner stands in the catalogue: each lesson's status and what to offer next.

A lesson a volunteer assigned to a learner (or to their class) is open to them even when its
prerequisite is not finished: the volunteer, who knows the learner, decided (and was told so)."""

from __future__ import annotations

from collections.abc import Collection

from bot.core.turn import Turn
from bot.lessons import Lesson
from bot.store.models import Progress


def lesson_status(
    turn: Turn, lesson: Lesson, progress: dict[str, Progress], assigned: Collection[str] = ()
) -> str:
    """done | in_progress | locked | new (an assigned lesson is never locked)"""
    row = progress.get(lesson.id)
    if row is not None:
        return "done" if row.status == "done" else "in_progress"
    if lesson.id not in assigned and missing_prerequisite(lesson, progress) is not None:
        return "locked"
    return "new"


async def assigned_lessons(turn: Turn) -> list[str]:
    """Lessons assigned to the learner or their classes, newest first."""
    return await turn.repo.assigned_lessons(turn.user.id)


def missing_prerequisite(lesson: Lesson, progress: dict[str, Progress]) -> str | None:
    for required in lesson.requires:
        row = progress.get(required)
        if row is None or (row.status != "done" and row.completed_at is None):
            return required
    return None


async def assigned_next(turn: Turn, progress: dict[str, Progress]) -> Lesson | None:
    """The newest lesson a volunteer assigned that the learner has not finished."""
    assigned = await assigned_lessons(turn)
    for lesson_id in assigned:
        lesson = turn.catalog.lesson(lesson_id)
        if lesson is not None and lesson_status(turn, lesson, progress, assigned) in ("new", "in_progress"):
            return lesson
    return None


async def suggest_next(
    turn: Turn, progress: dict[str, Progress], after: Lesson | None = None
) -> Lesson | None:
    """The next lesson to offer: an assigned one first, then the teaching order."""
    assigned = await assigned_next(turn, progress)
    if assigned is not None:
        return assigned
    start = turn.catalog.rank(after.id) + 1 if after is not None else 0
    ordered = turn.catalog.lessons[start:] + turn.catalog.lessons[:start]
    for lesson in ordered:
        if lesson_status(turn, lesson, progress) in ("new", "in_progress"):
            return lesson
    return None

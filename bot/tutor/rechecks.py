"""Spaced re-checks: after a lesson with a practice step, one question again at 3, 7 and 30 days.

Due times are rows in the database, so they survive restarts; the scheduler sends them on whatever
channel the learner uses.
"""

from __future__ import annotations

from datetime import timedelta

from bot.lessons import Lesson
from bot.store.models import Recheck
from bot.tutor.turn import Turn


async def schedule_rechecks(turn: Turn, lesson: Lesson) -> None:
    """Plan the re-checks of a lesson just completed (once per learner and lesson)."""
    if not any(step.kind == "practice" for step in lesson.steps) or lesson.quiz_count == 0:
        return
    if await turn.repo.has_rechecks(turn.user.id, lesson.id):
        return
    for number, days in enumerate(turn.tutor.settings.reminders.recheck_days, start=1):
        turn.repo.add(
            Recheck(
                user_id=turn.user.id,
                lesson_id=lesson.id,
                number=number,
                due_at=turn.now + timedelta(days=days),
            )
        )

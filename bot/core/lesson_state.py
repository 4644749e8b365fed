"""The lesson a learner is in, reconciled with the lesson files as they are now.

Every feature that talks about "where the learner is" (the lesson flow, help requests, reminders,
/start's welcome back) asks this one function, so a renamed, moved or deleted step is handled once.
"""

from __future__ import annotations

from bot.core.turn import Turn
from bot.lessons import Lesson
from bot.store.models import Progress


async def current_lesson(turn: Turn) -> tuple[Lesson, Progress] | None:
    """The lesson the learner is in, reconciled with the lesson file as it is now."""
    lesson_id = turn.user.lesson_id
    if not lesson_id:
        return None
    progress = await turn.repo.progress(turn.user.id, lesson_id)
    lesson = turn.catalog.lesson(lesson_id)
    if lesson is None or progress is None:
        turn.user.lesson_id = None
        if lesson is None:
            # The lesson file was deleted: say so with the title the learner knew, then move on.
            turn.say(turn.w("lesson_removed", lesson=turn.state.get("lesson_title") or lesson_id))
        return None
    if progress.status == "done":
        return None
    index = lesson.step_index(progress.step_id)
    if index is None:
        # The step was renamed or removed: continue at the step now at the same position.
        index = min(max(progress.step_index, 0), len(lesson.steps) - 1)
        progress.step_id = lesson.steps[index].id
        progress.attempts = 0
        turn.say(turn.w("lesson_changed", number=index + 1))
    elif index != progress.step_index:
        # Steps were reordered or inserted: the same step, at its new position.
        turn.say(turn.w("lesson_changed", number=index + 1))
    progress.step_index = index
    return lesson, progress

"""`say`: a short explanation; the learner taps «Tiếp tục»."""

from __future__ import annotations

from bot.core.turn import Turn
from bot.features.learning.steps.base import Outcome, StepView
from bot.lessons import Lesson, Step
from bot.store.models import Progress


def render(turn: Turn, lesson: Lesson, step: Step, progress: Progress) -> StepView:
    return StepView(step.say or "", [(turn.w("btn_next"), "next", False)])


async def answer(turn: Turn, lesson: Lesson, step: Step, progress: Progress, action: str) -> Outcome:
    if action != "next":
        return Outcome.UNKNOWN
    turn.repo.add_event(turn.user.id, lesson.id, step.id, "answer", turn.now, answer="next")
    return Outcome.ADVANCE

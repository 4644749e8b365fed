"""`practice`: the learner does something on their own phone, then taps «Xong» or
«Tôi chưa làm được» (which offers: see the instructions again, ask for help, or skip for now)."""

from __future__ import annotations

from bot.core.turn import Turn
from bot.features.learning.steps.base import Outcome, StepView
from bot.lessons import Lesson, Step
from bot.store.models import Progress


def render(turn: Turn, lesson: Lesson, step: Step, progress: Progress) -> StepView:
    return StepView(
        f"✋ {step.practice}",
        [(turn.w("btn_done"), "done", False), (turn.w("btn_notyet"), "notyet", False)],
    )


async def answer(turn: Turn, lesson: Lesson, step: Step, progress: Progress, action: str) -> Outcome:
    if action in ("done", "skip"):
        # `correct` is kept for quiz answers only: reports read it as "answered right".
        turn.repo.add_event(turn.user.id, lesson.id, step.id, "answer", turn.now, answer=action)
        return Outcome.ADVANCE
    if action == "showagain":
        return Outcome.STAY
    if action == "notyet":
        turn.repo.add_event(turn.user.id, lesson.id, step.id, "answer", turn.now, answer="notyet")
        turn.show(
            "notyet",
            turn.w("practice_notyet"),
            [
                (turn.w("btn_show_again"), "showagain", False),
                (turn.w("btn_help"), "help", False),
                (turn.w("btn_skip"), "skip", False),
            ],
        )
        return Outcome.HANDLED
    return Outcome.UNKNOWN

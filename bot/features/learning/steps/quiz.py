"""`quiz`: a question with 2–4 options. Every option explains itself; a wrong first answer gets a
second try, a wrong second answer shows the right one and moves on."""

from __future__ import annotations

from bot.core.turn import Turn
from bot.features.learning.steps.base import Outcome, StepView
from bot.lessons import Lesson, Option, Quiz, Step
from bot.store.models import Progress
from bot.text import as_id

TRIES = 2


def render(turn: Turn, lesson: Lesson, step: Step, progress: Progress) -> StepView:
    assert step.quiz is not None
    options = [(option.text, f"opt:{i + 1}", False) for i, option in enumerate(step.quiz.options)]
    return StepView(f"❓ {step.quiz.ask}", options)


async def answer(turn: Turn, lesson: Lesson, step: Step, progress: Progress, action: str) -> Outcome:
    quiz = step.quiz
    assert quiz is not None
    name, _, arg = action.partition(":")
    number = as_id(arg)
    if name != "opt" or number is None or not 1 <= number <= len(quiz.options):
        return Outcome.UNKNOWN
    chosen = quiz.options[number - 1]
    attempt = progress.attempts + 1
    turn.repo.add_event(
        turn.user.id,
        lesson.id,
        step.id,
        "answer",
        turn.now,
        answer=arg,
        correct=chosen.correct,
        attempt=attempt,
    )
    if not chosen.correct and attempt < TRIES:
        progress.attempts = attempt
        turn.say(turn.w("quiz_wrong_retry", explain=chosen.explain))
        return Outcome.STAY
    say_verdict(turn, quiz, chosen)
    progress.attempts = 0
    return Outcome.ADVANCE


def say_verdict(turn: Turn, quiz: Quiz, chosen: Option) -> None:
    """The last word on an answer: why it is right, or why not and which one is (also used by the
    spaced re-checks)."""
    if chosen.correct:
        turn.say(turn.w("quiz_right", explain=chosen.explain))
        return
    right = quiz.options[quiz.correct_index]
    turn.say(
        turn.w("quiz_wrong_final", explain=chosen.explain, answer=right.text, correct_explain=right.explain)
    )

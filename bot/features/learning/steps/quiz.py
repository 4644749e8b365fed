"""`quiz`: a question with 2–4 options. Every option explains itself; a wrong first answer gets a
second try, a wrong second answer shows the right one and moves on.

Options are shown in an order shuffled per learner and quiz, so tapping «1» every time measures
nothing; the order is stable for that learner (a second try, «Nhắc lại» and the spaced re-checks show
the same order). Actions and stored answers name an option by its place in the lesson file
("opt:2" is the file's second option wherever it sits on screen), so reports, re-checks and help
context count the option itself, not a position on some learner's screen.
"""

from __future__ import annotations

import hashlib
import random

from bot.core.turn import Turn
from bot.features.learning.steps.base import Outcome, StepView
from bot.lessons import Lesson, Option, Quiz, Step
from bot.store.models import Progress
from bot.text import as_id

TRIES = 2


def option_order(user_id: int, lesson_id: str, step_id: str, count: int) -> list[int]:
    """The file positions (0-based) of a quiz's options in the order this learner sees them.

    Seeded by a hash of who and which quiz (not Python's per-process `hash`), so every process and
    every restart shows a learner the same order."""
    digest = hashlib.sha256(f"{user_id}:{lesson_id}:{step_id}".encode()).digest()
    order = list(range(count))
    random.Random(int.from_bytes(digest[:8], "big")).shuffle(order)
    return order


def render(turn: Turn, lesson: Lesson, step: Step, progress: Progress) -> StepView:
    assert step.quiz is not None
    options = step.quiz.options
    order = option_order(turn.user.id, lesson.id, step.id, len(options))
    return StepView(f"❓ {step.quiz.ask}", [(options[i].text, f"opt:{i + 1}", False) for i in order])


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

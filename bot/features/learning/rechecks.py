"""Spaced re-checks: after a lesson with a practice step, one question again at 3, 7 and 30 days.

Due times are rows in the database, so they survive restarts; the scheduler asks them on whatever
channel the learner uses, and the answer is recorded in step_events (kind "recheck").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.engine import Tutor
from bot.core.router import Router
from bot.core.turn import Turn
from bot.features.learning.menus import show_menu
from bot.features.learning.steps.quiz import option_order, say_verdict
from bot.lessons import Lesson
from bot.store.models import Recheck
from bot.text import as_id

router = Router()

ASK = "🔁 Ôn lại bài «{title}» (lần {number}):\n❓ {ask}"


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


def _question(lesson: Lesson, number: int):
    quizzes = [step for step in lesson.steps if step.quiz is not None]
    return quizzes[(number - 1) % len(quizzes)] if quizzes else None


async def ask(turn: Turn, recheck_id: int) -> bool:
    """Put the re-check question on the learner's screen (called by the scheduler)."""
    recheck = await turn.repo.recheck(recheck_id)
    if recheck is None or recheck.sent_at is not None or recheck.user_id != turn.user.id:
        return False
    recheck.sent_at = turn.now
    lesson = turn.catalog.lesson(recheck.lesson_id)
    step = _question(lesson, recheck.number) if lesson else None
    if lesson is None or step is None or step.quiz is None:
        recheck.done_at = turn.now  # the lesson is gone or has no question any more
        return False
    options = step.quiz.options
    order = option_order(turn.user.id, lesson.id, step.id, len(options))  # as in the lesson
    choices = [(options[i].text, f"recheck:{recheck.id}.{i + 1}", False) for i in order]
    choices.append(("Để sau", "menu", True))
    turn.show(
        f"recheck:{recheck.id}",
        ASK.format(title=lesson.title, number=recheck.number, ask=step.quiz.ask),
        choices,
    )
    return True


@router.action("recheck")
async def answer(turn: Turn, arg: str) -> None:
    recheck_id, _, option = arg.partition(".")
    number, picked = as_id(recheck_id), as_id(option)
    recheck = await turn.repo.recheck(number) if number is not None else None
    lesson = turn.catalog.lesson(recheck.lesson_id) if recheck else None
    step = _question(lesson, recheck.number) if recheck and lesson else None
    if (
        recheck is None
        or recheck.user_id != turn.user.id
        or recheck.done_at is not None
        or step is None
        or step.quiz is None
        or picked is None
        or not 1 <= picked <= len(step.quiz.options)
    ):
        await show_menu(turn)
        return
    chosen = step.quiz.options[picked - 1]
    recheck.done_at = turn.now
    turn.repo.add_event(
        turn.user.id,
        lesson.id,
        step.id,
        "recheck",
        turn.now,
        answer=option,
        correct=chosen.correct,
        attempt=recheck.number,
    )
    say_verdict(turn, step.quiz, chosen)
    await show_menu(turn)


@router.job("rechecks", quiet_hours=True)
async def send_rechecks(tutor: Tutor, now: datetime) -> int:
    """Put every re-check that fell due on its learner's screen (inside the configured hours)."""
    async with tutor.db.reader() as repo:
        due = [(r.id, r.user_id) for r in await repo.due_rechecks(now)]
    sent = 0
    for recheck_id, user_id in due:
        async with tutor.system_turn(user_id, now) as turn:
            if turn is not None and await ask(turn, recheck_id):
                sent += 1
    return sent

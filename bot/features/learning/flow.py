"""The learner inside a lesson: open, show a step, advance, go back, finish.

Every transition is written in the update's transaction before any reply leaves (the replies sit
in the outbox of that same transaction), so a crash never loses a step the learner saw.
"""

from __future__ import annotations

from bot.core.lesson_state import current_lesson
from bot.core.split import split_text
from bot.core.turn import ChoiceSpec, Turn
from bot.features.learning.menus import show_tracks
from bot.features.learning.rechecks import schedule_rechecks
from bot.features.learning.status import assigned_lessons, missing_prerequisite, suggest_next
from bot.features.learning.steps import STEP_TYPES, Outcome
from bot.lessons import Lesson, Step
from bot.lessons.model import MAX_MESSAGE
from bot.store.models import Progress
from bot.text import short_label

STEP_ACTIONS = {"next", "opt", "done", "notyet", "skip", "showagain"}
SLOW_CHUNK = 120  # characters per message in "Chậm lại" mode: about one sentence


def nav_choices(turn: Turn, index: int) -> list[ChoiceSpec]:
    choices: list[ChoiceSpec] = [(turn.w("btn_repeat"), "repeat", True)]
    if index > 0:
        choices.append((turn.w("btn_back"), "back", True))
    choices += [(turn.w("btn_help"), "help", True), (turn.w("btn_menu"), "menu", True)]
    return choices


def show_step(turn: Turn, lesson: Lesson, progress: Progress, intro: str | None = None) -> None:
    """The current step as a screen. `intro` (the lesson's title card) goes on top of it when
    both fit one short message — one message less to scroll past — else it is sent before it."""
    index = progress.step_index
    step = lesson.steps[index]
    view = STEP_TYPES[step.kind].render(turn, lesson, step, progress)
    header = turn.w("step_header", number=index + 1, total=len(lesson.steps))
    text = f"{header}\n{view.text}"
    if turn.state.get("slow"):
        # "Chậm lại": the step in short messages, a sentence or two each; the buttons come with
        # the last one, so the learner reads down to them.
        if intro:
            turn.say(intro)
        *before, text = split_text(text, SLOW_CHUNK)
        for chunk in before:
            turn.say(chunk)
    elif intro and len(intro) + 2 + len(text) <= MAX_MESSAGE and not step.image:
        text = f"{intro}\n\n{text}"
    elif intro:
        turn.say(intro)
    turn.show(
        "step",
        text,
        view.choices + nav_choices(turn, index),
        image=step.image,
        alt=step.alt,
        audio=step.audio,
    )


async def open_lesson(turn: Turn, lesson_id: str) -> None:
    lesson = turn.catalog.lesson(lesson_id)
    if lesson is None:
        turn.say(turn.w("lesson_unknown"))
        await show_tracks(turn)
        return
    progress_map = await turn.repo.progress_map(turn.user.id)
    required = missing_prerequisite(lesson, progress_map)
    if (
        required is not None
        and lesson_id not in progress_map
        and lesson_id not in await assigned_lessons(turn)
    ):
        needed = turn.catalog.lesson(required)
        title = needed.title if needed else required
        turn.show(
            f"locked:{lesson.id}",
            turn.w("lesson_locked", title=lesson.title, required=title),
            [
                (short_label(turn.w("btn_open_required", title=title)), f"open:{required}", False),
                (turn.w("btn_lessons"), "lessons", True),
                (turn.w("btn_menu"), "menu", True),
            ],
        )
        return
    progress = progress_map.get(lesson.id)
    turn.user.lesson_id = lesson.id
    turn.set_state("lesson_title", lesson.title)
    if progress is not None and progress.status != "done":
        resumed = await current_lesson(turn)
        if resumed is not None:
            show_step(turn, *resumed)
            return
    first = lesson.steps[0]
    if progress is None:
        progress = Progress(
            user_id=turn.user.id,
            lesson_id=lesson.id,
            step_id=first.id,
            step_index=0,
            status="in_progress",
            attempts=0,
            quiz_correct=0,
            quiz_total=0,
            runs=1,
            started_at=turn.now,
            updated_at=turn.now,
            first_started_at=turn.now,
            furthest_step=0,
        )
        turn.repo.add(progress)
    else:
        turn.say(turn.w("lesson_restart"))
        progress.status = "in_progress"
        progress.step_id, progress.step_index, progress.attempts = first.id, 0, 0
        progress.runs += 1
        progress.started_at = progress.updated_at = turn.now
    turn.repo.add_event(turn.user.id, lesson.id, first.id, "start", turn.now, attempt=progress.runs)
    turn.repo.add_event(turn.user.id, lesson.id, first.id, "shown", turn.now)
    intro = turn.w("lesson_start", title=lesson.title, steps=len(lesson.steps), minutes=lesson.minutes)
    show_step(turn, lesson, progress, intro=intro)


async def step_action(turn: Turn, action: str) -> bool:
    """Apply a step action ("next", "opt:2", "done"…) to the current step. False if not in a lesson."""
    found = await current_lesson(turn)
    if found is None:
        return False
    lesson, progress = found
    step = lesson.steps[progress.step_index]
    outcome = await STEP_TYPES[step.kind].answer(turn, lesson, step, progress, action)
    progress.updated_at = turn.now
    if outcome is Outcome.ADVANCE:
        await advance(turn, lesson, progress)
    elif outcome in (Outcome.STAY, Outcome.UNKNOWN):
        show_step(turn, lesson, progress)
    return True


async def advance(turn: Turn, lesson: Lesson, progress: Progress) -> None:
    index = progress.step_index + 1
    if index >= len(lesson.steps):
        await complete(turn, lesson, progress)
        return
    step: Step = lesson.steps[index]
    progress.step_index, progress.step_id, progress.attempts = index, step.id, 0
    progress.furthest_step = max(progress.furthest_step or 0, index)
    turn.repo.add_event(turn.user.id, lesson.id, step.id, "shown", turn.now)
    show_step(turn, lesson, progress)


async def back(turn: Turn) -> bool:
    found = await current_lesson(turn)
    if found is None:
        return False
    lesson, progress = found
    if progress.step_index == 0:
        turn.say(turn.w("first_step"))
    else:
        progress.step_index -= 1
        progress.step_id = lesson.steps[progress.step_index].id
        progress.attempts = 0
        progress.updated_at = turn.now
    show_step(turn, lesson, progress)
    return True


async def repeat(turn: Turn) -> bool:
    found = await current_lesson(turn)
    if found is None:
        return False
    show_step(turn, *found)
    return True


async def complete(turn: Turn, lesson: Lesson, progress: Progress) -> None:
    correct = await quiz_score(turn, lesson, progress)
    progress.status = "done"
    progress.completed_at = turn.now
    progress.first_completed_at = progress.first_completed_at or turn.now
    progress.quiz_correct, progress.quiz_total = correct, lesson.quiz_count
    progress.attempts = 0
    turn.user.lesson_id = None
    turn.repo.add_event(
        turn.user.id, lesson.id, lesson.steps[-1].id, "complete", turn.now, attempt=progress.runs
    )
    await schedule_rechecks(turn, lesson)
    lines = [turn.w("complete", title=lesson.title)]
    if lesson.quiz_count:
        lines.append(turn.w("complete_score", correct=correct, total=lesson.quiz_count))
    progress_map = await turn.repo.progress_map(turn.user.id)
    following = await suggest_next(turn, progress_map, after=lesson)
    choices: list[ChoiceSpec] = []
    if following is not None:
        lines.append(turn.w("complete_next", title=following.title))
        choices.append(
            (short_label(turn.w("btn_open_next", title=following.title)), f"open:{following.id}", False)
        )
    else:
        lines.append(turn.w("complete_all"))
    choices += [(turn.w("btn_lessons"), "lessons", False), (turn.w("btn_menu"), "menu", True)]
    turn.show(f"complete:{lesson.id}", "\n".join(lines), choices)


async def quiz_score(turn: Turn, lesson: Lesson, progress: Progress) -> int:
    """Quizzes of this run answered right within the allowed tries."""
    quiz_steps = {step.id for step in lesson.steps if step.kind == "quiz"}
    right = {
        event.step_id
        for event in await turn.repo.events(turn.user.id, lesson.id)
        if event.kind == "answer"
        and event.correct
        and event.at >= progress.started_at
        and event.step_id in quiz_steps
    }
    return len(right)

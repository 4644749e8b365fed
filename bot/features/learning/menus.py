"""Menus outside a lesson: the main menu, tracks, one track's lessons, the learner's progress."""

from __future__ import annotations

from bot.core.lesson_state import current_lesson
from bot.core.router import Router
from bot.core.turn import ChoiceSpec, Turn
from bot.features.learning.status import assigned_lessons, assigned_next, lesson_status, suggest_next
from bot.text import short_label

router = Router()

STATUS_ICON = {"done": "✅", "in_progress": "▶️", "locked": "🔒", "new": "📖"}


@router.screen("menu")
async def show_menu(turn: Turn, intro: str | None = None) -> bool:
    progress = await turn.repo.progress_map(turn.user.id)
    choices: list[ChoiceSpec] = []
    found = await current_lesson(turn)
    if found is not None:
        choices.append((short_label(turn.w("btn_continue", title=found[0].title)), "continue", False))
    else:
        assigned = await assigned_next(turn, progress)
        following = assigned or await suggest_next(turn, progress)
        if following is not None:
            key = "btn_assigned" if assigned else "btn_first" if not progress else "btn_open_next"
            choices.append((short_label(turn.w(key, title=following.title)), f"open:{following.id}", False))
    choices += [
        (turn.w("btn_lessons"), "lessons", False),
        (turn.w("btn_progress"), "progress", False),
        (turn.w("btn_help"), "help", False),
    ]
    if turn.user.role == "volunteer":
        choices.append(("🧑‍🏫 Việc tình nguyện viên", "vmenu", False))
    elif turn.user.role == "organizer":
        choices.append(("📋 Việc của cán bộ", "omenu", False))
    text = turn.w("menu")
    turn.show("menu", f"{intro}\n\n{text}" if intro else text, choices)
    return True


async def show_tracks(turn: Turn) -> None:
    if not turn.catalog.lessons:
        turn.show("tracks", turn.w("no_lessons"), [(turn.w("btn_menu"), "menu", True)])
        return
    progress = await turn.repo.progress_map(turn.user.id)
    choices: list[ChoiceSpec] = []
    for track in turn.catalog.tracks:
        lessons = turn.catalog.in_track(track.id)
        if not lessons:
            continue
        done = sum(1 for lesson in lessons if lesson_status(turn, lesson, progress) == "done")
        choices.append((f"{track.title} ({done}/{len(lessons)})", f"track:{track.id}", False))
    choices.append((turn.w("btn_menu"), "menu", True))
    turn.show("tracks", turn.w("tracks"), choices)


async def show_track(turn: Turn, track_id: str) -> None:
    track = turn.catalog.track(track_id)
    lessons = turn.catalog.in_track(track_id)
    if track is None or not lessons:
        await show_tracks(turn)
        return
    progress = await turn.repo.progress_map(turn.user.id)
    assigned = await assigned_lessons(turn)
    choices: list[ChoiceSpec] = []
    for lesson in lessons:
        icon = STATUS_ICON[lesson_status(turn, lesson, progress, assigned)]
        choices.append((short_label(f"{icon} {lesson.title}"), f"open:{lesson.id}", False))
    choices += [(turn.w("btn_all_tracks"), "lessons", True), (turn.w("btn_menu"), "menu", True)]
    turn.show(f"track:{track.id}", turn.w("track", title=track.title, count=len(lessons)), choices)


async def show_progress(turn: Turn) -> None:
    progress = await turn.repo.progress_map(turn.user.id)
    total = len(turn.catalog.lessons)
    done = sum(1 for lesson in turn.catalog.lessons if lesson_status(turn, lesson, progress) == "done")
    lines = [turn.w("progress", done=done, total=total)]
    found = await current_lesson(turn)
    if found is not None:
        lesson, row = found
        lines.append(
            turn.w("progress_current", title=lesson.title, number=row.step_index + 1, steps=len(lesson.steps))
        )
    for track in turn.catalog.tracks:
        lessons = turn.catalog.in_track(track.id)
        if lessons:
            count = sum(1 for lesson in lessons if lesson_status(turn, lesson, progress) == "done")
            lines.append(turn.w("progress_track", title=track.title, done=count, count=len(lessons)))
    choices: list[ChoiceSpec] = []
    if found is not None:
        choices.append((short_label(turn.w("btn_continue", title=found[0].title)), "continue", False))
    choices += [(turn.w("btn_lessons"), "lessons", False), (turn.w("btn_menu"), "menu", True)]
    turn.show("progress", "\n".join(lines), choices)

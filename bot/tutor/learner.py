"""Learner routes: lessons, menus, progress, and the always-available repeat / back / menu."""

from __future__ import annotations

from bot.tutor import flow, screens
from bot.tutor.router import Handler, Router
from bot.tutor.turn import Turn

router = Router()


@router.command("menu")
@router.action("menu")
async def menu(turn: Turn, _arg: str) -> None:
    await screens.show_menu(turn)


@router.command("baihoc")
@router.action("lessons")
async def lessons(turn: Turn, _arg: str) -> None:
    await screens.show_tracks(turn)


@router.action("track")
async def track(turn: Turn, track_id: str) -> None:
    await screens.show_track(turn, track_id)


@router.command("tiendo")
@router.action("progress")
async def progress(turn: Turn, _arg: str) -> None:
    await screens.show_progress(turn)


@router.command("hoc")
@router.action("continue")
async def continue_lesson(turn: Turn, _arg: str) -> None:
    if await flow.repeat(turn):
        return
    await screens.show_menu(turn, intro=turn.w("no_current"))


@router.action("open")
async def open_lesson(turn: Turn, lesson_id: str) -> None:
    await flow.open_lesson(turn, lesson_id)


@router.link("l-")
@router.button("l")  # "▶️ Học ngay" under an assignment notice: any learner may open any lesson
async def lesson_link(turn: Turn, lesson_id: str) -> None:
    await flow.open_lesson(turn, lesson_id)


@router.command("tamdung")
@router.action("pause")
async def pause_reminders(turn: Turn, _arg: str) -> None:
    turn.user.reminders_paused = True
    await screens.show_menu(turn, intro=PAUSED.format(b=turn.tutor.words.address))


@router.command("tieptucnhac")
@router.action("resume")
async def resume_reminders(turn: Turn, _arg: str) -> None:
    turn.user.reminders_paused = False
    turn.user.reminders_unanswered = 0
    await screens.show_menu(turn, intro=RESUMED.format(b=turn.tutor.words.address))


PAUSED = "Dạ, cháu tạm dừng nhắc học. Khi nào muốn cháu nhắc lại, {b} gõ «tiếp tục nhắc»."
RESUMED = "Dạ, cháu sẽ nhắc {b} học tiếp khi {b} bỏ dở bài."


def _step_handler(name: str) -> Handler:
    async def step(turn: Turn, arg: str) -> None:
        if not await flow.step_action(turn, f"{name}:{arg}" if arg else name):
            await screens.show_menu(turn)

    return step


for _name in flow.STEP_ACTIONS:
    router.action(_name)(_step_handler(_name))


@router.command("nhaclai")
@router.action("repeat")
async def repeat(turn: Turn, _arg: str) -> None:
    if not await flow.repeat(turn):
        await screens.show_menu(turn)


@router.command("chamlai")
@router.action("slow")
async def slow(turn: Turn, _arg: str) -> None:
    await _set_pace(turn, slow=True)


@router.command("binhthuong")
@router.action("normal")
async def normal(turn: Turn, _arg: str) -> None:
    await _set_pace(turn, slow=False)


async def _set_pace(turn: Turn, slow: bool) -> None:
    """Short chunks or one message per step; the current step is shown again the new way."""
    turn.set_state("slow", slow or None)
    turn.say(turn.w("slow_on" if slow else "slow_off"))
    if not await flow.repeat(turn):
        await screens.show_menu(turn)


@router.command("quaylai")
@router.action("back")
async def back(turn: Turn, _arg: str) -> None:
    if not await flow.back(turn):
        await screens.show_menu(turn)

"""Learner routes: lessons, menus, progress, and the always-available repeat / back / menu."""

from __future__ import annotations

from bot.core.lesson_state import current_lesson
from bot.core.router import Handler, Router
from bot.core.turn import Turn
from bot.features.learning import flow, menus

router = Router()


@router.screen("lesson")
async def show_current_step(turn: Turn, intro: str | None = None) -> bool:
    """The step the learner is on, shown again (after `intro`); False outside a lesson."""
    found = await current_lesson(turn)
    if found is None:
        return False
    if intro:
        turn.say(intro)
    flow.show_step(turn, *found)
    return True


@router.command("menu", menu="Về menu chính")
@router.action("menu")
async def menu(turn: Turn, _arg: str) -> None:
    await menus.show_menu(turn)


@router.command("baihoc", menu="Danh sách bài học")
@router.action("lessons")
async def lessons(turn: Turn, _arg: str) -> None:
    await menus.show_tracks(turn)


@router.action("track")
async def track(turn: Turn, track_id: str) -> None:
    await menus.show_track(turn, track_id)


@router.command("tiendo", menu="Xem tiến độ học")
@router.action("progress")
async def progress(turn: Turn, _arg: str) -> None:
    await menus.show_progress(turn)


@router.command("hoc", menu="Học tiếp bài đang học")
@router.action("continue")
async def continue_lesson(turn: Turn, _arg: str) -> None:
    if await flow.repeat(turn):
        return
    await menus.show_menu(turn, intro=turn.w("no_current"))


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
    await menus.show_menu(turn, intro=PAUSED.format(b=turn.tutor.words.address))


@router.command("tieptucnhac")
@router.action("resume")
async def resume_reminders(turn: Turn, _arg: str) -> None:
    turn.user.reminders_paused = False
    turn.user.reminders_unanswered = 0
    await menus.show_menu(turn, intro=RESUMED.format(b=turn.tutor.words.address))


PAUSED = "Dạ, cháu tạm dừng nhắc học. Khi nào muốn cháu nhắc lại, {b} gõ «tiếp tục nhắc»."
RESUMED = "Dạ, cháu sẽ nhắc {b} học tiếp khi {b} bỏ dở bài."


def _step_handler(name: str) -> Handler:
    async def step(turn: Turn, arg: str) -> None:
        if not await flow.step_action(turn, f"{name}:{arg}" if arg else name):
            await menus.show_menu(turn)

    return step


for _name in flow.STEP_ACTIONS:
    router.action(_name)(_step_handler(_name))


@router.command("nhaclai")
@router.action("repeat")
async def repeat(turn: Turn, _arg: str) -> None:
    if not await flow.repeat(turn):
        await menus.show_menu(turn)


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
        await menus.show_menu(turn)


@router.command("quaylai")
@router.action("back")
async def back(turn: Turn, _arg: str) -> None:
    if not await flow.back(turn):
        await menus.show_menu(turn)

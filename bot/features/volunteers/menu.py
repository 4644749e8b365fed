"""The volunteer's menu (/tnvmenu): the tools of someone who runs classes and tutors 1 kèm 1.
Registered as the "vmenu" screen, which the other volunteer tools return to."""

from __future__ import annotations

from bot.core.router import VOLUNTEER, Router
from bot.core.scope import organizer_scope
from bot.core.turn import ChoiceSpec, Turn

router = Router()

MENU = "🧑‍🏫 Việc của tình nguyện viên. Bạn chọn một việc:"


@router.screen("vmenu")
async def show_volunteer_menu(turn: Turn, intro: str | None = None) -> bool:
    waiting = len(await turn.repo.open_requests_for(turn.user, await organizer_scope(turn)))
    choices: list[ChoiceSpec] = [
        ("➕ Tạo lớp", "class-new", False),
        ("🏫 Lớp của tôi", "classes", False),
        ("📌 Giao bài", "assign", False),
        ("👥 Học viên của tôi", "learners", False),
        (f"🙋 Yêu cầu giúp đỡ ({waiting})", "requests", False),
        (turn.w("btn_menu"), "menu", True),
    ]
    turn.show("vmenu", f"{intro}\n\n{MENU}" if intro else MENU, choices)
    return True


@router.command("tnvmenu", roles=VOLUNTEER, menu="Việc của tình nguyện viên")
@router.action("vmenu", roles=VOLUNTEER)
async def volunteer_menu(turn: Turn, _arg: str) -> None:
    await show_volunteer_menu(turn)

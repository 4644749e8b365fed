"""The volunteer's menu (/tnvmenu): the tools of someone who runs classes and tutors 1 kèm 1, logs
support given face to face, opens class sessions and goes out on outreach days.
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
    # Actions are other features' names (support, sessions, outreach, classes, teams, help).
    choices: list[ChoiceSpec] = [
        ("🤝 Ghi lượt hỗ trợ người dân", "support-new", False),
        ("▶️ Buổi học, điểm danh", "sessions", False),
        ("📣 Ra quân, trực, tập huấn", "events", False),
        ("➕ Tạo lớp", "class-new", False),
        ("🏫 Lớp của tôi", "classes", False),
        ("📌 Giao bài", "assign", False),
        ("👥 Học viên của tôi", "learners", False),
        (f"🙋 Yêu cầu giúp đỡ ({waiting})", "requests", False),
        ("🚩 Đội hình", "teams", False),
        (turn.w("btn_menu"), "menu", True),
    ]
    turn.show("vmenu", f"{intro}\n\n{MENU}" if intro else MENU, choices)
    return True


@router.command("tnvmenu", roles=VOLUNTEER, menu="Việc của tình nguyện viên")
@router.action("vmenu", roles=VOLUNTEER)
async def volunteer_menu(turn: Turn, _arg: str) -> None:
    await show_volunteer_menu(turn)

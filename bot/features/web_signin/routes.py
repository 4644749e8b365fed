"""/web for volunteers and organizers: a sign-in link that works once, within 10 minutes, for the
person who asked (the dashboard checks the token's hash; bot/web/auth.py)."""

from __future__ import annotations

from bot.core.router import VOLUNTEER, Router
from bot.core.turn import Turn
from bot.core.weblinks import SIGNIN_TTL, signin_link, web_base

router = Router()

T = {
    "link": (
        "🔐 Link vào trang quản lý (chỉ dành cho bạn, dùng được một lần, hết hạn sau {minutes} phút):\n"
        "{link}\n"
        "Mở link bằng trình duyệt rồi bấm «Đăng nhập». Đừng chuyển link này cho ai. "
        "Hết hạn thì gõ /web để lấy link mới."
    ),
    "off": "Trang quản lý trên web chưa được bật. Bạn nhờ người quản trị hệ thống bật mục «web» trong cấu hình.",
}


@router.command("web", roles=VOLUNTEER)
async def web_link(turn: Turn, _arg: str) -> None:
    base = web_base(turn.tutor.settings)
    if base is None:
        turn.say(T["off"])
        return
    link = await signin_link(turn.repo, base, turn.user.id, turn.now)
    turn.say(T["link"].format(link=link, minutes=int(SIGNIN_TTL.total_seconds() // 60)))

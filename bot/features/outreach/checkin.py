"""A volunteer checks in to an outreach day, shift or training by its QR code / link
(`/start r-…`) or typed code, on the day."""

from __future__ import annotations

from bot.core import codes
from bot.core.router import Router
from bot.core.screens import show_menu
from bot.core.turn import Turn
from bot.features.outreach.routes import check_in
from bot.features.outreach.texts import T

router = Router()


@router.code_kind("event")
async def redeem_event_code(turn: Turn, code: str, typed: bool, first_contact: bool) -> bool:
    event = await turn.repo.event_by_code(code)
    if event is None or not (typed or event.code == code):
        return False
    if turn.user.role not in ("volunteer", "organizer"):
        await show_menu(turn, intro=T["for_volunteers"])
        return True
    await check_in(turn, event)
    return True


@router.link("r-", welcome=False)
async def event_link(turn: Turn, code: str) -> None:
    await codes.redeem(turn, code, typed=False)

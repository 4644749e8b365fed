"""Becoming a volunteer: an organizer's invitation, opened by its link (`/start v-…`) or typed code."""

from __future__ import annotations

from datetime import datetime

from bot.core import codes
from bot.core.router import Router
from bot.core.turn import Turn
from bot.features.volunteers.menu import show_volunteer_menu
from bot.store.models import Invite

router = Router()

BECAME_VOLUNTEER = (
    "🎉 Chào mừng bạn trở thành tình nguyện viên của {unit}! Bạn có thể tạo lớp, giao bài và giúp học viên. "
    "Gõ /tnvmenu để xem các việc."
)
ALREADY_ORGANIZER = "Bạn đang là cán bộ phụ trách, không cần nhận lời mời này."


def valid(invite: Invite, now: datetime) -> bool:
    return invite.expires_at > now and invite.uses < invite.max_uses


@router.code_kind("invite")
async def redeem_invite_code(turn: Turn, code: str, typed: bool, first_contact: bool) -> bool:
    # No learner welcome on a first contact: an invitation is no learner's business.
    invite = await turn.repo.invite_by_code(code)
    if invite is None or not (typed or invite.code == code) or not valid(invite, turn.now):
        return False
    await accept_invite(turn, invite)
    return True


async def accept_invite(turn: Turn, invite: Invite) -> None:
    user = turn.user
    if user.role == "organizer":
        turn.say(ALREADY_ORGANIZER)
        return
    invite.uses += 1
    user.role = "volunteer"
    user.unit_id = invite.unit_id
    unit = await turn.repo.unit(invite.unit_id)
    turn.say(BECAME_VOLUNTEER.format(unit=unit.name if unit else invite.unit_id))
    await show_volunteer_menu(turn)


@router.link("v-")
async def invite_link(turn: Turn, code: str) -> None:
    await codes.redeem(turn, code, typed=False)

"""Organizers: invitations for volunteers, the volunteers of their scope, moving a learner to
another volunteer, and the campaign's figures (/thongke, /baocao)."""

from __future__ import annotations

from bot.core.router import Router
from bot.features.organizer import invites, routes
from bot.features.organizer.invites import make_invite

router = Router()
for _part in (routes, invites):
    router.include(_part.router)

__all__ = ["make_invite", "router"]

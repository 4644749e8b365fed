"""Organizers: invitations for volunteers, the volunteers of their scope, moving a learner to
another volunteer, the campaign's figures (/thongke, /baocao) and the Monday digest (/bantin)."""

from bot.core.router import Router
from bot.features.organizer import digest, routes
from bot.features.organizer.routes import make_invite

router = Router()
for _part in (routes, digest):
    router.include(_part.router)

__all__ = ["make_invite", "router"]

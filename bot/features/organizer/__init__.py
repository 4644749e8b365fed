"""Organizers: invitations for volunteers, the volunteers of their scope, moving a learner to
another volunteer, and the campaign's figures (/thongke, /baocao)."""

from bot.features.organizer.routes import make_invite, router

__all__ = ["make_invite", "router"]

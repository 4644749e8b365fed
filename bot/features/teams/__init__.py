"""Teams (đội hình): an organizer creates a team in a unit and names its leader; volunteers join by
the team's code or are added by the organizer, one team at a time; /doihinh lists them."""

from __future__ import annotations

from bot.core.router import Router
from bot.features.teams import join, routes

router = Router()
for _part in (routes, join):
    router.include(_part.router)

"""Outreach days (hoạt động ra quân), duty shifts at public-administration service centres and
trainings for volunteers: an organizer or a team leader creates one; volunteers check in on the day
(one «lượt ĐVTN») by its QR code, typed code or button; support logged there is linked to it."""

from __future__ import annotations

from bot.core.router import Router
from bot.features.outreach import checkin, create, routes

router = Router()
for _part in (routes, create, checkin):
    router.include(_part.router)

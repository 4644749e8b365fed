"""Class sessions (buổi học) and attendance (điểm danh): a volunteer starts a session (/buoihoc);
learners check in with its QR code, link or typed code; the volunteer ticks learners from the class
roster and counts attendees without a phone. Also planning a class's next sessions."""

from __future__ import annotations

from bot.core.router import Router
from bot.features.sessions import checkin, routes

router = Router()
for _part in (routes, checkin):
    router.include(_part.router)

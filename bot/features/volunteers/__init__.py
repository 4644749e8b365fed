"""Volunteers: becoming one (an invitation), their menu, and the learners they tutor (/hocvien)."""

from __future__ import annotations

from bot.core.router import Router
from bot.features.volunteers import invite, learners, menu

router = Router()
for _part in (menu, learners, invite):
    router.include(_part.router)

"""Learning: the lessons themselves (open, step, quiz, practice, finish), the menus of tracks and
lessons, progress, the words that work on every screen, re-checks and reminder nudges."""

from __future__ import annotations

from bot.core.router import Router
from bot.features.learning import menus, rechecks, reminders, routes

router = Router()
for _part in (routes, menus, rechecks, reminders):
    router.include(_part.router)

"""Organizer routes."""

from __future__ import annotations

from bot.tutor.router import Router

router = Router()

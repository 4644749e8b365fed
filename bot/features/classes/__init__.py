"""Classes: create one (/taolop), list and show them (/lop), join one by code, assign lessons."""

from __future__ import annotations

from bot.core.router import Router
from bot.features.classes import assign, create, join, views

router = Router()
for _part in (create, views, assign, join):
    router.include(_part.router)

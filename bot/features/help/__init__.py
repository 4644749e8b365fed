"""Help requests: a learner asks («Hỏi người giúp», /giupdo), a helper answers or resolves, and
what nobody answers in time is escalated to the unit's organizers."""

from __future__ import annotations

from bot.core.router import Router
from bot.features.help import answers, ask, escalation

router = Router()
for _part in (ask, answers, escalation):
    router.include(_part.router)

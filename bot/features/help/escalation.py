"""A help request nobody answered within `help.escalate_after_minutes` goes to the unit's organizers
(once). Run by the scheduler on every tick, at any hour: organizers are adults on duty."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.people import display
from bot.core.replies import Reply
from bot.core.router import Router
from bot.features.help.texts import T, help_buttons

router = Router()


@router.job("escalated")
async def escalate(tutor, now: datetime) -> int:
    minutes = tutor.settings.help.escalate_after_minutes
    count = 0
    async with tutor.db.transaction() as repo:
        for request in await repo.overdue_help_requests(now - timedelta(minutes=minutes)):
            learner = await repo.user(request.learner_id)
            organizers = await repo.organizers_for(request.unit_id)
            text = T["escalated"].format(
                id=request.id, learner=display(learner), minutes=minutes, context=request.context
            )
            for organizer in organizers:
                reply = Reply(text, buttons=help_buttons(request.id))
                await repo.enqueue(organizer.id, organizer.channel, reply.to_payload(), now)
            request.escalated_at = now
            count += 1
    return count

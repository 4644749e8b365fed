"""A help request nobody answered within `help.escalate_after_minutes` goes to the organizers of
the nearest unit up the tree (else the campaign's), once. Run by the scheduler on every tick, at any
hour: organizers are adults on duty. Requests that went to organizers in the first place are not
escalated again."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.people import display
from bot.core.replies import Reply
from bot.core.router import Router
from bot.features.help.texts import T, help_buttons

router = Router()


@router.job("escalated")
async def escalate(tutor, now: datetime) -> int:
    """How many requests reached an organizer on this tick."""
    minutes = tutor.settings.help.escalate_after_minutes
    count = 0
    async with tutor.db.transaction() as repo:
        for request in await repo.overdue_help_requests(now - timedelta(minutes=minutes)):
            request.escalated_at = now
            learner = await repo.user(request.learner_id)
            organizers = await repo.organizers_to_tell(request.unit_id)
            if learner is None or not organizers:
                continue
            text = T["escalated"].format(
                id=request.id, learner=display(learner), minutes=minutes, context=request.context
            )
            for organizer in organizers:
                reply = Reply(text, buttons=help_buttons(request.id))
                await repo.enqueue(organizer.id, organizer.channel, reply.to_payload(), now)
            count += 1
    return count

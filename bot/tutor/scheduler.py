"""Time-driven work for every channel: reminders, re-checks, help escalation, housekeeping.

Due times live in the database (users.last_active_at / last_reminder_at, rechecks.due_at,
help_requests.created_at), so nothing is lost on restart; what is due becomes outbox messages that
each channel's pump delivers within that platform's rate limits. Several workers may run this: each
learner is handled under their row lock and re-checked there, so nobody is nudged twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.tutor import codes, rechecks
from bot.tutor.engine import Tutor, utcnow
from bot.tutor.replies import Reply
from bot.tutor.volunteer import help_buttons

log = logging.getLogger("hocvuso.scheduler")

KEEP_UPDATE_IDS = timedelta(days=7)
KEEP_SENT_MESSAGES = timedelta(days=7)

NUDGE = "⏰ Chào {b}! Bài «{title}» đang chờ {b} ở bước {number}/{total}. Mình học tiếp nhé?"
ESCALATED = "⚠️ Yêu cầu giúp đỡ #{id} của {learner} chưa ai trả lời sau {minutes} phút.\n{context}"


class Scheduler:
    def __init__(self, tutor: Tutor, interval: float = 30.0):
        self.tutor = tutor
        self.interval = interval
        self.settings = tutor.settings

    def quiet(self, now: datetime) -> bool:
        """Outside the configured local hours nobody is nudged."""
        local = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(self.settings.timezone))
        hours = self.settings.reminders
        return not hours.start_hour <= local.hour < hours.end_hour

    async def tick(self, now: datetime | None = None) -> dict[str, int]:
        now = now or utcnow()
        done = {"escalated": await self.escalate(now), "reminded": 0, "rechecks": 0}
        if not self.quiet(now):
            done["reminded"] = await self.remind(now)
            done["rechecks"] = await self.send_rechecks(now)
        async with self.tutor.db.transaction() as repo:
            await repo.prune_updates(now - KEEP_UPDATE_IDS)
            await repo.prune_outbox(now - KEEP_SENT_MESSAGES)
        return done

    async def remind(self, now: datetime) -> int:
        period = timedelta(days=self.settings.reminders.idle_days)
        limit = self.settings.reminders.max_unanswered
        async with self.tutor.db.reader() as repo:
            candidates = await repo.idle_learners(now - period, now - period, limit)
        sent = 0
        for user_id in candidates:
            async with self.tutor.system_turn(user_id, now) as turn:
                if turn is None:
                    continue
                user = turn.user
                # Re-checked under the lock: the learner may have written meanwhile.
                if (
                    user.reminders_paused
                    or user.reminders_unanswered >= limit
                    or user.last_active_at >= now - period
                    or (user.last_reminder_at is not None and user.last_reminder_at >= now - period)
                ):
                    continue
                from bot.tutor import flow

                found = await flow.current(turn)
                if found is None:
                    continue
                lesson, progress = found
                turn.show(
                    "nudge",
                    NUDGE.format(
                        b=turn.tutor.words.address,
                        title=lesson.title,
                        number=progress.step_index + 1,
                        total=len(lesson.steps),
                    ),
                    [("▶️ Học tiếp", "continue", False), ("🔕 Tạm dừng nhắc", "pause", False)],
                )
                user.last_reminder_at = now
                user.reminders_unanswered += 1
                sent += 1
        return sent

    async def send_rechecks(self, now: datetime) -> int:
        async with self.tutor.db.reader() as repo:
            due = [(r.id, r.user_id) for r in await repo.due_rechecks(now)]
        sent = 0
        for recheck_id, user_id in due:
            async with self.tutor.system_turn(user_id, now) as turn:
                if turn is not None and await rechecks.ask(turn, recheck_id):
                    sent += 1
        return sent

    async def escalate(self, now: datetime) -> int:
        minutes = self.settings.help.escalate_after_minutes
        count = 0
        async with self.tutor.db.transaction() as repo:
            for request in await repo.overdue_help_requests(now - timedelta(minutes=minutes)):
                learner = await repo.user(request.learner_id)
                organizers = await repo.organizers_for(request.unit_id)
                text = ESCALATED.format(
                    id=request.id, learner=codes.display(learner), minutes=minutes, context=request.context
                )
                for organizer in organizers:
                    reply = Reply(text, buttons=help_buttons(request.id))
                    await repo.enqueue(organizer.id, organizer.channel, reply.to_payload(), now)
                request.escalated_at = now
                count += 1
        return count

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("scheduler: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(self.interval)

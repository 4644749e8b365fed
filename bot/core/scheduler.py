"""Time-driven work for every channel: the jobs the features register (reminders, re-checks, help
escalation…) and the core's own housekeeping.

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

from bot.clock import utcnow
from bot.core.engine import Tutor

log = logging.getLogger("hocvuso.scheduler")

KEEP_UPDATE_IDS = timedelta(days=7)
KEEP_SENT_MESSAGES = timedelta(days=7)


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
        """Run every registered job once; returns how much each did (0 for a job in quiet hours)."""
        now = now or utcnow()
        quiet = self.quiet(now)
        done: dict[str, int] = {}
        for job in self.tutor.router.jobs.values():
            done[job.name] = 0 if job.quiet_hours and quiet else await job.run(self.tutor, now)
        async with self.tutor.db.transaction() as repo:
            await repo.prune_updates(now - KEEP_UPDATE_IDS)
            await repo.prune_outbox(now - KEEP_SENT_MESSAGES)
        return done

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("scheduler: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(self.interval)

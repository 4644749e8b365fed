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
KEEP_SENT_MESSAGES = timedelta(days=7)  # sent or given up (failed, undeliverable)
KEEP_UNSENT_MESSAGES = timedelta(days=30)  # never sent at all (a channel switched off)
PRUNE_EVERY = timedelta(minutes=10)
PRUNE_BATCH = 1000  # rows per transaction: each holds the write lock for a few milliseconds


class Scheduler:
    def __init__(self, tutor: Tutor, interval: float = 30.0):
        self.tutor = tutor
        self.interval = interval
        self.settings = tutor.settings
        self._pruned_at: datetime | None = None

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
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            await self.prune(now)
        return done

    async def prune(self, now: datetime, batch: int | None = None) -> dict[str, int]:
        """Housekeeping: old update ids, old messages (their texts may name people) and old wrong
        join codes, deleted in small batches by indexed columns, one short transaction each, so
        learners' updates get the write lock in between."""
        limits = self.settings.limits
        batch = batch or PRUNE_BATCH
        work = {
            "updates": lambda repo: repo.prune_updates(now - KEEP_UPDATE_IDS, batch),
            "outbox": lambda repo: repo.prune_outbox(
                now - KEEP_SENT_MESSAGES, now - KEEP_UNSENT_MESSAGES, batch
            ),
            "code_failures": lambda repo: repo.prune_code_failures(
                now - timedelta(minutes=limits.code_failure_minutes), batch
            ),
        }
        deleted: dict[str, int] = {}
        for name, prune_batch in work.items():
            deleted[name] = 0
            while True:
                async with self.tutor.db.transaction() as repo:
                    count = await prune_batch(repo)
                deleted[name] += count
                if count < batch:
                    break
                await asyncio.sleep(0)  # let waiting updates in before the next batch
        return deleted

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("scheduler: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(self.interval)

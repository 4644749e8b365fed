"""Time-driven work for every channel: housekeeping, reminders, help escalation, re-checks.

Due times live in the database, so nothing is lost on restart; whatever is due becomes outbox
messages that each channel's pump delivers with that platform's own rate limits.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot.tutor.engine import Tutor, utcnow

log = logging.getLogger("hocvuso.scheduler")

KEEP_UPDATE_IDS = timedelta(days=7)
KEEP_SENT_MESSAGES = timedelta(days=7)


class Scheduler:
    def __init__(self, tutor: Tutor, interval: float = 30.0):
        self.tutor = tutor
        self.interval = interval

    async def tick(self, now: datetime | None = None) -> None:
        now = now or utcnow()
        async with self.tutor.db.transaction() as repo:
            await repo.prune_updates(now - KEEP_UPDATE_IDS)
            await repo.prune_outbox(now - KEEP_SENT_MESSAGES)

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("scheduler: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(self.interval)

"""Idempotency: an update id is applied once, whatever the channel redelivers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, tuple_

from bot.store.models import ProcessedUpdate
from bot.store.queries.base import Queries
from bot.store.queries.hot import hot_statements


class UpdateQueries(Queries):
    async def claim_update(self, channel: str, update_id: str, now: datetime) -> bool:
        """Record an update id; False if it was already applied (a redelivery)."""
        stmt = hot_statements(self.dialect)["claim_update"]
        params = {"p_channel": channel, "p_update_id": update_id, "p_at": now}
        return bool(await self.work.sql.run(stmt, params))

    async def prune_updates(self, before: datetime, limit: int) -> int:
        """Forget up to `limit` update ids older than `before`, oldest first (by the `at` index)."""
        key = tuple_(ProcessedUpdate.channel, ProcessedUpdate.update_id)
        batch = (
            select(ProcessedUpdate.channel, ProcessedUpdate.update_id)
            .where(ProcessedUpdate.at < before)
            .order_by(ProcessedUpdate.at)
            .limit(limit)
        )
        result = await self.session.execute(delete(ProcessedUpdate).where(key.in_(batch)))
        return result.rowcount or 0

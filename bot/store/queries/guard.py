"""Guessing limits and server keys: wrong join codes by (hashed) identity and bot-wide."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, func, select

from bot.store.models import CodeFailure, ServerKey
from bot.store.queries.base import Queries


class GuardQueries(Queries):
    async def server_key(self, name: str) -> str:
        """A random key made once and kept (the first worker to ask makes it; the others read it)."""
        row = await self.session.get(ServerKey, name)
        if row is not None:
            return row.value
        stmt = self._insert(ServerKey).values(name=name, value=secrets.token_hex(32))
        await self.session.execute(stmt.on_conflict_do_nothing())
        return (
            await self.session.execute(select(ServerKey.value).where(ServerKey.name == name))
        ).scalar_one()

    def add_code_failure(self, who: str, now: datetime) -> None:
        self.session.add(CodeFailure(who=who, at=now))

    async def code_failures(self, since: datetime, who: str | None = None) -> int:
        """Wrong codes since a time: one identity's, or everybody's (who=None)."""
        query = select(func.count()).select_from(CodeFailure).where(CodeFailure.at >= since)
        if who is not None:
            query = query.where(CodeFailure.who == who)
        return (await self.session.execute(query)).scalar_one()

    async def prune_code_failures(self, before: datetime, limit: int) -> int:
        batch = select(CodeFailure.id).where(CodeFailure.at < before).order_by(CodeFailure.at).limit(limit)
        result = await self.session.execute(
            delete(CodeFailure).where(CodeFailure.id.in_(batch.scalar_subquery()))
        )
        return result.rowcount or 0

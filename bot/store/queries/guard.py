"""Guessing limits (wrong join codes by hashed identity and bot-wide) and the secrets the bot
generates for itself once (the identity-hash key, the dashboard's cookie key), shared by workers."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, func, select

from bot.store.models import AppSecret, CodeFailure
from bot.store.queries.base import Queries


class GuardQueries(Queries):
    async def app_secret(self, name: str, now: datetime) -> str:
        """The named generated secret, created on first use (the first process to ask wins)."""
        existing = await self.session.get(AppSecret, name)
        if existing is not None:
            return existing.value
        await self.session.execute(
            self._insert(AppSecret)
            .values(name=name, value=secrets.token_urlsafe(48), created_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        value = (
            await self.session.execute(select(AppSecret.value).where(AppSecret.name == name))
        ).scalar_one()
        return value

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

"""Join codes of every kind, looked up by their link token or typed code. A typed code is tried
against every kind (bot.core.codes.redeem), so one code must name one thing across all of them."""

from __future__ import annotations

from sqlalchemy import or_, select, union_all

from bot.store.models import Certificate, Class, ClassSession, Invite, OutreachEvent, Team
from bot.store.queries.base import Queries

# Every table holding a typed code (its `short_code` column): a new kind of code adds its table here.
CODE_TABLES = (Class, Invite, Team, ClassSession, OutreachEvent)


class CodeQueries(Queries):
    async def short_code_taken(self, code: str) -> bool:
        taken = union_all(
            *(select(model.short_code).where(model.short_code == code) for model in CODE_TABLES)
        )
        return (await self.session.execute(select(taken.subquery()).limit(1))).first() is not None

    async def team_by_code(self, code: str) -> Team | None:
        return (
            await self.session.execute(select(Team).where(or_(Team.code == code, Team.short_code == code)))
        ).scalar_one_or_none()

    async def session_by_code(self, code: str) -> ClassSession | None:
        return (
            await self.session.execute(
                select(ClassSession).where(or_(ClassSession.code == code, ClassSession.short_code == code))
            )
        ).scalar_one_or_none()

    async def event_by_code(self, code: str) -> OutreachEvent | None:
        return (
            await self.session.execute(
                select(OutreachEvent).where(or_(OutreachEvent.code == code, OutreachEvent.short_code == code))
            )
        ).scalar_one_or_none()

    async def certificate_by_code(self, code: str) -> Certificate | None:
        """A certificate by its verification code, typed with or without the dash, in any case."""
        code = code.strip().upper().replace("-", "").replace(" ", "")
        return (
            await self.session.execute(select(Certificate).where(Certificate.code == code))
        ).scalar_one_or_none()

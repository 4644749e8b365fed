"""Help requests: a learner's open request, overdue ones, the ones a helper may see."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select, true, update

from bot.store.models import HelpRequest, User
from bot.store.queries.base import Queries


class HelpQueries(Queries):
    async def open_help_request(self, learner_id: int) -> HelpRequest | None:
        return (
            await self.session.execute(
                select(HelpRequest)
                .where(HelpRequest.learner_id == learner_id, HelpRequest.status != "resolved")
                .order_by(HelpRequest.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()

    async def help_request(self, request_id: int) -> HelpRequest | None:
        return await self.session.get(HelpRequest, request_id)

    async def overdue_help_requests(self, before: datetime) -> Sequence[HelpRequest]:
        return (
            (
                await self.session.execute(
                    select(HelpRequest).where(
                        and_(
                            HelpRequest.status == "open",
                            HelpRequest.escalated_at.is_(None),
                            HelpRequest.created_at < before,
                        )
                    )
                )
            )
            .scalars()
            .all()
        )

    async def open_requests_for(
        self, helper: User, scope: list[str] | None, limit: int = 10
    ) -> list[HelpRequest]:
        """Unresolved requests a volunteer or organizer may act on."""
        mine = HelpRequest.volunteer_id == helper.id
        if helper.role == "organizer":
            condition = true() if scope is None else or_(mine, HelpRequest.unit_id.in_(scope))
        elif helper.unit_id:
            condition = or_(
                mine, and_(HelpRequest.volunteer_id.is_(None), HelpRequest.unit_id == helper.unit_id)
            )
        else:
            condition = mine
        rows = await self.session.execute(
            select(HelpRequest)
            .where(HelpRequest.status != "resolved", condition)
            .order_by(HelpRequest.id)
            .limit(limit)
        )
        return list(rows.scalars())

    async def hand_over_requests(self, learner_id: int, volunteer_id: int) -> int:
        """A learner's unresolved requests go to the volunteer who now tutors them; how many."""
        result = await self.session.execute(
            update(HelpRequest)
            .where(HelpRequest.learner_id == learner_id, HelpRequest.status != "resolved")
            .values(volunteer_id=volunteer_id)
            .execution_options(synchronize_session="fetch")
        )
        return int(result.rowcount or 0)

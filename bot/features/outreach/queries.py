"""Queries only the outreach feature needs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from bot.store import Repository
from bot.store.models import EventPartner, OutreachEvent, SupportEntry, Team, VolunteerCheckin


async def events_for(
    repo: Repository,
    units: list[str] | None,
    team_id: int | None,
    since: datetime,
    until: datetime,
    limit: int = 8,
) -> list[OutreachEvent]:
    """Events of these units (None: every unit) or of this team, taking place in [since, until)."""
    query = select(OutreachEvent).where(OutreachEvent.starts_at >= since, OutreachEvent.starts_at < until)
    if units is not None:
        reach = OutreachEvent.unit_id.in_(units)
        query = query.where(or_(reach, OutreachEvent.team_id == team_id) if team_id is not None else reach)
    return list((await repo.session.execute(query.order_by(OutreachEvent.starts_at).limit(limit))).scalars())


async def figures(repo: Repository, event_id: int) -> tuple[int, int]:
    """(volunteers checked in, people supported there)."""
    checkins = await repo.session.execute(
        select(func.count()).select_from(VolunteerCheckin).where(VolunteerCheckin.event_id == event_id)
    )
    people = await repo.session.execute(
        select(func.coalesce(func.sum(SupportEntry.people), 0)).where(SupportEntry.event_id == event_id)
    )
    return int(checkins.scalar_one()), int(people.scalar_one())


async def is_checked_in(repo: Repository, event_id: int, user_id: int) -> bool:
    return await repo.session.get(VolunteerCheckin, (event_id, user_id)) is not None


async def check_in(repo: Repository, event_id: int, user_id: int, now: datetime) -> bool:
    return await repo.insert_new(VolunteerCheckin, event_id=event_id, user_id=user_id, at=now)


async def partners_of(repo: Repository, event_id: int) -> list[str]:
    rows = await repo.session.execute(
        select(EventPartner.partner).where(EventPartner.event_id == event_id).order_by(EventPartner.partner)
    )
    return list(rows.scalars())


async def teams_in(repo: Repository, units: list[str], limit: int = 6) -> list[Team]:
    rows = await repo.session.execute(
        select(Team).where(Team.unit_id.in_(units)).order_by(Team.unit_id, Team.id).limit(limit)
    )
    return list(rows.scalars())

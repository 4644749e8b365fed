"""Queries only the teams feature needs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.store import Repository
from bot.store.models import Team, TeamMember, User


async def teams_in(repo: Repository, scope: list[str] | None, limit: int = 20) -> list[tuple[Team, int]]:
    """Teams of the scope (None: all), with their number of members."""
    count = (
        select(func.count()).select_from(TeamMember).where(TeamMember.team_id == Team.id).scalar_subquery()
    )
    query = select(Team, count).order_by(Team.unit_id, Team.id).limit(limit)
    if scope is not None:
        query = query.where(Team.unit_id.in_(scope))
    return [(team, n) for team, n in (await repo.session.execute(query)).all()]


async def members(repo: Repository, team_id: int, limit: int = 200) -> list[User]:
    rows = await repo.session.execute(
        select(User)
        .join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == team_id, User.deleted_at.is_(None))
        .order_by(TeamMember.joined_at, User.id)
        .limit(limit)
    )
    return list(rows.scalars())


async def candidates(repo: Repository, team: Team, limit: int = 8) -> list[tuple[User, Team | None]]:
    """Volunteers who could be in the team (their unit is in the team's unit subtree): members of
    this team first, then others, each with the team they are in now."""
    units = await repo.scope(team.unit_id) or [team.unit_id]
    rows = await repo.session.execute(
        select(User, Team)
        .outerjoin(TeamMember, TeamMember.user_id == User.id)
        .outerjoin(Team, Team.id == TeamMember.team_id)
        .where(User.role == "volunteer", User.deleted_at.is_(None), User.unit_id.in_(units))
        .order_by(func.coalesce(TeamMember.team_id, 0) != team.id, User.id)
        .limit(limit)
    )
    return [(user, current) for user, current in rows.all()]


async def join(repo: Repository, user_id: int, team_id: int, now: datetime) -> None:
    """Put a volunteer in a team, out of any other (one team at a time)."""
    existing = await repo.session.get(TeamMember, user_id)
    if existing is None:
        repo.add(TeamMember(user_id=user_id, team_id=team_id, joined_at=now))
    elif existing.team_id != team_id:
        existing.team_id, existing.joined_at = team_id, now
    await repo.flush()

"""What several campaign features ask: a volunteer's open session, their team, the outreach days
and shifts they checked in to."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select

from bot.store.models import Class, ClassSession, OutreachEvent, Team, TeamMember, VolunteerCheckin
from bot.store.queries.base import Queries

# A session is open from when its volunteer starts it until they end it, or this long after the
# start (nobody leaves a session open for days).
SESSION_OPEN_FOR = timedelta(hours=12)


def session_is_open(session: ClassSession, now: datetime) -> bool:
    return (
        session.held_at is not None and session.ended_at is None and session.held_at > now - SESSION_OPEN_FOR
    )


class CampaignQueries(Queries):
    async def open_session_of(self, user_id: int, now: datetime) -> ClassSession | None:
        """The newest open session the volunteer started, or of a class they run."""
        return (
            await self.session.execute(
                select(ClassSession)
                .join(Class, Class.id == ClassSession.class_id)
                .where(
                    or_(ClassSession.started_by == user_id, Class.volunteer_id == user_id),
                    ClassSession.held_at > now - SESSION_OPEN_FOR,
                    ClassSession.ended_at.is_(None),
                )
                .order_by(ClassSession.held_at.desc())
                .limit(1)
            )
        ).scalar_one_or_none()

    async def team_of(self, user_id: int) -> Team | None:
        return (
            await self.session.execute(
                select(Team)
                .join(TeamMember, TeamMember.team_id == Team.id)
                .where(TeamMember.user_id == user_id)
            )
        ).scalar_one_or_none()

    async def events_checked_in(self, user_id: int, since: datetime, until: datetime) -> list[OutreachEvent]:
        """Outreach days, shifts and trainings the volunteer checked in to, held in [since, until)."""
        rows = await self.session.execute(
            select(OutreachEvent)
            .join(VolunteerCheckin, VolunteerCheckin.event_id == OutreachEvent.id)
            .where(
                VolunteerCheckin.user_id == user_id,
                OutreachEvent.starts_at >= since,
                OutreachEvent.starts_at < until,
            )
            .order_by(VolunteerCheckin.at.desc())
        )
        return list(rows.scalars())

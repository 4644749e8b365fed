"""The campaign's own figures, in its own units: đội hình, buổi học, «lượt», ra quân, giấy chứng nhận.
Every figure is a SQL aggregate grouped by unit (rolled up the unit tree by the report), so the
campaign report stays fast at 500,000 support entries and 20,000 sessions.

Definitions (the README's "Reports" section documents them for organizers). A period is [since,
until) in naive UTC; "stocks" (teams, their members) count what exists at the period's end, "flows"
count what happened inside it:
- teams: teams of the unit created before the period's end; team_volunteers: their members now;
- a session is *held* once its volunteer started it (`held_at`); sessions_held = sessions started
  in the period; classes_held = distinct classes with at least one held session in the period
  (`held_sessions` in bot/store/stats.py is the one place "held" is defined: the summary's
  `classes` is the same figure); the class's unit counts them;
- attendance = «lượt»: learners checked in or ticked at held sessions + attendees without a phone
  (a number per session); a person at two sessions is two;
- people_supported = «lượt người dân» logged face to face in the period (sum of `people`), by kind
  and place, counted in the unit where it happened (the session's class, the outreach day, else
  the volunteer's unit);
- outreach_events = outreach days (kind "outreach") in the period with at least one volunteer
  checked in; outreach_volunteers / volunteer_shifts / volunteers_trained = volunteer check-ins
  («lượt ĐVTN») at outreach days / service-centre duty shifts / trainings in the period;
- volunteers_active = distinct volunteers who, in the period, logged support, started a session
  or checked in to an event, counted in their own unit;
- certificates = certificates issued in the period, in the learner's unit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from bot.store.models import (
    Attendance,
    Certificate,
    Class,
    ClassPartner,
    ClassSession,
    EventPartner,
    OutreachEvent,
    SupportEntry,
    Team,
    TeamMember,
    User,
    VolunteerCheckin,
)
from bot.store.stats import Window, held_sessions, in_period

SUPPORT_KINDS = ("vneid", "dvc", "payment", "phone", "ai", "other")
SUPPORT_PLACES = ("session", "outreach", "center", "home")
EVENT_KINDS = ("outreach", "center", "training")
# Check-ins at each kind of event are reported as this metric.
CHECKIN_METRIC = {
    "outreach": "outreach_volunteers",
    "center": "volunteer_shifts",
    "training": "volunteers_trained",
}


class CampaignStats:
    def __init__(self, session: AsyncSession):
        self.session = session
        self._cells: tuple[Any, list[tuple[str | None, str, str, int, int]]] | None = None

    async def _rows(self, query: Select[Any]) -> list[Any]:
        return list((await self.session.execute(query)).all())

    @staticmethod
    def _scoped(query: Select[Any], column: Any, window: Window) -> Select[Any]:
        return query if window.scope is None else query.where(column.in_(window.scope))

    async def per_unit(self, window: Window) -> dict[str | None, dict[str, int]]:
        """Every campaign figure per unit id (None: things with no unit)."""
        result: dict[str | None, dict[str, int]] = {}

        def add(unit: str | None, key: str, value: Any) -> None:
            figures = result.setdefault(unit, {})
            figures[key] = figures.get(key, 0) + int(value or 0)

        stock = [] if window.until is None else [Team.created_at < window.until]  # what exists by the end
        teams = select(Team.unit_id, func.count()).where(*stock).group_by(Team.unit_id)
        for unit, count in await self._rows(self._scoped(teams, Team.unit_id, window)):
            add(unit, "teams", count)
        members = (
            select(Team.unit_id, func.count())
            .select_from(TeamMember)
            .join(Team, Team.id == TeamMember.team_id)
            .where(*stock)
            .group_by(Team.unit_id)
        )
        for unit, count in await self._rows(self._scoped(members, Team.unit_id, window)):
            add(unit, "team_volunteers", count)

        sessions = (
            select(
                Class.unit_id,
                func.count(ClassSession.id),
                func.count(distinct(ClassSession.class_id)),
                func.sum(ClassSession.walk_ins),
            )
            .select_from(ClassSession)
            .join(Class, Class.id == ClassSession.class_id)
            .where(*held_sessions(window))
            .group_by(Class.unit_id)
        )
        for unit, held, classes, walk_ins in await self._rows(self._scoped(sessions, Class.unit_id, window)):
            add(unit, "sessions_held", held)
            add(unit, "classes_held", classes)
            add(unit, "attendance_walk_ins", walk_ins)
            add(unit, "attendance", walk_ins)
        checked_in = (
            select(Class.unit_id, func.count())
            .select_from(Attendance)
            .join(ClassSession, ClassSession.id == Attendance.session_id)
            .join(Class, Class.id == ClassSession.class_id)
            .where(*held_sessions(window))
            .group_by(Class.unit_id)
        )
        for unit, count in await self._rows(self._scoped(checked_in, Class.unit_id, window)):
            add(unit, "attendance_checked_in", count)
            add(unit, "attendance", count)

        for unit, kind, place, people, entries in await self.support_cells(window):
            add(unit, "people_supported", people)
            add(unit, f"people_supported.kind.{kind}", people)
            add(unit, f"people_supported.place.{place}", people)
            add(unit, "support_entries", entries)

        events = (
            select(
                OutreachEvent.unit_id,
                OutreachEvent.kind,
                func.count(distinct(OutreachEvent.id)),
                func.count(),
            )
            .select_from(VolunteerCheckin)
            .join(OutreachEvent, OutreachEvent.id == VolunteerCheckin.event_id)
            .where(*in_period(OutreachEvent.starts_at, window))
            .group_by(OutreachEvent.unit_id, OutreachEvent.kind)
        )
        for unit, kind, held, checkins in await self._rows(
            self._scoped(events, OutreachEvent.unit_id, window)
        ):
            if kind == "outreach":
                add(unit, "outreach_events", held)
            elif kind == "center":
                add(unit, "center_shifts", held)
            add(unit, CHECKIN_METRIC.get(kind, "volunteer_checkins_other"), checkins)

        active = (
            select(User.unit_id, func.count())
            .where(User.role.in_(("volunteer", "organizer")), self._active(window))
            .group_by(User.unit_id)
        )
        for unit, count in await self._rows(self._scoped(active, User.unit_id, window)):
            add(unit, "volunteers_active", count)

        certificates = (
            select(Certificate.unit_id, func.count())
            .where(*in_period(Certificate.issued_at, window))
            .group_by(Certificate.unit_id)
        )
        for unit, count in await self._rows(self._scoped(certificates, Certificate.unit_id, window)):
            add(unit, "certificates", count)
        return result

    @staticmethod
    def _active(window: Window) -> ColumnElement[bool]:
        """A volunteer who, in the period, logged support, started a session or checked in to an
        event: three index probes per volunteer (a few thousand), not a pass over every entry."""
        logged = (
            select(SupportEntry.id)
            .where(SupportEntry.volunteer_id == User.id, *in_period(SupportEntry.created_at, window))
            .exists()
        )
        started = (
            select(ClassSession.id).where(ClassSession.started_by == User.id, *held_sessions(window)).exists()
        )
        checked_in = (
            select(VolunteerCheckin.event_id)
            .join(OutreachEvent, OutreachEvent.id == VolunteerCheckin.event_id)
            .where(VolunteerCheckin.user_id == User.id, *in_period(OutreachEvent.starts_at, window))
            .exists()
        )
        return or_(logged, started, checked_in)

    # --- breakdowns ------------------------------------------------------------------------------

    async def support_cells(self, window: Window) -> list[tuple[str | None, str, str, int, int]]:
        """(unit, kind, place, people, entries) in the period and scope: one pass over the covering
        index in its own order (no sort), kept: the totals and the support sheet both use it."""
        key = (None if window.scope is None else tuple(window.scope), window.since, window.until)
        if self._cells is None or self._cells[0] != key:
            query = (
                select(
                    SupportEntry.unit_id,
                    SupportEntry.kind,
                    SupportEntry.place,
                    func.sum(SupportEntry.people),
                    func.count(),
                )
                .where(*in_period(SupportEntry.created_at, window))
                .group_by(SupportEntry.unit_id, SupportEntry.kind, SupportEntry.place)
            )
            rows = await self._rows(self._scoped(query, SupportEntry.unit_id, window))
            self._cells = (key, [(u, k, p, int(n or 0), int(e)) for u, k, p, n, e in rows])
        return self._cells[1]

    async def support_by_kind(self, window: Window) -> dict[tuple[str, str], tuple[int, int]]:
        """(kind, place) → (people, entries) in the period and scope."""
        result: dict[tuple[str, str], tuple[int, int]] = {}
        for _unit, kind, place, people, entries in await self.support_cells(window):
            before = result.get((kind, place), (0, 0))
            result[(kind, place)] = (before[0] + people, before[1] + entries)
        return result

    async def teams(self, window: Window) -> list[dict[str, Any]]:
        members = select(TeamMember.team_id, func.count().label("n")).group_by(TeamMember.team_id).subquery()
        events = (
            select(
                OutreachEvent.team_id,
                func.count(distinct(OutreachEvent.id)).label("events"),
                func.count().label("checkins"),
            )
            .join(VolunteerCheckin, VolunteerCheckin.event_id == OutreachEvent.id)
            .where(OutreachEvent.team_id.is_not(None), *in_period(OutreachEvent.starts_at, window))
            .group_by(OutreachEvent.team_id)
            .subquery()
        )
        # People per volunteer first (the covering index, in its order), then per team.
        per_volunteer = (
            select(SupportEntry.volunteer_id, func.sum(SupportEntry.people).label("people"))
            .where(*in_period(SupportEntry.created_at, window))
            .group_by(SupportEntry.volunteer_id)
            .subquery()
        )
        support = (
            select(TeamMember.team_id, func.sum(per_volunteer.c.people).label("people"))
            .join(per_volunteer, per_volunteer.c.volunteer_id == TeamMember.user_id)
            .group_by(TeamMember.team_id)
            .subquery()
        )
        leader = User.__table__.alias("leader")
        query = (
            select(
                Team.id,
                Team.name,
                Team.unit_id,
                leader.c.display_name,
                func.coalesce(members.c.n, 0),
                func.coalesce(events.c.events, 0),
                func.coalesce(events.c.checkins, 0),
                func.coalesce(support.c.people, 0),
                Team.created_at,
            )
            .outerjoin(leader, leader.c.id == Team.leader_id)
            .outerjoin(members, members.c.team_id == Team.id)
            .outerjoin(events, events.c.team_id == Team.id)
            .outerjoin(support, support.c.team_id == Team.id)
            .where(*([] if window.until is None else [Team.created_at < window.until]))
            .order_by(Team.unit_id, Team.id)
        )
        keys = ("id", "name", "unit_id", "leader", "members", "events", "checkins", "people", "created_at")
        rows = await self._rows(self._scoped(query, Team.unit_id, window))
        return [dict(zip(keys, row, strict=True)) for row in rows]

    async def sessions(self, window: Window, limit: int | None = None) -> list[dict[str, Any]]:
        """Held sessions in the period, and sessions planned in it that were not held (yet)."""
        # Counted for the listed rows only (after the sort and the limit), through the primary key.
        checked = (
            select(func.count())
            .select_from(Attendance)
            .where(Attendance.session_id == ClassSession.id)
            .scalar_subquery()
        )
        volunteer = User.__table__.alias("volunteer")
        planned = and_(ClassSession.held_at.is_(None), *in_period(ClassSession.starts_at, window))
        query = (
            select(
                ClassSession.id,
                Class.id,
                Class.name,
                Class.unit_id,
                ClassSession.starts_at,
                ClassSession.held_at,
                func.coalesce(ClassSession.place, Class.place),
                volunteer.c.display_name,
                checked,
                ClassSession.walk_ins,
            )
            .join(Class, Class.id == ClassSession.class_id)
            .outerjoin(
                volunteer, volunteer.c.id == func.coalesce(ClassSession.started_by, Class.volunteer_id)
            )
            .where(and_(*held_sessions(window)) | planned)
            .order_by(
                Class.unit_id, func.coalesce(ClassSession.held_at, ClassSession.starts_at), ClassSession.id
            )
        )
        if limit is not None:
            query = query.limit(limit)
        keys = (
            "id",
            "class_id",
            "class_name",
            "unit_id",
            "planned_at",
            "held_at",
            "place",
            "volunteer",
            "checked_in",
            "walk_ins",
        )
        rows = await self._rows(self._scoped(query, Class.unit_id, window))
        return [dict(zip(keys, row, strict=True)) for row in rows]

    async def partners(self, window: Window) -> dict[str, dict[str, int]]:
        """Per partner organization: classes it co-organizes (with sessions held and attendance),
        outreach days and shifts (held, with volunteer check-ins), people supported at them."""
        result: dict[str, dict[str, int]] = {}

        def add(partner: str, key: str, value: Any) -> None:
            figures = result.setdefault(partner, {})
            figures[key] = figures.get(key, 0) + int(value or 0)

        classes = (
            select(ClassPartner.partner, func.count())
            .join(Class, Class.id == ClassPartner.class_id)
            .group_by(ClassPartner.partner)
        )
        for partner, count in await self._rows(self._scoped(classes, Class.unit_id, window)):
            add(partner, "classes", count)
        sessions = (
            select(
                ClassPartner.partner,
                func.count(ClassSession.id),
                func.count(distinct(ClassSession.class_id)),
                func.sum(ClassSession.walk_ins),
            )
            .join(ClassSession, ClassSession.class_id == ClassPartner.class_id)
            .join(Class, Class.id == ClassPartner.class_id)
            .where(*held_sessions(window))
            .group_by(ClassPartner.partner)
        )
        for partner, held, classes_held, walk_ins in await self._rows(
            self._scoped(sessions, Class.unit_id, window)
        ):
            add(partner, "sessions_held", held)
            add(partner, "classes_held", classes_held)
            add(partner, "attendance", walk_ins)
        attendance = (
            select(ClassPartner.partner, func.count())
            .join(ClassSession, ClassSession.class_id == ClassPartner.class_id)
            .join(Attendance, Attendance.session_id == ClassSession.id)
            .join(Class, Class.id == ClassPartner.class_id)
            .where(*held_sessions(window))
            .group_by(ClassPartner.partner)
        )
        for partner, count in await self._rows(self._scoped(attendance, Class.unit_id, window)):
            add(partner, "attendance", count)
        events = (
            select(EventPartner.partner, func.count(distinct(OutreachEvent.id)), func.count())
            .join(OutreachEvent, OutreachEvent.id == EventPartner.event_id)
            .join(VolunteerCheckin, VolunteerCheckin.event_id == OutreachEvent.id)
            .where(*in_period(OutreachEvent.starts_at, window))
            .group_by(EventPartner.partner)
        )
        for partner, held, checkins in await self._rows(self._scoped(events, OutreachEvent.unit_id, window)):
            add(partner, "events", held)
            add(partner, "volunteer_checkins", checkins)
        at_events = (
            select(EventPartner.partner, func.sum(SupportEntry.people))
            .join(SupportEntry, SupportEntry.event_id == EventPartner.event_id)
            .where(*in_period(SupportEntry.created_at, window))
            .group_by(EventPartner.partner)
        )
        at_classes = (
            select(ClassPartner.partner, func.sum(SupportEntry.people))
            .join(ClassSession, ClassSession.class_id == ClassPartner.class_id)
            .join(SupportEntry, SupportEntry.session_id == ClassSession.id)
            .where(*in_period(SupportEntry.created_at, window))
            .group_by(ClassPartner.partner)
        )
        for query in (at_events, at_classes):
            for partner, people in await self._rows(self._scoped(query, SupportEntry.unit_id, window)):
                add(partner, "people_supported", people)
        return result

"""Figures the web dashboard shows beyond the report's breakdowns: weekly trends, help requests by
age / unit / volunteer, and a volunteer's roster. SQL aggregates, like bot.store.stats, with its
definitions: a learner counts when they became one (first lesson started or class joined),
started / completed are first starts / first completions (progress rows), answer times run from a
request's creation to its first answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    distinct,
    extract,
    func,
    or_,
    select,
    union_all,
)

from bot.store.models import (
    Class,
    ClassSession,
    Enrollment,
    HelpRequest,
    Pairing,
    Progress,
    SupportEntry,
    User,
)
from bot.store.stats import Stats, Window, held_sessions, in_period

WEEK = timedelta(days=7)
# Open help requests by how long they have waited: (id, upper bound of the age).
HELP_AGES: list[tuple[str, timedelta | None]] = [
    ("under_1h", timedelta(hours=1)),
    ("1h_24h", timedelta(hours=24)),
    ("1d_3d", timedelta(days=3)),
    ("over_3d", None),
]


class DashboardStats(Stats):
    def _week_of(self, column: Any, start: datetime) -> Any:
        """0 for the week starting at `start`, 1 for the next… (rows at or after `start` only)."""
        origin = bindparam("week_origin", start, type_=DateTime())
        if self.dialect == "postgresql":
            return cast(func.floor(extract("epoch", column - origin) / WEEK.total_seconds()), Integer)
        return cast((func.julianday(column) - func.julianday(origin)) / 7, Integer)

    async def weekly(self, window: Window, start: datetime, weeks: int) -> dict[str, dict[int, int]]:
        """Per week number since `start`: new learners, first starts and first completions of lessons,
        classes that held a session that week and people supported face to face (the campaign's
        definitions: bot/store/campaign_stats.py — a class in its unit, support where it happened)."""
        end = start + weeks * WEEK
        since = max(start, window.since) if window.since else start
        until = min(end, window.until) if window.until else end
        bounded = Window(window.scope, since, until)
        result: dict[str, dict[int, int]] = {
            "new_learners": {},
            "started": {},
            "completed": {},
            "classes_held": {},
            "people_supported": {},
        }
        # A learner counts in the week they became one: their first lesson start or class joined,
        # whichever came first (`Stats._is_learner`, "new in the period", week by week).
        firsts = union_all(
            select(
                Progress.user_id.label("user_id"), func.min(Progress.first_started_at).label("at")
            ).group_by(Progress.user_id),
            select(Enrollment.user_id.label("user_id"), func.min(Enrollment.joined_at).label("at")).group_by(
                Enrollment.user_id
            ),
        ).subquery()
        became = (
            select(firsts.c.user_id, func.min(firsts.c.at).label("at")).group_by(firsts.c.user_id).subquery()
        )
        week = self._week_of(became.c.at, start)
        query = (
            select(week, func.count())
            .join(User, User.id == became.c.user_id)
            .where(User.role == "learner", became.c.at >= since, became.c.at < until)
        )
        if window.scope is not None:
            query = query.where(User.unit_id.in_(window.scope))
        for number, count in (await self.session.execute(query.group_by(week))).all():
            result["new_learners"][int(number)] = int(count)
        for key, column in (
            ("started", Progress.first_started_at),
            ("completed", Progress.first_completed_at),
        ):
            week = self._week_of(column, start)
            rows = await self.session.execute(
                select(week, func.count()).where(*self._progress(bounded, column)).group_by(week)
            )
            for number, count in rows.all():
                result[key][int(number)] = int(count)
        week = self._week_of(ClassSession.held_at, start)
        held = (
            select(week, func.count(distinct(ClassSession.class_id)))
            .join(Class, Class.id == ClassSession.class_id)
            .where(*held_sessions(bounded))
            .group_by(week)
        )
        if window.scope is not None:
            held = held.where(Class.unit_id.in_(window.scope))
        for number, count in (await self.session.execute(held)).all():
            result["classes_held"][int(number)] = int(count)
        week = self._week_of(SupportEntry.created_at, start)
        supported = (
            select(week, func.sum(SupportEntry.people))
            .where(*in_period(SupportEntry.created_at, bounded))
            .group_by(week)
        )
        if window.scope is not None:
            supported = supported.where(SupportEntry.unit_id.in_(window.scope))
        for number, people in (await self.session.execute(supported)).all():
            result["people_supported"][int(number)] = int(people or 0)
        return result

    def _help_scope(self, query: Any, window: Window) -> Any:
        if window.scope is not None:
            query = query.where(HelpRequest.unit_id.in_(window.scope))
        return query

    async def help_ages(self, window: Window, now: datetime) -> dict[str, int]:
        """Open requests by how long they have waited (now, whatever the period)."""
        columns = []
        lower: timedelta | None = None
        for _key, upper in HELP_AGES:
            conditions = []
            if upper is not None:
                conditions.append(HelpRequest.created_at > now - upper)
            if lower is not None:
                conditions.append(HelpRequest.created_at <= now - lower)
            columns.append(func.sum(case((and_(*conditions), 1), else_=0)))
            lower = upper
        query = self._help_scope(select(*columns).where(HelpRequest.status == "open"), window)
        row = (await self.session.execute(query)).one()
        return {key: int(value or 0) for (key, _upper), value in zip(HELP_AGES, row, strict=True)}

    def _answered(self, window: Window) -> Any:
        source = select().select_from(HelpRequest).where(HelpRequest.answered_at.is_not(None))
        if window.since is not None:
            source = source.where(HelpRequest.created_at >= window.since)
        if window.until is not None:
            source = source.where(HelpRequest.created_at < window.until)
        return self._help_scope(source, window)

    async def help_by(self, key: Any, window: Window, now: datetime) -> dict[Any, dict[str, Any]]:
        """Per `key` (HelpRequest.unit_id or .volunteer_id): open now, open over 24 hours, answered
        in the period, median minutes to the first answer."""
        result: dict[Any, dict[str, Any]] = {}
        stale = case((HelpRequest.created_at <= now - timedelta(hours=24), 1), else_=0)
        query = self._help_scope(
            select(key, func.count(), func.sum(stale)).where(HelpRequest.status == "open").group_by(key),
            window,
        )
        for group, count, old in (await self.session.execute(query)).all():
            result.setdefault(group, {})
            result[group].update(open=int(count), open_over_24h=int(old or 0))
        answered = self._answered(window).add_columns(key, func.count()).group_by(key)
        for group, count in (await self.session.execute(answered)).all():
            result.setdefault(group, {})["answered"] = int(count)
        minutes = self._minutes(HelpRequest.answered_at, HelpRequest.created_at)
        for group, median in (await self._median_by(key, minutes, self._answered(window))).items():
            result.setdefault(group, {})["median_minutes"] = median
        return result

    async def roster(
        self, *, volunteer_id: int | None = None, class_id: int | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """Learners of a volunteer (their classes' and those they tutor 1-to-1) or of one class: where
        each one is now. Erased learners are left out."""
        completed = (
            select(Progress.user_id, func.count().label("n"))
            .where(Progress.completed_at.is_not(None))
            .group_by(Progress.user_id)
            .subquery()
        )
        current = Progress.__table__.alias("current")
        classes = select(Class.id)
        classes = classes.where(Class.id == class_id) if class_id is not None else classes
        classes = classes.where(Class.volunteer_id == volunteer_id) if volunteer_id is not None else classes
        in_class = select(Enrollment.user_id).where(Enrollment.class_id.in_(classes))
        members = User.id.in_(in_class)
        if volunteer_id is not None and class_id is None:
            members = or_(
                members, User.id.in_(select(Pairing.learner_id).where(Pairing.volunteer_id == volunteer_id))
            )
        class_name = (
            select(func.min(Class.name))
            .join(Enrollment, Enrollment.class_id == Class.id)
            .where(Enrollment.user_id == User.id, Class.id.in_(classes))
            .scalar_subquery()
        )
        query = (
            select(
                User.id,
                User.display_name,
                class_name,
                User.lesson_id,
                current.c.step_index,
                func.coalesce(completed.c.n, 0),
                User.last_active_at,
            )
            .outerjoin(completed, completed.c.user_id == User.id)
            .outerjoin(current, and_(current.c.user_id == User.id, current.c.lesson_id == User.lesson_id))
            .where(members, User.role == "learner", User.deleted_at.is_(None))
            .order_by(User.last_active_at.desc(), User.id)
            .limit(limit)
        )
        keys = ("id", "name", "class_name", "lesson_id", "step_index", "completed", "last_active")
        return [dict(zip(keys, row, strict=True)) for row in (await self.session.execute(query)).all()]

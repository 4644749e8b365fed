"""Reporting queries: every figure is a SQL aggregate over step_events / progress / users, so reports
stay fast at 100k learners and millions of events (no row-by-row work in Python). Medians use window
functions (ROW_NUMBER / COUNT OVER), which both SQLite and PostgreSQL support.

Definitions (the README's "Reports" section documents them for organizers):
- a learner is a user with role "learner" whose unit is in the scope (no scope: every learner);
- started / completed = distinct learners with a "start" / "complete" event for the lesson in the
  period (a re-try does not count twice);
- minutes to complete = from a learner's first start to their first completion of the lesson;
- first-try correct rate = quiz answers right at the first attempt / quiz first attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, distinct, extract, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from bot.store.models import Class, Enrollment, HelpRequest, Pairing, Progress, StepEvent, Unit, User


@dataclass(frozen=True)
class Window:
    scope: list[str] | None  # unit ids; None = everything
    since: datetime | None = None
    until: datetime | None = None


class Stats:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.dialect = session.bind.dialect.name

    # --- building blocks -----------------------------------------------------------------------

    def _learners(self, window: Window) -> Select[Any]:
        query = select(User.id).where(User.role == "learner")
        if window.scope is not None:
            query = query.where(User.unit_id.in_(window.scope))
        return query

    def _events(self, window: Window, *conditions: ColumnElement[bool]) -> list[ColumnElement[bool]]:
        where = list(conditions)
        where.append(StepEvent.user_id.in_(self._learners(window)))
        if window.since is not None:
            where.append(StepEvent.at >= window.since)
        if window.until is not None:
            where.append(StepEvent.at < window.until)
        return where

    def _minutes(self, later: Any, earlier: Any) -> ColumnElement[float]:
        if self.dialect == "postgresql":
            return extract("epoch", later - earlier) / 60.0
        return (func.julianday(later) - func.julianday(earlier)) * 1440.0

    async def _median_by(self, key: Any, value: Any, source: Select[Any]) -> dict[Any, float]:
        """Median of `value` per `key` over the rows of `source`, in SQL."""
        inner = source.add_columns(key.label("k"), value.label("v")).subquery()
        ranked = select(
            inner.c.k,
            inner.c.v,
            func.row_number().over(partition_by=inner.c.k, order_by=inner.c.v).label("rn"),
            func.count().over(partition_by=inner.c.k).label("n"),
        ).subquery()
        middle = or_(ranked.c.rn == (ranked.c.n + 1) / 2, ranked.c.rn == (ranked.c.n + 2) / 2)
        rows = await self.session.execute(
            select(ranked.c.k, func.avg(ranked.c.v)).where(middle).group_by(ranked.c.k)
        )
        return {k: float(v) for k, v in rows.all() if v is not None}

    # --- lessons -------------------------------------------------------------------------------

    async def lessons(self, window: Window) -> dict[str, dict[str, Any]]:
        start = case((StepEvent.kind == "start", StepEvent.user_id))
        complete = case((StepEvent.kind == "complete", StepEvent.user_id))
        first = and_(StepEvent.kind == "answer", StepEvent.correct.is_not(None), StepEvent.attempt == 1)
        rows = await self.session.execute(
            select(
                StepEvent.lesson_id,
                func.count(distinct(start)),
                func.count(distinct(complete)),
                func.sum(case((first, 1), else_=0)),
                func.sum(case((and_(first, StepEvent.correct.is_(True)), 1), else_=0)),
            )
            .where(*self._events(window, StepEvent.kind.in_(("start", "complete", "answer"))))
            .group_by(StepEvent.lesson_id)
        )
        result = {
            lesson: {
                "started": int(started),
                "completed": int(completed),
                "first_try_answers": int(tries or 0),
                "first_try_correct": int(right or 0),
            }
            for lesson, started, completed, tries, right in rows.all()
        }
        for lesson, minutes in (await self.completion_minutes(window)).items():
            result.setdefault(
                lesson, {"started": 0, "completed": 0, "first_try_answers": 0, "first_try_correct": 0}
            )
            result[lesson]["median_minutes"] = minutes
        return result

    async def completion_minutes(self, window: Window) -> dict[str, float]:
        first_start = (
            select(StepEvent.user_id, StepEvent.lesson_id, func.min(StepEvent.at).label("at"))
            .where(*self._events(window, StepEvent.kind == "start"))
            .group_by(StepEvent.user_id, StepEvent.lesson_id)
            .subquery()
        )
        first_done = (
            select(StepEvent.user_id, StepEvent.lesson_id, func.min(StepEvent.at).label("at"))
            .where(*self._events(window, StepEvent.kind == "complete"))
            .group_by(StepEvent.user_id, StepEvent.lesson_id)
            .subquery()
        )
        source = select().select_from(
            first_done.join(
                first_start,
                and_(
                    first_start.c.user_id == first_done.c.user_id,
                    first_start.c.lesson_id == first_done.c.lesson_id,
                ),
            )
        )
        return await self._median_by(
            first_done.c.lesson_id, self._minutes(first_done.c.at, first_start.c.at), source
        )

    async def funnel(self, window: Window) -> dict[tuple[str, str], dict[str, int]]:
        """Per (lesson, step): learners who reached it (were shown it) and who answered it."""
        shown = case((StepEvent.kind == "shown", StepEvent.user_id))
        answered = case((StepEvent.kind == "answer", StepEvent.user_id))
        first_right = case(
            (
                and_(StepEvent.kind == "answer", StepEvent.attempt == 1, StepEvent.correct.is_(True)),
                StepEvent.user_id,
            )
        )
        first_any = case(
            (
                and_(StepEvent.kind == "answer", StepEvent.attempt == 1, StepEvent.correct.is_not(None)),
                StepEvent.user_id,
            )
        )
        rows = await self.session.execute(
            select(
                StepEvent.lesson_id,
                StepEvent.step_id,
                func.count(distinct(shown)),
                func.count(distinct(answered)),
                func.count(distinct(first_any)),
                func.count(distinct(first_right)),
            )
            .where(*self._events(window, StepEvent.kind.in_(("shown", "answer"))))
            .group_by(StepEvent.lesson_id, StepEvent.step_id)
        )
        return {
            (lesson, step): {
                "reached": int(r),
                "answered": int(a),
                "first_try": int(f),
                "first_try_correct": int(c),
            }
            for lesson, step, r, a, f, c in rows.all()
        }

    # --- people and places ------------------------------------------------------------------------

    async def units(self) -> list[Unit]:
        return list((await self.session.execute(select(Unit).order_by(Unit.id))).scalars())

    async def per_unit(self, window: Window, now: datetime) -> dict[str | None, dict[str, int]]:
        """Counts per unit id (learners, active in 7 days, started/completed learner-lessons, classes,
        volunteers, open help requests)."""
        result: dict[str | None, dict[str, int]] = {}

        def put(unit: str | None, key: str, value: Any) -> None:
            result.setdefault(unit, {})[key] = int(value or 0)

        active = case((User.last_active_at >= now - timedelta(days=7), 1), else_=0)
        learners = select(User.unit_id, func.count(), func.sum(active)).where(User.role == "learner")
        if window.scope is not None:
            learners = learners.where(User.unit_id.in_(window.scope))
        for unit, total, active_count in (await self.session.execute(learners.group_by(User.unit_id))).all():
            put(unit, "learners", total)
            put(unit, "active_7d", active_count)
        # Distinct (learner, lesson) pairs per unit: a re-try is not a second start.
        pairs = (
            select(User.unit_id, StepEvent.kind, StepEvent.user_id, StepEvent.lesson_id)
            .distinct()
            .join(User, User.id == StepEvent.user_id)
            .where(*self._events(window, StepEvent.kind.in_(("start", "complete"))))
            .subquery()
        )
        counted = select(pairs.c.unit_id, pairs.c.kind, func.count()).group_by(pairs.c.unit_id, pairs.c.kind)
        for unit, kind, count in (await self.session.execute(counted)).all():
            put(unit, "started" if kind == "start" else "completed", count)
        classes = select(Class.unit_id, func.count()).group_by(Class.unit_id)
        classes = self._class_window(classes, window)
        for unit, count in (await self.session.execute(classes)).all():
            put(unit, "classes", count)
        volunteers = select(User.unit_id, func.count()).where(User.role == "volunteer").group_by(User.unit_id)
        if window.scope is not None:
            volunteers = volunteers.where(User.unit_id.in_(window.scope))
        for unit, count in (await self.session.execute(volunteers)).all():
            put(unit, "volunteers", count)
        help_open = (
            select(HelpRequest.unit_id, func.count())
            .where(HelpRequest.status == "open")
            .group_by(HelpRequest.unit_id)
        )
        if window.scope is not None:
            help_open = help_open.where(HelpRequest.unit_id.in_(window.scope))
        for unit, count in (await self.session.execute(help_open)).all():
            put(unit, "help_open", count)
        return result

    def _class_window(self, query: Select[Any], window: Window) -> Select[Any]:
        if window.scope is not None:
            query = query.where(Class.unit_id.in_(window.scope))
        held = func.coalesce(Class.starts_at, Class.created_at)
        if window.since is not None:
            query = query.where(held >= window.since)
        if window.until is not None:
            query = query.where(held < window.until)
        return query

    async def classes(self, window: Window, now: datetime) -> list[dict[str, Any]]:
        enrolled = (
            select(Enrollment.class_id, func.count().label("n")).group_by(Enrollment.class_id).subquery()
        )
        # progress has one row per (learner, lesson): counting joined rows counts completed lessons.
        completions = (
            select(Enrollment.class_id, func.count().label("n"))
            .join(Progress, and_(Progress.user_id == Enrollment.user_id, Progress.completed_at.is_not(None)))
            .group_by(Enrollment.class_id)
            .subquery()
        )
        volunteer = User.__table__.alias("volunteer")
        query = (
            select(
                Class.id,
                Class.name,
                Class.unit_id,
                Class.place,
                func.coalesce(Class.starts_at, Class.created_at),
                volunteer.c.display_name,
                func.coalesce(enrolled.c.n, 0),
                func.coalesce(completions.c.n, 0),
            )
            .join(volunteer, volunteer.c.id == Class.volunteer_id)
            .outerjoin(enrolled, enrolled.c.class_id == Class.id)
            .outerjoin(completions, completions.c.class_id == Class.id)
            .order_by(Class.unit_id, Class.id)
        )
        rows = await self.session.execute(self._class_window(query, window))
        keys = ("id", "name", "unit_id", "place", "held_at", "volunteer", "learners", "completions")
        return [dict(zip(keys, row, strict=True)) for row in rows.all()]

    async def volunteers(self, window: Window) -> list[dict[str, Any]]:
        classes = select(Class.volunteer_id, func.count().label("n")).group_by(Class.volunteer_id).subquery()
        paired = (
            select(Pairing.volunteer_id, func.count().label("n")).group_by(Pairing.volunteer_id).subquery()
        )
        completions = (
            select(Pairing.volunteer_id, func.count().label("n"))
            .join(Progress, and_(Progress.user_id == Pairing.learner_id, Progress.completed_at.is_not(None)))
            .group_by(Pairing.volunteer_id)
            .subquery()
        )
        answered = (
            select(HelpRequest.volunteer_id, func.count().label("n"))
            .where(HelpRequest.answered_at.is_not(None))
            .group_by(HelpRequest.volunteer_id)
            .subquery()
        )
        query = (
            select(
                User.id,
                User.display_name,
                User.unit_id,
                func.coalesce(classes.c.n, 0),
                func.coalesce(paired.c.n, 0),
                func.coalesce(completions.c.n, 0),
                func.coalesce(answered.c.n, 0),
            )
            .outerjoin(classes, classes.c.volunteer_id == User.id)
            .outerjoin(paired, paired.c.volunteer_id == User.id)
            .outerjoin(completions, completions.c.volunteer_id == User.id)
            .outerjoin(answered, answered.c.volunteer_id == User.id)
            .where(User.role == "volunteer")
            .order_by(User.unit_id, User.id)
        )
        if window.scope is not None:
            query = query.where(User.unit_id.in_(window.scope))
        keys = ("id", "name", "unit_id", "classes", "learners", "completions", "help_answered")
        return [dict(zip(keys, row, strict=True)) for row in (await self.session.execute(query)).all()]

    async def learners(self, window: Window, limit: int | None = None) -> list[dict[str, Any]]:
        started = case((Progress.user_id.is_not(None), 1), else_=0)
        done = case((Progress.completed_at.is_not(None), 1), else_=0)
        per_user = (
            select(Progress.user_id, func.sum(started).label("started"), func.sum(done).label("completed"))
            .group_by(Progress.user_id)
            .subquery()
        )
        current = Progress.__table__.alias("current")
        query = (
            select(
                User.id,
                User.display_name,
                User.unit_id,
                func.coalesce(per_user.c.started, 0),
                func.coalesce(per_user.c.completed, 0),
                User.lesson_id,
                current.c.step_index,
                User.last_active_at,
                User.deleted_at,
            )
            .outerjoin(per_user, per_user.c.user_id == User.id)
            .outerjoin(current, and_(current.c.user_id == User.id, current.c.lesson_id == User.lesson_id))
            .where(User.id.in_(self._learners(window)))
            .order_by(User.unit_id, User.id)
        )
        if limit is not None:
            query = query.limit(limit)
        keys = (
            "id",
            "name",
            "unit_id",
            "started",
            "completed",
            "lesson_id",
            "step_index",
            "last_active",
            "deleted_at",
        )
        return [dict(zip(keys, row, strict=True)) for row in (await self.session.execute(query)).all()]

    async def help_summary(self, window: Window) -> dict[str, float | int | None]:
        query = select(func.count()).select_from(HelpRequest).where(HelpRequest.status == "open")
        if window.scope is not None:
            query = query.where(HelpRequest.unit_id.in_(window.scope))
        open_count = (await self.session.execute(query)).scalar_one()
        source = select().select_from(HelpRequest).where(HelpRequest.answered_at.is_not(None))
        if window.scope is not None:
            source = source.where(HelpRequest.unit_id.in_(window.scope))
        if window.since is not None:
            source = source.where(HelpRequest.created_at >= window.since)
        if window.until is not None:
            source = source.where(HelpRequest.created_at < window.until)
        medians = await self._median_by(
            literal_column("1"), self._minutes(HelpRequest.answered_at, HelpRequest.created_at), source
        )
        return {"open": int(open_count), "median_answer_minutes": next(iter(medians.values()), None)}

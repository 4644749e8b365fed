"""Reporting queries: every figure is a SQL aggregate over step_events / progress / users, so reports
stay fast at 100k learners and millions of events (no row-by-row work in Python). Medians use window
functions (ROW_NUMBER / COUNT OVER), which both SQLite and PostgreSQL support.

Definitions (the README's "Reports" section documents them for organizers; each lives in one place
here, named after what it defines):
- a learner (`Stats._is_learner`) is a user with role "learner" who has started a lesson or joined
  a class; head counts count them in the period in which they first did either, in the unit they
  belong to (rosters: everyone who was a learner by the end of the period). Volunteers and
  organizers are never learners, even when they take a lesson or type a class code; someone who
  only wrote to the bot is not a learner yet;
- started / completed = learner-lesson pairs whose first start / first completion falls in the
  period (from progress, one row per learner and lesson: a re-try does not count twice);
- minutes to complete = from a learner's first start to their first completion of the lesson;
- first-try correct rate = quiz answers right at the first attempt / quiz first attempts;
- reached a step = learners who first started the lesson in the period and were shown that step or
  a later one (progress.furthest_step);
- a class is held in a period when at least one of its sessions was held (started by its
  volunteer) in it (`held_sessions`, `held_at`); it counts in every such period. A class none of
  whose sessions was started has not been held;
- active in 7 days = learners whose last activity is at or after `now` - 7 days, `now` being the
  end of the period if it is past (only the latest activity is stored).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, extract, func, literal_column, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from bot.store.models import (
    Class,
    ClassSession,
    Enrollment,
    HelpRequest,
    Pairing,
    Progress,
    StepEvent,
    Unit,
    User,
)


@dataclass(frozen=True)
class Window:
    scope: list[str] | None  # unit ids; None = everything
    since: datetime | None = None
    until: datetime | None = None


def in_period(column: Any, window: Window) -> list[ColumnElement[bool]]:
    """`column` is set and falls in the window's [since, until)."""
    where: list[ColumnElement[bool]] = [column.is_not(None)]
    if window.since is not None:
        where.append(column >= window.since)
    if window.until is not None:
        where.append(column < window.until)
    return where


def held_sessions(window: Window) -> list[ColumnElement[bool]]:
    """Class sessions held in the period: started by their volunteer (`held_at`, whatever the time
    planned) within it. The one definition of "held": classes held, sessions held and attendance
    (bot/store/campaign_stats.py) all follow it."""
    return in_period(ClassSession.held_at, window)


def held_at(window: Window) -> ColumnElement[Any]:
    """When the (enclosing query's) class was held in the period — its first session held in it —,
    NULL if none was: a class is held in every period in which it held a session."""
    return (
        select(func.min(ClassSession.held_at))
        .where(ClassSession.class_id == Class.id, *held_sessions(window))
        .scalar_subquery()
    )


class Stats:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.dialect = session.bind.dialect.name

    # --- building blocks -----------------------------------------------------------------------

    def _learner_role(self, window: Window) -> Select[Any]:
        """Ids of users with the learner role in the scope. Enough to filter progress rows and step
        events: anyone with those has started a lesson, so is a learner (`_is_learner`)."""
        query = select(User.id).where(User.role == "learner")
        if window.scope is not None:
            query = query.where(User.unit_id.in_(window.scope))
        return query

    @staticmethod
    def _learning_before(when: datetime | None) -> ColumnElement[bool]:
        """The user (the enclosing query's `User` row) had started a lesson or joined a class
        before `when` (None: ever)."""
        started = select(Progress.user_id).where(Progress.user_id == User.id)
        joined = select(Enrollment.user_id).where(Enrollment.user_id == User.id)
        if when is not None:
            started = started.where(Progress.first_started_at < when)
            joined = joined.where(Enrollment.joined_at < when)
        return or_(started.exists(), joined.exists())

    def _is_learner(self, window: Window, *, new_in_period: bool = False) -> list[ColumnElement[bool]]:
        """THE definition of a learner, as conditions on `User`: the learner role, and a lesson
        started or a class joined by the end of the period. `new_in_period`: and not before its
        start, i.e. they became a learner in the period (how head counts are counted, like a
        lesson's first start). `window.scope` limits to users of those units."""
        where = [User.role == "learner", self._learning_before(window.until)]
        if new_in_period and window.since is not None:
            where.append(not_(self._learning_before(window.since)))
        if window.scope is not None:
            where.append(User.unit_id.in_(window.scope))
        return where

    def _only_learners(self, column: Any, window: Window) -> ColumnElement[bool]:
        if window.scope is None:
            # Campaign-wide: leave out the few volunteers and organizers rather than probe 100k
            # learner ids per row, which made SQLite abandon the covering index (bench/README.md).
            return column.not_in(select(User.id).where(User.role != "learner"))
        return column.in_(self._learner_role(window))

    def _events(self, window: Window, *conditions: ColumnElement[bool]) -> list[ColumnElement[bool]]:
        where = list(conditions)
        where.append(self._only_learners(StepEvent.user_id, window))
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
        # Integer division (`//`): `/` is true division in SQLAlchemy 2, and 3/2 = 1.5 matched no
        # row, so an even count gave its upper middle value instead of the mean of the two.
        middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
        rows = await self.session.execute(
            select(ranked.c.k, func.avg(ranked.c.v)).where(middle).group_by(ranked.c.k)
        )
        return {k: float(v) for k, v in rows.all() if v is not None}

    # --- lessons -------------------------------------------------------------------------------

    def _progress(self, window: Window, column: Any) -> list[ColumnElement[bool]]:
        """Learner-lesson rows whose `column` (first start / first completion) is in the window."""
        return [Progress.user_id.in_(self._learner_role(window)), *in_period(column, window)]

    async def lessons(self, window: Window, first_try: bool = True) -> dict[str, dict[str, Any]]:
        empty = {"started": 0, "completed": 0, "first_try_answers": 0, "first_try_correct": 0}
        result: dict[str, dict[str, Any]] = {}
        for key, column in (
            ("started", Progress.first_started_at),
            ("completed", Progress.first_completed_at),
        ):
            rows = await self.session.execute(
                select(Progress.lesson_id, func.count())
                .where(*self._progress(window, column))
                .group_by(Progress.lesson_id)
            )
            for lesson, count in rows.all():
                result.setdefault(lesson, dict(empty))[key] = int(count)
        if first_try:
            quiz = and_(StepEvent.kind == "answer", StepEvent.correct.is_not(None))
            rows = await self.session.execute(
                select(
                    StepEvent.lesson_id,
                    func.count(),
                    func.sum(case((StepEvent.correct.is_(True), 1), else_=0)),
                )
                .where(*self._events(window, quiz, StepEvent.attempt == 1))
                .group_by(StepEvent.lesson_id)
            )
            for lesson, tries, right in rows.all():
                figures = result.setdefault(lesson, dict(empty))
                figures["first_try_answers"], figures["first_try_correct"] = int(tries), int(right or 0)
        for lesson, minutes in (await self.completion_minutes(window)).items():
            result.setdefault(lesson, dict(empty))["median_minutes"] = minutes
        return result

    async def completion_minutes(self, window: Window) -> dict[str, float]:
        """Median minutes from a learner's first start of a lesson to their first completion."""
        source = select().select_from(Progress).where(*self._progress(window, Progress.first_completed_at))
        return await self._median_by(
            Progress.lesson_id, self._minutes(Progress.first_completed_at, Progress.first_started_at), source
        )

    async def funnel(self, window: Window) -> dict[tuple[str, str], dict[str, int]]:
        """Per lesson and step: quiz answers at the first attempt with how many were right, keyed by
        (lesson, step id); and, keyed by (lesson, step position), how many learners who started in
        the period got at least that far (progress.furthest_step: one row per learner and lesson,
        instead of counting distinct learners over millions of "shown" events)."""
        result: dict[tuple[str, Any], dict[str, int]] = {}
        rows = await self.session.execute(
            select(Progress.lesson_id, Progress.furthest_step, func.count())
            .where(*self._progress(window, Progress.first_started_at))
            .group_by(Progress.lesson_id, Progress.furthest_step)
        )
        zero = {"reached": 0, "first_try": 0, "first_try_correct": 0}
        furthest: dict[str, dict[int, int]] = {}
        for lesson, step, count in rows.all():
            furthest.setdefault(lesson, {})[int(step or 0)] = int(count)
        for lesson, counts in furthest.items():
            at_least = 0
            for position in range(max(counts), -1, -1):  # learners who got to this step or further
                at_least += counts.get(position, 0)
                result.setdefault((lesson, position), dict(zero))["reached"] = at_least
        quiz = and_(StepEvent.kind == "answer", StepEvent.correct.is_not(None))
        rows = await self.session.execute(
            select(
                StepEvent.lesson_id,
                StepEvent.step_id,
                func.count(),
                func.sum(case((StepEvent.correct.is_(True), 1), else_=0)),
            )
            .where(*self._events(window, quiz, StepEvent.attempt == 1))
            .group_by(StepEvent.lesson_id, StepEvent.step_id)
        )
        for lesson, step, tries, right in rows.all():
            figures = result.setdefault((lesson, step), dict(zero))
            figures["first_try"], figures["first_try_correct"] = int(tries), int(right or 0)
        return result

    # --- people and places ------------------------------------------------------------------------

    async def units(self) -> list[Unit]:
        return list((await self.session.execute(select(Unit).order_by(Unit.id))).scalars())

    async def per_unit(self, window: Window, now: datetime) -> dict[str | None, dict[str, int]]:
        """Counts per unit id (learners, active in 7 days, started/completed learner-lessons, classes,
        volunteers, open help requests)."""
        result: dict[str | None, dict[str, int]] = {}

        def put(unit: str | None, key: str, value: Any) -> None:
            result.setdefault(unit, {})[key] = int(value or 0)

        # Of everyone who was a learner by the end of the period: those who became learners in it
        # (`_is_learner(new_in_period=True)`), and those last active within the 7 days before
        # `now` (the period's end, if earlier). One pass over the users for both.
        new = (
            case((not_(self._learning_before(window.since)), 1), else_=0)
            if window.since is not None
            else literal_column("1")
        )
        active = case((User.last_active_at >= now - timedelta(days=7), 1), else_=0)
        learners = select(User.unit_id, func.sum(new), func.sum(active)).where(*self._is_learner(window))
        for unit, total, active_count in (await self.session.execute(learners.group_by(User.unit_id))).all():
            put(unit, "learners", total)
            put(unit, "active_7d", active_count)
        # Learner-lesson pairs per unit (progress has one row per pair: a re-try is not a new start).
        for key, column in (
            ("started", Progress.first_started_at),
            ("completed", Progress.first_completed_at),
        ):
            pairs = (
                select(User.unit_id, func.count())
                .join(Progress, Progress.user_id == User.id)
                .where(*self._progress(window, column))
                .group_by(User.unit_id)
            )
            for unit, count in (await self.session.execute(pairs)).all():
                put(unit, key, count)
        classes = select(Class.unit_id, func.count()).where(*self._held(window, now)).group_by(Class.unit_id)
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

    def _held(self, window: Window, now: datetime) -> list[ColumnElement[bool]]:
        """Classes of the scope held in the period (`now` no longer matters: a session is held when
        it was started, see `held_sessions`)."""
        where = in_period(held_at(window), window)
        if window.scope is not None:
            where.append(Class.unit_id.in_(window.scope))
        return where

    def _class_learners(self, window: Window) -> Select[Any]:
        """(class id, learner id) of the learners who joined a class by the end of the period."""
        query = (
            select(Enrollment.class_id, Enrollment.user_id)
            .join(User, User.id == Enrollment.user_id)
            .where(User.role == "learner")  # joining a class makes a learner (`_is_learner`)
        )
        if window.until is not None:
            query = query.where(Enrollment.joined_at < window.until)
        return query

    async def classes(self, window: Window, now: datetime) -> list[dict[str, Any]]:
        """Classes held in the period, and those created in it that have not been held (yet): each
        with its learners (joined by the end of the period) and their lessons completed in it."""
        members = self._class_learners(window).subquery()
        enrolled = select(members.c.class_id, func.count().label("n")).group_by(members.c.class_id).subquery()
        # progress has one row per (learner, lesson): counting joined rows counts completed lessons.
        completions = (
            select(members.c.class_id, func.count().label("n"))
            .join(Progress, Progress.user_id == members.c.user_id)
            .where(*in_period(Progress.first_completed_at, window))
            .group_by(members.c.class_id)
            .subquery()
        )
        held = held_at(window)
        shown = or_(
            and_(*in_period(held, window)), and_(held.is_(None), *in_period(Class.created_at, window))
        )
        volunteer = User.__table__.alias("volunteer")
        query = (
            select(
                Class.id,
                Class.name,
                Class.unit_id,
                Class.place,
                held,
                Class.starts_at,
                volunteer.c.display_name,
                func.coalesce(enrolled.c.n, 0),
                func.coalesce(completions.c.n, 0),
            )
            .join(volunteer, volunteer.c.id == Class.volunteer_id)
            .outerjoin(enrolled, enrolled.c.class_id == Class.id)
            .outerjoin(completions, completions.c.class_id == Class.id)
            .where(shown)
            .order_by(Class.unit_id, Class.id)
        )
        if window.scope is not None:
            query = query.where(Class.unit_id.in_(window.scope))
        keys = (
            "id",
            "name",
            "unit_id",
            "place",
            "held_at",
            "scheduled_at",
            "volunteer",
            "learners",
            "completions",
        )
        return [dict(zip(keys, row, strict=True)) for row in (await self.session.execute(query)).all()]

    async def volunteers(self, window: Window, now: datetime) -> list[dict[str, Any]]:
        """Volunteers of the scope: classes they held in the period, the learners they tutor
        ("1 kèm 1"), those learners' lessons completed in the period, help requests answered in it."""
        anyone = Window(None, window.since, window.until)  # a tutored learner may live elsewhere
        classes = (
            select(Class.volunteer_id, func.count().label("n"))
            .where(*self._held(anyone, now))
            .group_by(Class.volunteer_id)
            .subquery()
        )
        paired = (
            select(Pairing.volunteer_id, func.count().label("n"))
            .join(User, User.id == Pairing.learner_id)
            .where(*self._is_learner(anyone))
            .group_by(Pairing.volunteer_id)
            .subquery()
        )
        completions = (
            select(Pairing.volunteer_id, func.count().label("n"))
            .join(Progress, Progress.user_id == Pairing.learner_id)
            .where(*self._progress(anyone, Progress.first_completed_at))
            .group_by(Pairing.volunteer_id)
            .subquery()
        )
        answered = (
            select(HelpRequest.volunteer_id, func.count().label("n"))
            .where(*in_period(HelpRequest.answered_at, window))
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
        """Every learner of the scope by the end of the period, with the lessons they first started
        and first completed in it, where they are now, their newest class and their volunteer."""
        started = case((and_(*in_period(Progress.first_started_at, window)), 1), else_=0)
        done = case((and_(*in_period(Progress.first_completed_at, window)), 1), else_=0)
        per_user = (
            select(Progress.user_id, func.sum(started).label("started"), func.sum(done).label("completed"))
            .group_by(Progress.user_id)
            .subquery()
        )
        current = Progress.__table__.alias("current")
        # Their newest class (by creation), joined rather than looked up per row: a correlated
        # subquery in the select list made SQLite sort every row of a 100k-learner list.
        newest = (
            select(Enrollment.user_id, func.max(Enrollment.class_id).label("class_id"))
            .group_by(Enrollment.user_id)
            .subquery()
        )
        klass = Class.__table__.alias("class")
        volunteer = User.__table__.alias("volunteer")
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
                klass.c.name,
                volunteer.c.display_name,
            )
            .outerjoin(per_user, per_user.c.user_id == User.id)
            .outerjoin(current, and_(current.c.user_id == User.id, current.c.lesson_id == User.lesson_id))
            .outerjoin(newest, newest.c.user_id == User.id)
            .outerjoin(klass, klass.c.id == newest.c.class_id)
            .outerjoin(Pairing, Pairing.learner_id == User.id)
            .outerjoin(volunteer, volunteer.c.id == Pairing.volunteer_id)
            .where(*self._is_learner(window))
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
            "class_name",
            "volunteer",
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
        source = source.where(*in_period(HelpRequest.created_at, window))
        medians = await self._median_by(
            literal_column("1"), self._minutes(HelpRequest.answered_at, HelpRequest.created_at), source
        )
        return {"open": int(open_count), "median_answer_minutes": next(iter(medians.values()), None)}

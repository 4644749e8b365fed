"""The one module that owns SQL for the bot's chat path. A `Repository` wraps one transaction."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, insert, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.store.models import (
    Assignment,
    Class,
    Enrollment,
    HelpRequest,
    Invite,
    Outbox,
    Pairing,
    ProcessedUpdate,
    Progress,
    Recheck,
    StepEvent,
    Unit,
    User,
)


class Repository:
    def __init__(self, session: AsyncSession):
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.bind.dialect.name

    def _insert(self, model: Any) -> Any:
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(model)

    # --- idempotency -------------------------------------------------------------------------

    async def claim_update(self, channel: str, update_id: str, now: datetime) -> bool:
        """Record an update id; False if it was already applied (a redelivery)."""
        stmt = _hot_statements(self.dialect)["claim_update"]
        # Core statements on the hot path go straight to the connection: the ORM session's
        # execute adds a tenth of a millisecond each for nothing here.
        connection = await self.session.connection()
        result = await connection.execute(stmt, {"p_channel": channel, "p_update_id": update_id, "p_at": now})
        return bool(result.rowcount)

    async def prune_updates(self, before: datetime) -> None:
        await self.session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.at < before))

    # --- users -------------------------------------------------------------------------------

    async def lock_user(
        self, channel: str, external_id: str, name: str | None, now: datetime
    ) -> tuple[User, bool]:
        """The user row, locked for this transaction (per-learner ordering); created if new.

        Usually one statement: UPDATE … RETURNING, which on PostgreSQL holds the row lock until
        commit exactly like SELECT … FOR UPDATE (SQLite has one writer anyway). A newcomer is
        inserted; if another worker inserted them a moment earlier, the update is tried again."""
        statements = _hot_statements(self.dialect)
        params = {"p_channel": channel, "p_external_id": external_id, "p_display_name": name, "p_now": now}
        for _attempt in range(2):
            user = (await self.session.execute(statements["touch_user"], params)).scalar_one_or_none()
            if user is not None:
                return user, False
            user = (await self.session.execute(statements["insert_user"], params)).scalar_one_or_none()
            if user is not None:
                return user, True
        raise RuntimeError("user row neither updated nor inserted")  # pragma: no cover

    async def user(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def user_by_external(self, channel: str, external_id: str) -> User | None:
        return (
            await self.session.execute(
                select(User).where(User.channel == channel, User.external_id == external_id)
            )
        ).scalar_one_or_none()

    # --- progress ----------------------------------------------------------------------------

    async def progress(self, user_id: int, lesson_id: str) -> Progress | None:
        return await self.session.get(Progress, (user_id, lesson_id))

    async def progress_map(self, user_id: int) -> dict[str, Progress]:
        rows = await self.session.execute(select(Progress).where(Progress.user_id == user_id))
        return {p.lesson_id: p for p in rows.scalars()}

    def add(self, obj: Any) -> None:
        self.session.add(obj)

    async def flush(self) -> None:
        await self.session.flush()

    def add_event(
        self,
        user_id: int,
        lesson_id: str,
        step_id: str,
        kind: str,
        now: datetime,
        *,
        answer: str | None = None,
        correct: bool | None = None,
        attempt: int = 1,
    ) -> None:
        self.session.add(
            StepEvent(
                user_id=user_id,
                lesson_id=lesson_id,
                step_id=step_id,
                kind=kind,
                answer=answer,
                correct=correct,
                attempt=attempt,
                at=now,
            )
        )

    async def last_answer(self, user_id: int, lesson_id: str) -> StepEvent | None:
        return (
            await self.session.execute(
                select(StepEvent)
                .where(
                    StepEvent.user_id == user_id, StepEvent.lesson_id == lesson_id, StepEvent.kind == "answer"
                )
                .order_by(StepEvent.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()

    async def events(self, user_id: int, lesson_id: str | None = None) -> Sequence[StepEvent]:
        query = select(StepEvent).where(StepEvent.user_id == user_id)
        if lesson_id is not None:
            query = query.where(StepEvent.lesson_id == lesson_id)
        return (await self.session.execute(query.order_by(StepEvent.id))).scalars().all()

    # --- outbox ------------------------------------------------------------------------------

    async def enqueue(
        self,
        user_id: int,
        channel: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        due_at: datetime | None = None,
        claim_for: timedelta | None = None,
    ) -> int:
        (outbox_id,) = await self.enqueue_many(
            [
                {
                    "user_id": user_id,
                    "channel": channel,
                    "payload": payload,
                    "due_at": due_at or now,
                    "claimed_until": (now + claim_for) if claim_for else None,
                }
            ],
            now,
        )
        return outbox_id

    async def enqueue_many(self, rows: list[dict[str, Any]], now: datetime) -> list[int]:
        """Insert messages in one round trip; their ids, in order."""
        if not rows:
            return []
        values = [
            {
                "created_at": now,
                "attempts": 0,
                "failed": False,
                "due_at": now,
                "claimed_until": None,
                "is_reply": False,
                **row,
            }
            for row in rows
        ]
        stmt = _hot_statements(self.dialect)["enqueue"]
        connection = await self.session.connection()
        return list((await connection.execute(stmt, values)).scalars())

    async def claim_outbox(
        self, channel: str, now: datetime, lease: timedelta, limit: int = 50
    ) -> list[tuple[Outbox, str]]:
        """Due, unsent messages for a channel with the recipient's platform id, leased so another
        worker does not send them too.

        A reply to the user's own message is superseded once the user's conversation has moved on to
        a later turn (its sender died before marking it sent; the user answered it or went on):
        resending it would bring back an old screen, so it is marked sent instead. Messages from
        others (a volunteer's answer, a reminder) are never superseded."""
        later = Outbox.__table__.alias("later")
        superseded = and_(
            Outbox.is_reply.is_(True),
            select(later.c.id)
            .where(
                later.c.user_id == Outbox.user_id,
                later.c.is_reply.is_(True),
                later.c.created_at > Outbox.created_at,
            )
            .exists(),
        )
        query: Select[Any] = (
            select(Outbox, User.external_id, superseded)
            .join(User, User.id == Outbox.user_id)
            .where(
                Outbox.channel == channel,
                Outbox.sent_at.is_(None),
                Outbox.failed.is_(False),
                Outbox.due_at <= now,
                User.deleted_at.is_(None),
                or_(Outbox.claimed_until.is_(None), Outbox.claimed_until < now),
            )
            .order_by(Outbox.id)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            query = query.with_for_update(of=Outbox, skip_locked=True)
        rows = []
        for row, external, old in (await self.session.execute(query)).all():
            if old:
                row.sent_at = now
                continue
            row.claimed_until = now + lease
            row.attempts += 1
            rows.append((row, external))
        return rows

    async def mark_sent(self, ids: Iterable[int], now: datetime) -> None:
        ids = list(ids)
        if ids:
            connection = await self.session.connection()
            await connection.execute(_hot_statements(self.dialect)["mark_sent"], {"p_ids": ids, "p_at": now})

    async def mark_failed(self, outbox_id: int) -> None:
        await self.session.execute(update(Outbox).where(Outbox.id == outbox_id).values(failed=True))

    async def release(self, outbox_id: int, retry_at: datetime) -> None:
        """Give a message back to the queue (flood control): due again at `retry_at`."""
        await self.session.execute(
            update(Outbox).where(Outbox.id == outbox_id).values(claimed_until=None, due_at=retry_at)
        )

    async def prune_outbox(self, before: datetime) -> None:
        await self.session.execute(delete(Outbox).where(Outbox.sent_at.is_not(None), Outbox.sent_at < before))

    async def pending_for_user(self, user_id: int) -> int:
        return (
            await self.session.execute(
                select(func.count())
                .select_from(Outbox)
                .where(Outbox.user_id == user_id, Outbox.sent_at.is_(None))
            )
        ).scalar_one()

    # --- help requests -----------------------------------------------------------------------

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

    # --- assignments -------------------------------------------------------------------------

    async def assigned_lessons(self, learner_id: int) -> list[str]:
        """Lessons assigned to the learner or to a class they joined, newest first."""
        classes = select(Enrollment.class_id).where(Enrollment.user_id == learner_id)
        rows = await self.session.execute(
            select(Assignment.lesson_id)
            .where(or_(Assignment.learner_id == learner_id, Assignment.class_id.in_(classes)))
            .order_by(Assignment.id.desc())
        )
        seen: list[str] = []
        for (lesson_id,) in rows:
            if lesson_id not in seen:
                seen.append(lesson_id)
        return seen

    # --- re-checks ---------------------------------------------------------------------------

    async def has_rechecks(self, user_id: int, lesson_id: str) -> bool:
        found = await self.session.execute(
            select(Recheck.id).where(Recheck.user_id == user_id, Recheck.lesson_id == lesson_id).limit(1)
        )
        return found.first() is not None

    # --- volunteers --------------------------------------------------------------------------

    async def helpers_for(self, learner: User) -> list[User]:
        """Who should hear a learner's help request: the paired volunteer, else the unit's volunteers."""
        paired = (
            await self.session.execute(
                select(User)
                .join(Pairing, Pairing.volunteer_id == User.id)
                .where(
                    Pairing.learner_id == learner.id,
                    User.deleted_at.is_(None),
                    User.role.in_(("volunteer", "organizer")),
                )
            )
        ).scalar_one_or_none()
        if paired is not None:
            return [paired]
        if learner.unit_id is None:
            return []
        rows = await self.session.execute(
            select(User)
            .where(User.unit_id == learner.unit_id, User.role == "volunteer", User.deleted_at.is_(None))
            .order_by(User.id)
            .limit(20)
        )
        return list(rows.scalars())

    # --- privacy -----------------------------------------------------------------------------

    async def erase_personal_data(self, user_id: int) -> None:
        """Delete what ties a person to their activity; anonymous counting rows stay."""
        await self.session.execute(delete(HelpRequest).where(HelpRequest.learner_id == user_id))
        await self.session.execute(delete(Pairing).where(Pairing.learner_id == user_id))
        await self.session.execute(delete(Outbox).where(Outbox.user_id == user_id, Outbox.sent_at.is_(None)))
        await self.session.execute(update(Outbox).where(Outbox.user_id == user_id).values(payload={}))
        await self.session.execute(delete(Recheck).where(Recheck.user_id == user_id))

    # --- units -------------------------------------------------------------------------------

    async def upsert_unit(self, unit_id: str, name: str, parent_id: str | None, kind: str) -> None:
        existing = await self.session.get(Unit, unit_id)
        if existing is None:
            self.session.add(Unit(id=unit_id, name=name, parent_id=parent_id, kind=kind))
        else:
            existing.name, existing.parent_id, existing.kind = name, parent_id, kind

    async def units(self) -> Sequence[Unit]:
        return (await self.session.execute(select(Unit).order_by(Unit.id))).scalars().all()

    async def unit(self, unit_id: str) -> Unit | None:
        return await self.session.get(Unit, unit_id)

    async def scope(self, unit_id: str | None) -> list[str] | None:
        """The unit and every unit under it; None means everything (an organizer without a unit)."""
        if unit_id is None:
            return None
        tree = select(Unit.id).where(Unit.id == unit_id).cte("tree", recursive=True)
        tree = tree.union_all(select(Unit.id).where(Unit.parent_id == tree.c.id))
        return list((await self.session.execute(select(tree.c.id))).scalars())

    async def ancestors(self, unit_id: str | None) -> list[str]:
        """The unit and the units above it (for escalation to organizers)."""
        found: list[str] = []
        while unit_id is not None and unit_id not in found:
            found.append(unit_id)
            unit = await self.session.get(Unit, unit_id)
            unit_id = unit.parent_id if unit else None
        return found

    # --- roles -------------------------------------------------------------------------------

    async def grant(
        self, channel: str, external_id: str, role: str, unit_id: str | None, now: datetime
    ) -> User:
        user = await self.user_by_external(channel, external_id)
        if user is None:
            user = User(
                channel=channel,
                external_id=external_id,
                role=role,
                unit_id=unit_id,
                created_at=now,
                last_active_at=now,
                state={},
                reminders_paused=False,
                reminders_unanswered=0,
            )
            self.session.add(user)
        else:
            user.role = role
            if unit_id is not None:
                user.unit_id = unit_id
        await self.session.flush()
        return user

    async def organizers_for(self, unit_id: str | None) -> list[User]:
        """Organizers whose scope covers the unit: of the unit or a unit above it, or of everything."""
        units = await self.ancestors(unit_id)
        rows = await self.session.execute(
            select(User)
            .where(
                User.role == "organizer",
                User.deleted_at.is_(None),
                or_(User.unit_id.is_(None), User.unit_id.in_(units)) if units else User.unit_id.is_(None),
            )
            .order_by(User.id)
        )
        return list(rows.scalars())

    async def people(self, role: str, scope: list[str] | None, limit: int = 50) -> list[User]:
        query = select(User).where(User.role == role, User.deleted_at.is_(None))
        if scope is not None:
            query = query.where(User.unit_id.in_(scope))
        return list((await self.session.execute(query.order_by(User.id).limit(limit))).scalars())

    # --- invites and classes -----------------------------------------------------------------

    async def invite_by_code(self, code: str) -> Invite | None:
        return (
            await self.session.execute(
                select(Invite).where(or_(Invite.code == code, Invite.short_code == code))
            )
        ).scalar_one_or_none()

    async def class_by_code(self, code: str) -> Class | None:
        return (
            await self.session.execute(select(Class).where(or_(Class.code == code, Class.short_code == code)))
        ).scalar_one_or_none()

    async def class_(self, class_id: int) -> Class | None:
        return await self.session.get(Class, class_id)

    async def classes_of(self, volunteer_id: int) -> list[tuple[Class, int]]:
        """A volunteer's classes, newest first, with their number of learners."""
        count = (
            select(func.count())
            .select_from(Enrollment)
            .where(Enrollment.class_id == Class.id)
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(Class, count).where(Class.volunteer_id == volunteer_id).order_by(Class.id.desc()).limit(20)
        )
        return [(row, n) for row, n in rows.all()]

    async def enroll(self, class_id: int, user_id: int, now: datetime) -> bool:
        stmt = self._insert(Enrollment).values(class_id=class_id, user_id=user_id, joined_at=now)
        return bool((await self.session.execute(stmt.on_conflict_do_nothing())).rowcount)

    async def enrolled(self, class_id: int) -> list[User]:
        rows = await self.session.execute(
            select(User)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.class_id == class_id, User.deleted_at.is_(None))
        )
        return list(rows.scalars())

    async def class_of_learner(self, learner_id: int) -> Class | None:
        return (
            await self.session.execute(
                select(Class)
                .join(Enrollment, Enrollment.class_id == Class.id)
                .where(Enrollment.user_id == learner_id)
                .order_by(Enrollment.joined_at.desc())
                .limit(1)
            )
        ).scalar_one_or_none()

    # --- pairings ----------------------------------------------------------------------------

    async def pair(self, learner_id: int, volunteer_id: int, now: datetime, replace: bool = False) -> bool:
        existing = await self.session.get(Pairing, learner_id)
        if existing is not None:
            if not replace:
                return False
            existing.volunteer_id, existing.since = volunteer_id, now
            return True
        self.session.add(Pairing(learner_id=learner_id, volunteer_id=volunteer_id, since=now))
        return True

    async def paired_volunteer(self, learner_id: int) -> User | None:
        return (
            await self.session.execute(
                select(User)
                .join(Pairing, Pairing.volunteer_id == User.id)
                .where(Pairing.learner_id == learner_id)
            )
        ).scalar_one_or_none()

    async def learners_of(
        self, volunteer_id: int, limit: int = 30
    ) -> list[tuple[User, Progress | None, int]]:
        """A volunteer's paired learners: each with the progress of the lesson they are in, or else
        of the lesson they worked on last (finished, or left), and their open requests."""
        open_help = (
            select(func.count())
            .select_from(HelpRequest)
            .where(HelpRequest.learner_id == User.id, HelpRequest.status == "open")
            .scalar_subquery()
        )
        other = aliased(Progress)
        last_lesson = (
            select(other.lesson_id)
            .where(other.user_id == User.id)
            .order_by(other.updated_at.desc(), other.lesson_id)
            .limit(1)
            .correlate(User)
            .scalar_subquery()
        )
        lesson = func.coalesce(User.lesson_id, last_lesson)
        rows = await self.session.execute(
            select(User, Progress, open_help)
            .join(Pairing, Pairing.learner_id == User.id)
            .outerjoin(Progress, and_(Progress.user_id == User.id, Progress.lesson_id == lesson))
            .where(Pairing.volunteer_id == volunteer_id, User.deleted_at.is_(None))
            .order_by(User.last_active_at.desc())
            .limit(limit)
        )
        return [(user, progress, n) for user, progress, n in rows.all()]

    # --- help requests for volunteers ---------------------------------------------------------

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

    # --- reminders and re-checks --------------------------------------------------------------

    async def idle_learners(
        self, idle_before: datetime, reminded_before: datetime, max_unanswered: int, limit: int = 200
    ) -> list[int]:
        rows = await self.session.execute(
            select(User.id)
            .where(
                User.lesson_id.is_not(None),
                User.deleted_at.is_(None),
                User.reminders_paused.is_(False),
                User.reminders_unanswered < max_unanswered,
                User.last_active_at < idle_before,
                or_(User.last_reminder_at.is_(None), User.last_reminder_at < reminded_before),
            )
            .order_by(User.last_active_at)
            .limit(limit)
        )
        return list(rows.scalars())

    async def due_rechecks(self, now: datetime, limit: int = 200) -> list[Recheck]:
        rows = await self.session.execute(
            select(Recheck)
            .join(User, User.id == Recheck.user_id)
            .where(
                Recheck.sent_at.is_(None),
                Recheck.due_at <= now,
                User.deleted_at.is_(None),
                User.reminders_paused.is_(False),
            )
            .order_by(Recheck.due_at)
            .limit(limit)
        )
        return list(rows.scalars())

    async def recheck(self, recheck_id: int) -> Recheck | None:
        return await self.session.get(Recheck, recheck_id)

    async def lock_user_id(self, user_id: int) -> User | None:
        return (
            await self.session.execute(
                select(User)
                .where(User.id == user_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()


@functools.cache
def _hot_statements(dialect: str) -> dict[str, Any]:
    """Statements run on every update, built once with bound parameters: building them per call
    cost more than running them (bench/README.md)."""
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # The table, not the mapped class: with parameters, an ORM insert would take the bulk path,
    # whose result has no rowcount.
    claim = insert_for(ProcessedUpdate.__table__).values(
        channel=bindparam("p_channel"), update_id=bindparam("p_update_id"), at=bindparam("p_at")
    )
    users = User.__table__
    touch = (
        update(users)
        .where(users.c.channel == bindparam("p_channel"), users.c.external_id == bindparam("p_external_id"))
        .values(last_active_at=bindparam("p_now"))
        .returning(*users.c)
    )
    create = (
        insert_for(users)
        .values(
            channel=bindparam("p_channel"),
            external_id=bindparam("p_external_id"),
            display_name=bindparam("p_display_name"),
            role="learner",
            created_at=bindparam("p_now"),
            last_active_at=bindparam("p_now"),
            state={},
            reminders_paused=False,
            reminders_unanswered=0,
        )
        .on_conflict_do_nothing()
        .returning(*users.c)
    )
    outbox = Outbox.__table__
    return {
        "enqueue": insert(outbox).returning(outbox.c.id, sort_by_parameter_order=True),
        "mark_sent": update(outbox)
        .where(outbox.c.id.in_(bindparam("p_ids", expanding=True)))
        .values(sent_at=bindparam("p_at")),
        "claim_update": claim.on_conflict_do_nothing(),
        "touch_user": select(User).from_statement(touch).execution_options(populate_existing=True),
        "insert_user": select(User).from_statement(create).execution_options(populate_existing=True),
    }

"""The one module that owns SQL for the bot's chat path. A `Repository` wraps one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import (
    Assignment,
    Enrollment,
    HelpRequest,
    Outbox,
    Pairing,
    ProcessedUpdate,
    Progress,
    Recheck,
    StepEvent,
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
        stmt = self._insert(ProcessedUpdate).values(channel=channel, update_id=update_id, at=now)
        result = await self.session.execute(stmt.on_conflict_do_nothing())
        return bool(result.rowcount)

    async def prune_updates(self, before: datetime) -> None:
        await self.session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.at < before))

    # --- users -------------------------------------------------------------------------------

    async def lock_user(
        self, channel: str, external_id: str, name: str | None, now: datetime
    ) -> tuple[User, bool]:
        """The user row, locked for this transaction (per-learner ordering); created if new."""
        stmt = self._insert(User).values(
            channel=channel,
            external_id=external_id,
            display_name=name,
            role="learner",
            created_at=now,
            last_active_at=now,
            state={},
            reminders_paused=False,
            reminders_unanswered=0,
        )
        created = bool((await self.session.execute(stmt.on_conflict_do_nothing())).rowcount)
        user = (
            await self.session.execute(
                select(User)
                .where(User.channel == channel, User.external_id == external_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalar_one()
        return user, created

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
        row = Outbox(
            user_id=user_id,
            channel=channel,
            payload=payload,
            created_at=now,
            due_at=due_at or now,
            claimed_until=(now + claim_for) if claim_for else None,
            attempts=0,
            failed=False,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def claim_outbox(
        self, channel: str, now: datetime, lease: timedelta, limit: int = 50
    ) -> list[tuple[Outbox, str]]:
        """Due, unsent messages for a channel with the recipient's platform id, leased so another
        worker does not send them too."""
        query: Select[Any] = (
            select(Outbox, User.external_id)
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
        rows = [(row, external) for row, external in (await self.session.execute(query)).all()]
        for row, _external in rows:
            row.claimed_until = now + lease
            row.attempts += 1
        return rows

    async def mark_sent(self, ids: Iterable[int], now: datetime) -> None:
        ids = list(ids)
        if ids:
            await self.session.execute(update(Outbox).where(Outbox.id.in_(ids)).values(sent_at=now))

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

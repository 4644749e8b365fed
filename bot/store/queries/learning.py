"""Lessons and progress: progress rows, step events, assignments, re-checks, idle learners."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select

from bot.store.models import Assignment, Enrollment, Progress, Recheck, StepEvent, User
from bot.store.queries.base import Queries


class LearningQueries(Queries):
    async def progress(self, user_id: int, lesson_id: str) -> Progress | None:
        return await self.session.get(Progress, (user_id, lesson_id))

    async def progress_map(self, user_id: int) -> dict[str, Progress]:
        rows = await self.session.execute(select(Progress).where(Progress.user_id == user_id))
        return {p.lesson_id: p for p in rows.scalars()}

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

    async def has_rechecks(self, user_id: int, lesson_id: str) -> bool:
        found = await self.session.execute(
            select(Recheck.id).where(Recheck.user_id == user_id, Recheck.lesson_id == lesson_id).limit(1)
        )
        return found.first() is not None

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

"""Lessons and progress: progress rows, step events, assignments, re-checks, idle learners."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select

from bot.store.models import Progress, Recheck, StepEvent, User
from bot.store.queries.base import Queries
from bot.store.queries.hot import hot_statements


class LearningQueries(Queries):
    async def progress(self, user_id: int, lesson_id: str) -> Progress | None:
        known = self.work.known(Progress, user_id, lesson_id)
        if known is not None:
            return known
        params = {"p_user_id": user_id, "p_lesson_id": lesson_id}
        rows = await self.work.sql.rows(hot_statements(self.dialect)["progress"], params)
        return self.work.load(Progress, rows[0]) if rows else None

    async def progress_map(self, user_id: int) -> dict[str, Progress]:
        rows = await self.work.sql.rows(hot_statements(self.dialect)["progress_all"], {"p_user_id": user_id})
        return {row["lesson_id"]: self.work.load(Progress, row) for row in rows}

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
        # A plain row, inserted with the transaction's other writes: nothing reads it back before.
        self.work.insert_later(
            StepEvent.__table__,
            {
                "user_id": user_id,
                "lesson_id": lesson_id,
                "step_id": step_id,
                "kind": kind,
                "answer": answer,
                "correct": correct,
                "attempt": attempt,
                "at": now,
            },
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
        rows = await self.work.sql.rows(hot_statements(self.dialect)["assigned"], {"p_user_id": learner_id})
        seen: list[str] = []
        for row in rows:
            if row["lesson_id"] not in seen:
                seen.append(row["lesson_id"])
        return seen

    async def has_rechecks(self, user_id: int, lesson_id: str) -> bool:
        params = {"p_user_id": user_id, "p_lesson_id": lesson_id}
        return bool(await self.work.sql.rows(hot_statements(self.dialect)["has_recheck"], params))

    async def right_answers(self, user_id: int, lesson_id: str, since: datetime) -> set[str]:
        """Steps of a lesson the learner answered right since `since` (written before this
        transaction: like every query here, it does not see this update's own new events)."""
        params = {"p_user_id": user_id, "p_lesson_id": lesson_id}
        rows = await self.work.sql.rows(hot_statements(self.dialect)["lesson_events"], params)
        return {
            row["step_id"]
            for row in rows
            if row["kind"] == "answer" and row["correct"] and row["at"] >= since
        }

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

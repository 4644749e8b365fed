"""Classes, invitations, enrollments and 1 kèm 1 pairings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import aliased

from bot.store.models import Class, Enrollment, HelpRequest, Invite, Pairing, Progress, User
from bot.store.queries.base import Queries


class ClassQueries(Queries):
    async def invite_by_code(self, code: str) -> Invite | None:
        return (
            await self.session.execute(
                select(Invite).where(or_(Invite.code == code, Invite.short_code == code))
            )
        ).scalar_one_or_none()

    async def use_invite(self, code: str, now: datetime) -> int | None:
        """Count one use of an invitation if it has one left and has not expired: the number of
        uses it now has, or None. One conditional UPDATE … RETURNING, so that concurrent joins on
        PostgreSQL cannot take more uses than the limit (each waits for the row and re-checks)."""
        stmt = (
            update(Invite)
            .where(Invite.code == code, Invite.uses < Invite.max_uses, Invite.expires_at > now)
            .values(uses=Invite.uses + 1)
            .returning(Invite.uses)
            .execution_options(synchronize_session=False)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def invites_in(self, scope: list[str] | None, now: datetime, limit: int = 20) -> list[Invite]:
        """Invitations that still work (not expired, uses left) for units in `scope` (None: all)."""
        query = select(Invite).where(Invite.expires_at > now, Invite.uses < Invite.max_uses)
        if scope is not None:
            query = query.where(Invite.unit_id.in_(scope))
        rows = await self.session.execute(query.order_by(Invite.created_at.desc()).limit(limit))
        return list(rows.scalars())

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

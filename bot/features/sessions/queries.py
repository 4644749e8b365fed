"""Queries only the sessions feature needs (the open session of a volunteer is the store's:
`Repository.open_session_of`, `session_is_open`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, func, select

from bot.store import Repository
from bot.store.models import Attendance, ClassSession, Enrollment, User


async def class_figures(repo: Repository, class_id: int) -> tuple[int, int]:
    """(held sessions, attendance «lượt») of one class."""
    held, walk_ins = (
        await repo.session.execute(
            select(func.count(), func.coalesce(func.sum(ClassSession.walk_ins), 0)).where(
                ClassSession.class_id == class_id, ClassSession.held_at.is_not(None)
            )
        )
    ).one()
    checked = (
        await repo.session.execute(
            select(func.count())
            .select_from(Attendance)
            .join(ClassSession, ClassSession.id == Attendance.session_id)
            .where(ClassSession.class_id == class_id, ClassSession.held_at.is_not(None))
        )
    ).scalar_one()
    return int(held), int(walk_ins) + int(checked)


async def planned(
    repo: Repository, class_id: int, after: datetime, before: datetime | None = None
) -> list[ClassSession]:
    """Sessions planned (not started) from `after` (and before `before`), soonest first."""
    query = select(ClassSession).where(
        ClassSession.class_id == class_id, ClassSession.held_at.is_(None), ClassSession.starts_at >= after
    )
    if before is not None:
        query = query.where(ClassSession.starts_at < before)
    return list((await repo.session.execute(query.order_by(ClassSession.starts_at).limit(3))).scalars())


async def checked_in(repo: Repository, session_id: int) -> int:
    return int(
        (
            await repo.session.execute(
                select(func.count()).select_from(Attendance).where(Attendance.session_id == session_id)
            )
        ).scalar_one()
    )


async def roster(repo: Repository, session: ClassSession, offset: int, limit: int) -> list[tuple[User, bool]]:
    """The class's learners (enrolled), each with whether they are marked present."""
    rows = await repo.session.execute(
        select(User, Attendance.user_id.is_not(None))
        .join(Enrollment, Enrollment.user_id == User.id)
        .outerjoin(Attendance, and_(Attendance.user_id == User.id, Attendance.session_id == session.id))
        .where(Enrollment.class_id == session.class_id, User.deleted_at.is_(None))
        .order_by(User.id)
        .offset(offset)
        .limit(limit)
    )
    return [(user, bool(present)) for user, present in rows.all()]


async def enrolled_count(repo: Repository, class_id: int) -> int:
    return int(
        (
            await repo.session.execute(
                select(func.count())
                .select_from(Enrollment)
                .join(User, User.id == Enrollment.user_id)
                .where(Enrollment.class_id == class_id, User.deleted_at.is_(None))
            )
        ).scalar_one()
    )


async def check_in(repo: Repository, session_id: int, user_id: int, how: str, now: datetime) -> bool:
    """Mark a learner present (once per session); False if they already were."""
    return await repo.insert_new(Attendance, session_id=session_id, user_id=user_id, how=how, at=now)


async def untick(repo: Repository, session_id: int, user_id: int) -> None:
    await repo.session.execute(
        delete(Attendance).where(Attendance.session_id == session_id, Attendance.user_id == user_id)
    )


async def is_enrolled(repo: Repository, class_id: int, user_id: int) -> bool:
    return await repo.session.get(Enrollment, (class_id, user_id)) is not None

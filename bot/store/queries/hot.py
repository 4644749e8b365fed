"""The statements every update runs, built once per dialect and run by `bot.store.hotsql`."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.models import (
    Assignment,
    Enrollment,
    Outbox,
    ProcessedUpdate,
    Progress,
    Recheck,
    StepEvent,
    User,
)


@functools.cache
def hot_statements(dialect: str) -> dict[str, Any]:
    """Statements run on every update, built once with bound parameters: building them per call
    cost more than running them (bench/README.md)."""
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    claim = insert_for(ProcessedUpdate.__table__).values(
        channel=bindparam("p_channel"), update_id=bindparam("p_update_id"), at=bindparam("p_at")
    )
    users = User.__table__
    progress = Progress.__table__
    outbox = Outbox.__table__
    events = StepEvent.__table__
    rechecks = Recheck.__table__
    assignments = Assignment.__table__
    enrollments = Enrollment.__table__
    return {
        "claim_update": claim.on_conflict_do_nothing(),
        # UPDATE … RETURNING: on PostgreSQL it holds the row lock until commit, like SELECT … FOR UPDATE.
        "user": select(*users.c).where(
            users.c.channel == bindparam("p_channel"), users.c.external_id == bindparam("p_external_id")
        ),
        "touch_user": update(users)
        .where(users.c.channel == bindparam("p_channel"), users.c.external_id == bindparam("p_external_id"))
        .values(last_active_at=bindparam("p_now"))
        .returning(*users.c),
        "insert_user": insert_for(users)
        .values(
            channel=bindparam("p_channel"),
            external_id=bindparam("p_external_id"),
            display_name=bindparam("p_display_name"),
            bot=bindparam("p_bot"),
            role="learner",
            created_at=bindparam("p_now"),
            last_active_at=bindparam("p_now"),
            state={},
            reminders_paused=False,
            reminders_unanswered=0,
        )
        .on_conflict_do_nothing()
        .returning(*users.c),
        "progress": select(*progress.c).where(
            progress.c.user_id == bindparam("p_user_id"), progress.c.lesson_id == bindparam("p_lesson_id")
        ),
        "progress_all": select(*progress.c).where(progress.c.user_id == bindparam("p_user_id")),
        # A lesson's end: which quizzes were answered right in this run, re-checks planned yet,
        # what a volunteer assigned (the menu offers it next).
        # (Only the learner and lesson in SQL: with more conditions SQLite picks the reports'
        # covering index and reads the whole lesson's answers.)
        "lesson_events": select(events.c.step_id, events.c.kind, events.c.correct, events.c.at).where(
            events.c.user_id == bindparam("p_user_id"), events.c.lesson_id == bindparam("p_lesson_id")
        ),
        "has_recheck": select(rechecks.c.id)
        .where(rechecks.c.user_id == bindparam("p_user_id"), rechecks.c.lesson_id == bindparam("p_lesson_id"))
        .limit(1),
        "assigned": select(assignments.c.lesson_id)
        .where(
            or_(
                assignments.c.learner_id == bindparam("p_user_id"),
                assignments.c.class_id.in_(
                    select(enrollments.c.class_id).where(enrollments.c.user_id == bindparam("p_user_id"))
                ),
            )
        )
        .order_by(assignments.c.id.desc()),
        "mark_sent": update(outbox)
        .where(outbox.c.id.in_(bindparam("p_ids", expanding=True)))
        .values(sent_at=bindparam("p_at")),
    }

"""The statements every update runs, built once per dialect."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.models import Outbox, ProcessedUpdate, User


@functools.cache
def hot_statements(dialect: str) -> dict[str, Any]:
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

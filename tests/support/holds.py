"""Hold one learner's turn open, as an earlier update of theirs still being handled would."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from bot.core.engine import Tutor
from bot.core.events import Actor
from bot.store import Database


@contextlib.asynccontextmanager
async def turn_held(tutor: Tutor, actor: Actor) -> AsyncIterator[None]:
    """While the block runs, `actor`'s updates wait; nobody else's should.

    On PostgreSQL, another connection locks the learner's row FOR UPDATE: a second worker in the
    middle of their update (the learner must exist). SQLite has a single writer, so there the
    tutor's own per-learner queue is held: what an update of theirs still in flight holds."""
    if tutor.db.is_sqlite:
        async with tutor._lock(actor):
            yield
        return
    other = Database(tutor.db.url)
    try:
        async with other.transaction() as repo:
            user = await repo.user_by_external(actor.channel, actor.external_id)
            assert user is not None, "the learner must exist before their row can be held"
            await repo.lock_user_id(user.id)
            yield
    finally:
        await other.close()

"""Housekeeping and logs (issue 13, items 8 and 9): old messages — sent, failed, undeliverable or
never sent — are pruned in small batches by an index, every ten minutes rather than every tick; log
lines and tracebacks carry no tokens or phone numbers, and database errors no values."""

from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import IntegrityError

from bot.core.scheduler import Scheduler
from bot.logs import setup_logging
from bot.store import Database
from bot.store.models import Outbox, ProcessedUpdate, User

FIXED_NOW = datetime(2026, 11, 4, 3, 0)  # naive UTC, as stored: no test reads the wall clock

pytestmark = pytest.mark.dates

TOKEN = "123456789:AAHtestTOKENforHocVuSoStandInXYZabcde"


def outbox_rows(user_id: int, count: int, created, sent=None, failed=False) -> list[dict]:
    return [
        {
            "user_id": user_id,
            "channel": "telegram",
            "payload": {"text": "👋 Bà Lan đã vào lớp «Lớp thôn 3»."},
            "is_reply": False,
            "created_at": created,
            "due_at": created,
            "claimed_until": None,
            "sent_at": sent,
            "attempts": 1,
            "failed": failed,
        }
        for _ in range(count)
    ]


async def test_old_messages_of_every_kind_are_pruned_in_batches(tutor, clock, monkeypatch) -> None:
    import bot.core.scheduler as scheduler_module

    monkeypatch.setattr(scheduler_module, "PRUNE_BATCH", 100, raising=False)
    now = clock.now
    old, stale, recent = now - timedelta(days=9), now - timedelta(days=31), now - timedelta(days=1)
    async with tutor.db.transaction() as repo:
        user = await repo.grant("telegram", "7001", "learner", None, now)
        connection = await repo.session.connection()
        rows = (
            outbox_rows(user.id, 250, old, sent=old)  # sent long ago
            + outbox_rows(user.id, 120, old, failed=True)  # undeliverable (blocked the bot)
            + outbox_rows(user.id, 30, stale)  # never sent: a channel switched off
            + outbox_rows(user.id, 50, recent, sent=recent)  # kept: recent
            + outbox_rows(user.id, 10, recent)  # kept: still to send
        )
        await connection.execute(insert(Outbox.__table__), rows)
        await connection.execute(
            insert(ProcessedUpdate.__table__),
            [
                {"channel": "telegram", "update_id": str(n), "at": old if n < 120 else recent}
                for n in range(125)
            ],
        )
    deletes: list[tuple[str, int]] = []

    def count_deletes(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM OUTBOX"):
            deletes.append((statement, cursor.rowcount))

    event.listen(tutor.db.engine.sync_engine, "after_cursor_execute", count_deletes)
    scheduler = Scheduler(tutor)
    await scheduler.tick(now)
    async with tutor.db.reader() as repo:
        left = (await repo.session.execute(select(func.count()).select_from(Outbox))).scalar_one()
        updates = (await repo.session.execute(select(func.count()).select_from(ProcessedUpdate))).scalar_one()
    assert (left, updates) == (60, 5)
    assert [count for _sql, count in deletes] == [100, 100, 100, 100, 0]  # one short transaction each
    if tutor.db.is_sqlite:  # the batch is found by the created_at index, not by reading the table
        sql = deletes[0][0]
        async with tutor.db.reader() as repo:
            connection = await repo.session.connection()
            plan = (await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (now, now, now, 100))).all()
        details = " ".join(str(row[-1]) for row in plan)
        assert "ix_outbox_created" in details and "SCAN outbox" not in details, details
    # Every ten minutes, not every tick.
    async with tutor.db.transaction() as repo:
        connection = await repo.session.connection()
        await connection.execute(insert(Outbox.__table__), outbox_rows(user.id, 5, old, failed=True))
    await scheduler.tick(clock.advance(minutes=5))
    assert len(deletes) == 5
    await scheduler.tick(clock.advance(minutes=6))
    async with tutor.db.reader() as repo:
        assert (await repo.session.execute(select(func.count()).select_from(Outbox))).scalar_one() == 60


@pytest.fixture
def operator_log():
    """What the operator's log handler (bot.logs.setup_logging) writes, as text."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging("INFO")
    stream = io.StringIO()
    root.handlers[0].setStream(stream)
    yield stream
    root.handlers[:], level = saved
    root.setLevel(level)


def test_tracebacks_are_redacted(operator_log) -> None:
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed for 0912 345 678")
    except RuntimeError:
        logging.getLogger("hocvuso.test").exception("sending failed")
    text = operator_log.getvalue()
    assert "Traceback" in text and "RuntimeError" in text
    assert TOKEN.split(":")[1] not in text and "0912 345 678" not in text
    assert "bot<token>/sendMessage" in text and "<phone>" in text


async def test_database_errors_carry_no_values(db_url: str, operator_log) -> None:
    db = Database(db_url)
    await db.migrate()
    row = {
        "channel": "telegram",
        "external_id": "0912345678",
        "display_name": "Nguyễn Thị Lan",
        "role": "learner",
        "created_at": FIXED_NOW,
        "last_active_at": FIXED_NOW,
        "state": {},
        "reminders_paused": False,
        "reminders_unanswered": 0,
    }
    try:
        with pytest.raises(IntegrityError) as info:
            async with db.transaction() as repo:
                await repo.session.execute(insert(User.__table__), [row, row])  # the same person twice
        logging.getLogger("hocvuso.test").error("failed: %s", info.value)
        logging.getLogger("hocvuso.test").exception("failed", exc_info=info.value)
    finally:
        await db.close()
    for text in (str(info.value), operator_log.getvalue()):
        assert "Nguyễn Thị Lan" not in text and "0912345678" not in text
    assert "parameters hidden" in str(info.value)

"""SQLite's one writer, with group commit.

A SQLite file has one writer at a time, so the bot keeps one connection for writing and queues its
transactions on it (an asyncio lock: arrival order, and the busy handler never blocks the loop).
Transactions that queue up while another runs are committed together: each runs in a SAVEPOINT of
the same database transaction (one that fails is rolled back alone), and the last one in line
commits for all. Nobody returns before the COMMIT that holds their writes, so "committed before
acknowledged" holds for each of them; what is saved is the BEGIN/COMMIT pair and the WAL write per
update, which under load was a good part of an update's cost (bench/README.md).

A learner's own updates never share a batch: the tutor lets one of them in at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.hotsql import CoreHotSql, SqliteHotSql

MAX_BATCH = 32  # transactions per commit, at most
MAX_BATCH_SECONDS = 0.02  # a batch older than this commits, whoever waits


class SqliteWriter:
    def __init__(self, engine: AsyncEngine):
        self.engine = engine
        self._conn: AsyncConnection | None = None
        self._raw: Any = None
        self._sql: Any = None
        self._lock = asyncio.Lock()
        self._waiting = 0  # transactions queued for the lock
        self._pending: list[asyncio.Future[None]] = []  # done, waiting for the COMMIT
        self._batch_started = 0.0
        self.commits = 0  # how many COMMITs (the benchmark reports transactions per commit)
        self.transactions = 0

    async def _connection(self) -> AsyncConnection:
        if self._conn is None:
            conn = await self.engine.connect()
            raw = (await conn.get_raw_connection()).driver_connection
            self._conn, self._raw = conn, getattr(raw, "_conn", None)
            self._sql = (
                SqliteHotSql(self._raw, self.engine.dialect) if self._raw is not None else CoreHotSql(conn)
            )
        return self._conn

    @property
    def raw(self) -> Any:
        """The sqlite3 connection under the writer's SQLAlchemy connection (None if not inline)."""
        return self._raw

    async def enter(self) -> bool:
        """Wait for the writer and start a transaction in the open batch (or open one). Returns
        whether it opened the batch; pass that to `leave`."""
        first = await self._enter()
        # The first of a batch needs no savepoint: if it fails, the whole (so far empty) batch is
        # rolled back. Those after it each get one, so that a failure loses only its own writes.
        if not first:
            try:
                await self._savepoint("SAVEPOINT hocvuso_turn")
            except BaseException:
                await self._leave(ok=False)
                raise
        return first

    async def leave(self, first: bool, ok: bool) -> None:
        """End the transaction: kept (returns once committed) or rolled back."""
        if not ok:
            try:
                if first:
                    await self._rollback()
                else:
                    await self._savepoint("ROLLBACK TO hocvuso_turn")
                    await self._savepoint("RELEASE hocvuso_turn")
            finally:
                await self._leave(ok=False)
            return
        try:
            if not first:
                await self._savepoint("RELEASE hocvuso_turn")
        except BaseException:
            await self._leave(ok=False)
            raise
        committed = await self._leave(ok=True)
        assert committed is not None
        await committed

    @property
    def conn(self) -> AsyncConnection:
        assert self._conn is not None
        return self._conn

    @property
    def sql(self) -> Any:
        """The chat path's statements on this connection (bot.store.hotsql)."""
        return self._sql

    async def _savepoint(self, sql: str) -> None:
        if self._raw is not None:
            self._raw.execute(sql).close()
        else:
            assert self._conn is not None
            await self._conn.exec_driver_sql(sql)

    async def _begin(self, conn: AsyncConnection) -> None:
        if self._raw is None:
            await conn.begin()  # BEGIN IMMEDIATE (bot.store.db)
        else:
            # On the raw connection: SQLAlchemy's own begin and commit cost more than a small
            # update. A session opened in the batch joins it (bot.store.db) and SQLAlchemy then
            # commits it (_commit), so its view of the connection stays true.
            self._raw.execute("BEGIN IMMEDIATE").close()

    def _open(self, conn: AsyncConnection) -> bool:
        return bool(self._raw.in_transaction) if self._raw is not None else conn.in_transaction()

    async def _finish(self, commit: bool) -> None:
        conn = self._conn
        assert conn is not None
        if self._raw is None or conn.in_transaction():
            await (conn.commit() if commit else conn.rollback())
        elif commit:
            self._raw.commit()
        else:
            self._raw.rollback()

    async def _rollback(self) -> None:
        if self._conn is not None:
            try:
                await self._finish(commit=False)
            except Exception:
                await self._reset()

    async def _enter(self) -> bool:
        """Wait for the writer; True if this transaction opens a new batch."""
        self._waiting += 1
        try:
            await self._lock.acquire()
        except BaseException:
            self._waiting -= 1
            if self._pending and not self._lock.locked():
                # We were the one in line to commit others' work: someone else must.
                asyncio.get_running_loop().create_task(self._commit_soon())
            raise
        self._waiting -= 1
        try:
            conn = await self._connection()
            if self._open(conn):
                return False
            # Opening a batch: first let the tasks that are ready run up to this lock, so that
            # they join it. (With SQLite inline on the loop a transaction never waits, so without
            # this pause nobody would ever queue behind it.)
            await asyncio.sleep(0)
            await self._begin(conn)
            self._batch_started = time.monotonic()
        except BaseException:
            await self._reset()
            self._lock.release()
            raise
        return True

    async def _leave(self, ok: bool) -> asyncio.Future[None] | None:
        """Leave the lock; commit unless another transaction is about to join this batch."""
        future: asyncio.Future[None] | None = None
        try:
            if ok:
                future = asyncio.get_running_loop().create_future()
                self._pending.append(future)
                self.transactions += 1
            if (
                not self._waiting
                or len(self._pending) >= MAX_BATCH
                or time.monotonic() - self._batch_started > MAX_BATCH_SECONDS
            ):
                await self._commit()
        finally:
            self._lock.release()
        return future

    async def _commit(self) -> None:
        """COMMIT what is pending (under the lock) and wake its owners."""
        pending, self._pending = self._pending, []
        conn = self._conn
        if conn is None or not self._open(conn):
            for future in pending:
                if not future.done():
                    future.set_result(None)
            return
        try:
            await self._finish(commit=True)
            self.commits += 1
        except BaseException as exc:
            await self._reset()
            for future in pending:
                if not future.done():
                    future.set_exception(
                        exc if isinstance(exc, Exception) else RuntimeError("commit cancelled")
                    )
            if not isinstance(exc, Exception):
                raise
            return
        for future in pending:
            if not future.done():
                future.set_result(None)

    async def _commit_soon(self) -> None:
        async with self._lock:
            if self._pending:
                await self._commit()

    async def _reset(self) -> None:
        """After a failed BEGIN or COMMIT: drop the connection; the next transaction opens a new one."""
        conn, raw, self._conn, self._raw = self._conn, self._raw, None, None
        if raw is not None:
            with contextlib.suppress(Exception):
                raw.rollback()
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.rollback()
            with contextlib.suppress(Exception):
                await conn.close()

    async def close(self) -> None:
        async with self._lock:
            if self._pending:
                await self._commit()
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    await self._conn.close()
                self._conn = self._raw = None

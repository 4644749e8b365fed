"""An aiosqlite-shaped connection that runs SQLite calls inline, on the event loop's own thread.

Why: SQLAlchemy's aiosqlite adapter makes four round trips to aiosqlite's worker thread for every
statement (cursor, execute, fetch, close); with ~10 statements per learner update that hand-off cost
was more than half of the time an update took (bench/README.md). A local SQLite statement in WAL mode
takes tens of microseconds, so running it inline is cheaper than handing it to a thread.

Plugged in through SQLAlchemy's documented `async_creator` hook, so the dialect, pool and every
query stay the stock `sqlite+aiosqlite` ones. The trade-off: a statement waiting on another
*process*'s write lock blocks the loop (up to busy_timeout). The bot's own writers queue on an
asyncio lock first (Database.transaction), so this only happens when a second process writes the
same file — for several processes, use PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any


class _InlineQueue:
    """Stands in for aiosqlite's request queue, which SQLAlchemy uses to set isolation_level."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:  # pragma: no cover - setting isolation_level does not fail
            future.set_exception(exc)


class InlineCursor:
    def __init__(self, cursor: sqlite3.Cursor):
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    def __init__(self, database: str, **kwargs: Any):
        self._conn = sqlite3.connect(database, check_same_thread=False, **kwargs)
        self._connection = self._conn  # SQLAlchemy checks this attribute before commit/rollback
        self._tx = _InlineQueue()

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    def stop(self) -> None:
        """SQLAlchemy's forced termination of an aiosqlite connection."""
        self._conn.close()


def inline_creator(path: str) -> Callable[[], Any]:
    async def connect() -> InlineConnection:
        return InlineConnection(path)

    return connect

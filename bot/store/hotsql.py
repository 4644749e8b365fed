"""Running the chat path's statements with as little machinery as each database allows.

The statements are SQLAlchemy Core, written once (`bot.store.queries.hot`). On SQLite they are
compiled once and then run on the raw `sqlite3` connection, with SQLAlchemy's own type conversions
(dates, JSON, booleans) applied to the parameters and rows: a Core statement through the async
adapter costs ~130 µs, the same statement on `sqlite3` ~10 µs, and an update runs about eight of
them (bench/README.md). Elsewhere (PostgreSQL) they run through SQLAlchemy Core on the connection.

Both backends answer the same four calls: `rows`, `run`, `insert`, `update`. Rows are plain dicts
keyed by column name.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import DateTime, Table, and_, bindparam, insert, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any] | None


class HotSql(Protocol):
    async def rows(self, stmt: ClauseElement, params: dict[str, Any]) -> list[dict[str, Any]]: ...
    async def run(self, stmt: ClauseElement, params: dict[str, Any]) -> int: ...
    async def insert(self, table: Table, rows: list[dict[str, Any]], *, ids: bool = False) -> list[int]: ...
    async def update(self, table: Table, key: dict[str, Any], values: dict[str, Any]) -> None: ...


def insert_statement(table: Table, keys: Sequence[str]) -> ClauseElement:
    return insert(table).values({k: bindparam(k, type_=table.c[k].type) for k in keys})


def update_statement(table: Table, key: Sequence[str], keys: Sequence[str]) -> ClauseElement:
    return (
        update(table)
        .where(and_(*(table.c[k] == bindparam(f"k_{k}", type_=table.c[k].type) for k in key)))
        .values({k: bindparam(f"v_{k}", type_=table.c[k].type) for k in keys})
    )


def _bind(type_: Any, dialect: Dialect) -> Processor:
    impl = type_.dialect_impl(dialect)
    processor = impl.bind_processor(dialect)
    if processor is not None and isinstance(impl, DateTime) and dialect.name == "sqlite":
        # SQLAlchemy's own format ("2026-11-04 03:00:00.000000", microseconds always), from C.
        def fast(value: Any, slow: Callable[[Any], Any] = processor) -> Any:
            if isinstance(value, datetime) and value.tzinfo is None:
                return value.isoformat(" ", "microseconds")
            return slow(value)

        return fast
    return processor


def _result(type_: Any, dialect: Dialect) -> Processor:
    impl = type_.dialect_impl(dialect)
    processor = impl.result_processor(dialect, None)
    if processor is not None and isinstance(impl, DateTime) and dialect.name == "sqlite":

        def fast(value: Any, slow: Callable[[Any], Any] = processor) -> Any:
            try:
                return datetime.fromisoformat(value)
            except (TypeError, ValueError):
                return slow(value)

        return fast
    return processor


class _Prepared:
    """A statement compiled for SQLite: its SQL, its parameters in order with their converters, and
    its result columns with theirs."""

    __slots__ = ("_bind_steps", "_result_steps", "binds", "columns", "fixed", "names", "results", "sql")

    def __init__(self, stmt: ClauseElement, dialect: Dialect):
        compiled = stmt.compile(dialect=dialect)
        self.sql = compiled.string
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        self.binds: tuple[Processor, ...] = tuple(
            _bind(compiled.binds[name].type, dialect) for name in self.names
        )
        # Values written into the statement itself (`.values(role="learner")`) rather than passed.
        self.fixed: dict[str, Any] = {
            name: compiled.binds[name].effective_value
            for name in self.names
            if not compiled.binds[name].required
        }
        exported = list(getattr(stmt, "exported_columns", ()) or ())
        self.columns: tuple[str, ...] = tuple(column.key for column in exported)
        self.results: tuple[Processor, ...] = tuple(_result(column.type, dialect) for column in exported)
        # Only the values that need converting (dates, JSON, booleans) are touched per row.
        self._bind_steps = [(i, p) for i, p in enumerate(self.binds) if p is not None]
        self._result_steps = [(i, p) for i, p in enumerate(self.results) if p is not None]

    def parameters(self, values: dict[str, Any]) -> tuple[Any, ...]:
        if self.fixed:
            values = self.fixed | values
        found = [values[name] for name in self.names]
        for index, convert in self._bind_steps:
            if found[index] is not None:
                found[index] = convert(found[index])
        return tuple(found)

    def row(self, raw: Sequence[Any]) -> dict[str, Any]:
        found = list(raw)
        for index, convert in self._result_steps:
            if found[index] is not None:
                found[index] = convert(found[index])
        return dict(zip(self.columns, found, strict=True))


class SqliteHotSql:
    """Statements on the raw sqlite3 connection under the SQLAlchemy connection (same transaction).
    Nothing here awaits: a local SQLite statement is cheaper than a hand-off (see _inline_sqlite)."""

    # Compiled once per process. Keyed by the statement object for the fixed statements (which live
    # as long as the process: bot.store.queries.hot caches them), by shape for inserts and updates.
    _fixed: dict[int, tuple[ClauseElement, _Prepared]] = {}
    _shaped: dict[Any, _Prepared] = {}

    def __init__(self, raw: sqlite3.Connection, dialect: Dialect):
        self.raw = raw
        self.dialect = dialect

    def _compiled(self, stmt: ClauseElement) -> _Prepared:
        found = self._fixed.get(id(stmt))
        if found is None or found[0] is not stmt:
            found = self._fixed[id(stmt)] = (stmt, _Prepared(stmt, self.dialect))
        return found[1]

    def _prepared(self, key: Any, build: Callable[[], ClauseElement]) -> _Prepared:
        prepared = self._shaped.get(key)
        if prepared is None:
            prepared = self._shaped[key] = _Prepared(build(), self.dialect)
        return prepared

    async def rows(self, stmt: ClauseElement, params: dict[str, Any]) -> list[dict[str, Any]]:
        prepared = self._compiled(stmt)
        cursor = self.raw.execute(prepared.sql, prepared.parameters(params))
        try:
            return [prepared.row(raw) for raw in cursor.fetchall()]
        finally:
            cursor.close()

    async def run(self, stmt: ClauseElement, params: dict[str, Any]) -> int:
        prepared = self._compiled(stmt)
        cursor = self.raw.execute(prepared.sql, prepared.parameters(params))
        count = cursor.rowcount
        cursor.close()
        return count

    async def insert(self, table: Table, rows: list[dict[str, Any]], *, ids: bool = False) -> list[int]:
        found = []
        if not ids and len({tuple(row) for row in rows}) == 1:  # one statement for them all
            keys = tuple(rows[0])
            prepared = self._prepared(("insert", table.name, keys), lambda: insert_statement(table, keys))
            self.raw.executemany(prepared.sql, [prepared.parameters(row) for row in rows]).close()
            return found
        for row in rows:
            keys = tuple(row)
            prepared = self._prepared(("insert", table.name, keys), lambda k=keys: insert_statement(table, k))
            cursor = self.raw.execute(prepared.sql, prepared.parameters(row))
            if ids:
                found.append(int(cursor.lastrowid or 0))
            cursor.close()
        return found

    async def update(self, table: Table, key: dict[str, Any], values: dict[str, Any]) -> None:
        columns, keys = tuple(key), tuple(values)
        prepared = self._prepared(
            ("update", table.name, columns, keys), lambda: update_statement(table, columns, keys)
        )
        params = {f"k_{k}": v for k, v in key.items()} | {f"v_{k}": v for k, v in values.items()}
        self.raw.execute(prepared.sql, prepared.parameters(params)).close()


class CoreHotSql:
    """The same calls through SQLAlchemy Core on the transaction's connection (PostgreSQL)."""

    _statements: dict[Any, ClauseElement] = {}

    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    def _statement(self, key: Any, build: Callable[[], ClauseElement]) -> ClauseElement:
        stmt = self._statements.get(key)
        if stmt is None:
            stmt = self._statements[key] = build()
        return stmt

    async def rows(self, stmt: ClauseElement, params: dict[str, Any]) -> list[dict[str, Any]]:
        result = await self.conn.execute(stmt, params)
        return [dict(row._mapping) for row in result]

    async def run(self, stmt: ClauseElement, params: dict[str, Any]) -> int:
        return (await self.conn.execute(stmt, params)).rowcount

    async def insert(self, table: Table, rows: list[dict[str, Any]], *, ids: bool = False) -> list[int]:
        if not rows:
            return []
        if not ids:
            await self.conn.execute(insert(table), rows)
            return []
        stmt = self._statement(
            ("insert-ids", table.name),
            lambda: insert(table).returning(table.c.id, sort_by_parameter_order=True),
        )
        return list((await self.conn.execute(stmt, rows)).scalars())

    async def update(self, table: Table, key: dict[str, Any], values: dict[str, Any]) -> None:
        columns, keys = tuple(key), tuple(values)
        stmt = self._statement(
            ("update", table.name, columns, keys), lambda: update_statement(table, columns, keys)
        )
        params = {f"k_{k}": v for k, v in key.items()} | {f"v_{k}": v for k, v in values.items()}
        await self.conn.execute(stmt, params)

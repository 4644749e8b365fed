"""Engine, transactions and migrations. SQLite (embedded default) and PostgreSQL share one schema."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.store._inline_sqlite import inline_creator
from bot.store.hotsql import CoreHotSql, HotSql, SqliteHotSql
from bot.store.repository import Repository
from bot.store.unit_of_work import UnitOfWork
from bot.store.writer import SqliteWriter

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
T = TypeVar("T")


class DatabaseError(Exception):
    """The database cannot be used; the message is one line for the operator."""


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _sqlite_setup(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own handling defers it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a committed transaction survives a killed process (only power loss can
        # drop the last commits), at a fraction of FULL's fsync cost.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writers take the write lock up front so two transactions never deadlock upgrading a
        # read lock; readers start a plain (deferred) transaction and see a WAL snapshot. The
        # writer's batches begin on the raw connection (bot.store.writer): joined, not begun again.
        raw = connection.connection.driver_connection
        if getattr(getattr(raw, "_conn", None), "in_transaction", False):
            return
        if connection.get_execution_options().get("hocvuso_readonly"):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    def __init__(self, url: str, *, echo: bool = False):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # An error's message never carries the statement's values (a learner's name, a phone number).
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_sqlite:
            # Every unit of work ends in an explicit COMMIT or ROLLBACK: the pool's own rollback on
            # check-in would be a wasted round trip.
            kwargs.update(pool_reset_on_return=None)
            path = make_url(url).database
            if path and path != ":memory:":
                kwargs.update(async_creator=inline_creator(path))
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        try:
            self.engine = create_async_engine(url, **kwargs)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise DatabaseError(f"database_url is not usable: {exc.__class__.__name__}: {exc}") from None
        if self.is_sqlite:
            _sqlite_setup(self.engine)
        self._readonly_engine = self.engine.execution_options(hocvuso_readonly=True)
        # One SQLite file has one writer at a time: one connection writes, transactions queue for
        # it in arrival order and those that queued together commit together (bot.store.writer).
        self.writer = SqliteWriter(self.engine) if self.is_sqlite else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _hot_sql(self, conn: AsyncConnection, raw: Any) -> HotSql:
        return SqliteHotSql(raw, self.engine.dialect) if raw is not None else CoreHotSql(conn)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repository]:
        """One unit of work: committed when the block ends (not before it returns), rolled back
        on any exception."""
        writer = self.writer
        if writer is not None:
            first = await writer.enter()
            work = UnitOfWork(writer.conn, writer.sql, self.dialect)
            try:
                yield Repository(work)
                await work.finish()
            except BaseException:
                await work.discard()
                await writer.leave(first, ok=False)
                raise
            await writer.leave(first, ok=True)
            return
        async with self.engine.connect() as conn:
            await conn.begin()
            work = UnitOfWork(conn, CoreHotSql(conn), self.dialect)
            try:
                yield Repository(work)
                await work.finish()
            except BaseException:
                await work.discard()
                await conn.rollback()
                raise
            await conn.commit()

    @contextlib.asynccontextmanager
    async def reader(self) -> AsyncIterator[Repository]:
        """A read-only transaction (a snapshot on SQLite's WAL), on its own connection."""
        async with self._readonly_engine.connect() as conn:
            await conn.begin()
            raw = None
            if self.is_sqlite:
                raw = getattr((await conn.get_raw_connection()).driver_connection, "_conn", None)
            work = UnitOfWork(conn, self._hot_sql(conn, raw), self.dialect)
            try:
                yield Repository(work)
            finally:
                await work.discard()
                await conn.rollback()

    async def read_in_thread(self, work: Callable[[Repository], Awaitable[T]]) -> T:
        """Run a long read-only job (a report) in a worker thread, on a connection of its own in a
        read-only transaction: the event loop keeps serving learners meanwhile, and no write lock
        or row lock is held. An in-memory SQLite database exists only on its own connection, so
        there the job runs here."""
        if self.is_sqlite and make_url(self.url).database in (None, "", ":memory:"):
            async with self.reader() as repo:
                return await work(repo)

        async def on_own_connection() -> T:
            own = Database(self.url)
            try:
                async with own.reader() as repo:
                    return await work(repo)
            finally:
                await own.close()

        return await asyncio.to_thread(asyncio.run, on_own_connection())

    async def migrate(self) -> None:
        """Bring the schema to the newest migration (safe to call from several processes)."""
        try:
            async with self.engine.begin() as connection:
                if not self.is_sqlite:
                    # Two workers starting together must not both create the tables.
                    await connection.execute(text("SELECT pg_advisory_xact_lock(7242001)"))
                await connection.run_sync(lambda sync: command.upgrade(_alembic_config(sync), "head"))
        except (OSError, SQLAlchemyError) as exc:
            raise DatabaseError(f"cannot open the database: {_reason(exc)}") from None

    async def schema_status(self) -> tuple[str | None, str]:
        """(current revision, newest revision)."""
        head = ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""
        async with self.engine.connect() as connection:
            current = await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
        return current, head

    async def close(self) -> None:
        if self.writer is not None:
            await self.writer.close()
        await self.engine.dispose()


def _reason(exc: BaseException) -> str:
    origin = getattr(exc, "orig", None) or exc
    return f"{origin.__class__.__name__}: {str(origin).splitlines()[0] if str(origin) else ''}"

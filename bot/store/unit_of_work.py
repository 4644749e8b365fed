"""One transaction's rows, written with a few plain statements unless the ORM is really needed.

A learner's step touches the same few rows every time: their user row, one progress row, new step
events and outbox messages. Those are loaded and written here with the chat path's own statements
(`bot.store.hotsql`) instead of an ORM session, whose unit of work (identity map, flush ordering,
per-attribute history) cost more than the rest of the update together (bench/README.md).

The objects are still the mapped classes (`User`, `Progress`…), detached from any session, so the
features read and change them as before; SQLAlchemy's attribute history says which columns changed.
The first time a query needs the ORM (`.session`), a session is opened on the same connection and
transaction and everything loaded or added so far is handed over to it: from then on the session
owns those objects, and the transaction behaves exactly like a session-only one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, inspect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.attributes import instance_state

from bot.store.hotsql import HotSql


def _identity(obj: Any) -> tuple[Any, ...]:
    table: Table = obj.__table__
    return (type(obj), *(getattr(obj, column.key) for column in table.primary_key))


def _column_values(obj: Any) -> dict[str, Any]:
    """What an INSERT of a new object writes: set attributes, else the column's Python default."""
    table: Table = obj.__table__
    values = obj.__dict__
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.key in values and values[column.key] is not None:
            row[column.key] = values[column.key]
        elif column.primary_key and column.autoincrement is not False and len(table.primary_key) == 1:
            continue  # the database numbers it
        elif column.default is not None and column.default.is_scalar:
            row[column.key] = column.default.arg
        elif column.default is not None and column.default.is_callable:
            row[column.key] = column.default.arg(None)
        else:
            row[column.key] = values.get(column.key)
    return row


_MAPPINGS: dict[type, tuple[Any, tuple[str, ...]]] = {}


def _mapping(cls: type) -> tuple[Any, tuple[str, ...]]:
    """A mapped class's mapper (configured) and primary key column names, looked up once."""
    found = _MAPPINGS.get(cls)
    if found is None:
        mapper = inspect(cls)
        if not mapper.configured:
            configure_mappers()  # what the first query or constructor would have done
        found = _MAPPINGS[cls] = (mapper, tuple(c.key for c in mapper.local_table.primary_key))
    return found


class UnitOfWork:
    def __init__(self, conn: AsyncConnection, sql: HotSql, dialect: str):
        self.conn = conn
        self.sql = sql
        self.dialect = dialect
        self._session: AsyncSession | None = None
        self._loaded: dict[tuple[Any, ...], Any] = {}  # identity -> detached object
        self._added: list[Any] = []  # new objects, inserted at the end
        self._rows: list[tuple[Table, dict[str, Any]]] = []  # plain rows (step events), inserted at the end

    # --- the ORM, when a query needs it --------------------------------------------------------

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            # Joins this transaction in a SAVEPOINT of its own: a failed flush rolls back only the
            # session's writes, never the transaction it joined (see bot.store.writer). SQLite's
            # writer began it on the raw connection: SQLAlchemy is told first (no statement is
            # sent, bot.store.db), or the session would take the transaction as its own and its
            # commit would end the whole batch, savepoints and all.
            if not self.conn.in_transaction():
                self.conn.sync_connection.begin()
            session = AsyncSession(
                bind=self.conn,
                join_transaction_mode="create_savepoint",
                autoflush=False,
                expire_on_commit=False,
            )
            session.add_all(self._loaded.values())
            session.add_all(self._added)
            self._added = []
            self._session = session
        return self._session

    # --- objects -------------------------------------------------------------------------------

    def known(self, cls: type, *key: Any) -> Any | None:
        """The object with this primary key if this transaction already has it (loaded or added)."""
        identity = (cls, *key)
        found = self._loaded.get(identity)
        if found is not None:
            return found
        if self._session is not None:
            mapper = inspect(cls)
            found = self._session.identity_map.get(mapper.identity_key_from_primary_key(list(key)))
            if found is not None:
                return found
        for obj in self._added if self._session is None else self._session.new:
            if isinstance(obj, cls) and _identity(obj) == identity:
                return obj
        return None

    def load(self, cls: type, row: dict[str, Any]) -> Any:
        """A row as a mapped object tracked by this transaction (the one already here, if any)."""
        mapper, keys = _mapping(cls)
        key = tuple(row[name] for name in keys)
        found = self.known(cls, *key)
        if found is not None:
            return found
        # As the ORM's loader builds an object (no __init__, no change events), then detached: it
        # has a primary key, no pending changes, and no session yet.
        obj = mapper.class_manager.new_instance()
        state = instance_state(obj)
        state.dict.update(row)
        state.key = (cls, key, None)  # the ORM's identity key: class, primary key, no token
        if self._session is not None:
            self._session.add(obj)
        else:
            self._loaded[(cls, *key)] = obj
        return obj

    def add(self, obj: Any) -> None:
        if self._session is not None:
            self._session.add(obj)
        else:
            self._added.append(obj)

    def insert_later(self, table: Table, row: dict[str, Any]) -> None:
        """A row nobody reads back in this transaction (a step event): inserted at the end."""
        self._rows.append((table, row))

    # --- the end -------------------------------------------------------------------------------

    async def finish(self) -> None:
        """Write what changed. Called once, inside the transaction, before it commits."""
        if self._session is not None:
            await self._session.commit()  # flushes, then releases the session's savepoint
        else:
            for obj in self._loaded.values():
                state = instance_state(obj)
                if not state.committed_state:
                    continue
                table: Table = obj.__table__
                changed = {name: state.dict.get(name) for name in state.committed_state}
                key = {column.key: state.dict[column.key] for column in table.primary_key}
                await self.sql.update(table, key, changed)
            for obj in self._added:
                await self.sql.insert(obj.__table__, [_column_values(obj)])
        by_table: dict[Table, list[dict[str, Any]]] = {}
        for table, row in self._rows:
            by_table.setdefault(table, []).append(row)
        for table, rows in by_table.items():
            await self.sql.insert(table, rows)

    async def discard(self) -> None:
        """The transaction is being rolled back: let go of the session, if one was opened."""
        if self._session is not None:
            await self._session.close()

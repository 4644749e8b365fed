"""What every query module shares: one transaction's unit of work, its ORM session (opened on
first use) and the dialect's insert."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.unit_of_work import UnitOfWork


class Queries:
    """One transaction; the aggregate modules of this package add their queries. The chat path's
    own queries use `self.work` (plain statements); every other query uses `self.session`."""

    def __init__(self, work: UnitOfWork):
        self.work = work

    @property
    def session(self) -> AsyncSession:
        return self.work.session

    @property
    def dialect(self) -> str:
        return self.work.dialect

    def _insert(self, model: Any) -> Any:
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(model)

    def add(self, obj: Any) -> None:
        self.work.add(obj)

    async def flush(self) -> None:
        await self.session.flush()

    async def insert_new(self, model: Any, **values: Any) -> bool:
        """Insert a row unless one with the same key exists (no error, even in a race): True if inserted."""
        statement = self._insert(model).values(**values).on_conflict_do_nothing()
        return bool((await self.session.execute(statement)).rowcount)

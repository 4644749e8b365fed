"""What every query module shares: the session of one transaction and the dialect's insert."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


class Queries:
    """One transaction's session; the aggregate modules of this package add their queries."""

    def __init__(self, session: AsyncSession):
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.bind.dialect.name

    def _insert(self, model: Any) -> Any:
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(model)

    def add(self, obj: Any) -> None:
        self.session.add(obj)

    async def flush(self) -> None:
        await self.session.flush()

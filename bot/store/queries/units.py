"""The unit tree (province → commune) and scopes: a unit and everything under it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot.store.models import Unit
from bot.store.queries.base import Queries


class UnitQueries(Queries):
    async def upsert_unit(self, unit_id: str, name: str, parent_id: str | None, kind: str) -> None:
        existing = await self.session.get(Unit, unit_id)
        if existing is None:
            self.session.add(Unit(id=unit_id, name=name, parent_id=parent_id, kind=kind))
        else:
            existing.name, existing.parent_id, existing.kind = name, parent_id, kind

    async def units(self) -> Sequence[Unit]:
        return (await self.session.execute(select(Unit).order_by(Unit.id))).scalars().all()

    async def unit(self, unit_id: str) -> Unit | None:
        return await self.session.get(Unit, unit_id)

    async def scope(self, unit_id: str | None) -> list[str] | None:
        """The unit and every unit under it; None means everything (an organizer without a unit)."""
        if unit_id is None:
            return None
        tree = select(Unit.id).where(Unit.id == unit_id).cte("tree", recursive=True)
        tree = tree.union_all(select(Unit.id).where(Unit.parent_id == tree.c.id))
        return list((await self.session.execute(select(tree.c.id))).scalars())

    async def ancestors(self, unit_id: str | None) -> list[str]:
        """The unit and the units above it (for escalation to organizers)."""
        found: list[str] = []
        while unit_id is not None and unit_id not in found:
            found.append(unit_id)
            unit = await self.session.get(Unit, unit_id)
            unit_id = unit.parent_id if unit else None
        return found

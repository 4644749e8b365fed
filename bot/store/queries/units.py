"""The unit tree (province → commune) and scopes: a unit and everything under it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, text

from bot.store.models import Unit
from bot.store.queries.base import Queries


class UnitLoopError(ValueError):
    """A unit would end up under itself."""

    def __init__(self, unit_id: str, chain: list[str]):
        super().__init__(f"unit '{unit_id}' would be under itself: {' → '.join(chain)}")
        self.unit_id, self.chain = unit_id, chain


class UnitQueries(Queries):
    async def upsert_unit(self, unit_id: str, name: str, parent_id: str | None, kind: str) -> None:
        """Create or change one unit, written at once (see upsert_units)."""
        await self.upsert_units([[(unit_id, name, parent_id, kind)]])

    async def upsert_units(self, levels: Sequence[Sequence[tuple[str, str, str | None, str]]]) -> None:
        """Create or change units given as (id, name, parent_id, kind), a level of the tree at a
        time, top first (a foreign key: a parent is written before its children). A parent that
        would put a unit under itself raises UnitLoopError: every scope walk relies on the tree
        ending."""
        known = {unit.id: unit for unit in await self.units()}  # one query, not one per row

        def above(unit_id: str | None) -> list[str]:
            chain: list[str] = []
            while unit_id is not None and unit_id not in chain:
                chain.append(unit_id)
                unit_id = known[unit_id].parent_id if unit_id in known else None
            return chain

        for level in levels:
            for unit_id, name, parent_id, kind in level:
                chain = above(parent_id)
                if unit_id in chain:
                    raise UnitLoopError(unit_id, [unit_id, *chain[: chain.index(unit_id) + 1]])
                unit = known.get(unit_id)
                if unit is None:
                    known[unit_id] = Unit(id=unit_id, name=name, parent_id=parent_id, kind=kind)
                    self.session.add(known[unit_id])
                else:
                    unit.name, unit.parent_id, unit.kind = name, parent_id, kind
            await self.session.flush()

    async def lock_unit_tree(self) -> None:
        """Hold off other writers of the tree until commit, so that two imports checked at the same
        time cannot make a loop together (PostgreSQL; SQLite's single writer refuses the second)."""
        if self.dialect == "postgresql":
            await self.session.execute(text("LOCK TABLE units IN SHARE ROW EXCLUSIVE MODE"))

    async def units(self) -> Sequence[Unit]:
        return (await self.session.execute(select(Unit).order_by(Unit.id))).scalars().all()

    async def unit(self, unit_id: str) -> Unit | None:
        return await self.session.get(Unit, unit_id)

    async def scope(self, unit_id: str | None) -> list[str] | None:
        """The unit and every unit under it; None means everything (an organizer without a unit)."""
        if unit_id is None:
            return None
        # UNION, not UNION ALL: a unit met twice is not walked again, so a loop that an old
        # database holds (imports now refuse them) ends instead of running forever.
        tree = select(Unit.id).where(Unit.id == unit_id).cte("tree", recursive=True)
        tree = tree.union(select(Unit.id).where(Unit.parent_id == tree.c.id))
        return list((await self.session.execute(select(tree.c.id))).scalars())

    async def ancestors(self, unit_id: str | None) -> list[str]:
        """The unit and the units above it (for escalation to organizers)."""
        found: list[str] = []
        while unit_id is not None and unit_id not in found:
            found.append(unit_id)
            unit = await self.session.get(Unit, unit_id)
            unit_id = unit.parent_id if unit else None
        return found

"""Who may act on what: an organizer's scope is their unit and every unit under it (everything,
if they have no unit). Every volunteer and organizer handler checks its untrusted argument here."""

from __future__ import annotations

from bot.core.turn import Turn


async def organizer_covers(turn: Turn, unit_id: str | None) -> bool:
    """An organizer acts on anything in their unit's subtree (everything, without a unit)."""
    if turn.user.role != "organizer":
        return False
    scope = await turn.repo.scope(turn.user.unit_id)
    return scope is None or unit_id in scope


async def organizer_scope(turn: Turn) -> list[str] | None:
    """The unit ids an organizer covers (None: all); None for anyone else, who has no unit scope."""
    return await turn.repo.scope(turn.user.unit_id) if turn.user.role == "organizer" else None

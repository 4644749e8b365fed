"""Who may act on what: an organizer's scope is their unit and every unit under it (everything,
if they have no unit). Every volunteer and organizer handler checks its untrusted argument here."""

from __future__ import annotations

from bot.core.turn import Turn
from bot.store.models import Class, OutreachEvent, Team, Unit


async def organizer_covers(turn: Turn, unit_id: str | None) -> bool:
    """An organizer acts on anything in their unit's subtree (everything, without a unit)."""
    if turn.user.role != "organizer":
        return False
    scope = await turn.repo.scope(turn.user.unit_id)
    return scope is None or unit_id in scope


async def organizer_scope(turn: Turn) -> list[str] | None:
    """The unit ids an organizer covers (None: all); None for anyone else, who has no unit scope."""
    return await turn.repo.scope(turn.user.unit_id) if turn.user.role == "organizer" else None


async def manages_class(turn: Turn, klass: Class) -> bool:
    """A class its volunteer runs; organizers manage every class of their scope."""
    return klass.volunteer_id == turn.user.id or await organizer_covers(turn, klass.unit_id)


async def manages_event(turn: Turn, event: OutreachEvent) -> bool:
    """An outreach day, shift or training: its creator, the leader of its team, or an organizer of
    its unit's subtree."""
    if event.created_by == turn.user.id and turn.user.role in ("volunteer", "organizer"):
        return True
    if event.team_id is not None and turn.user.role == "volunteer":
        team = await turn.repo.session.get(Team, event.team_id)
        if team is not None and team.leader_id == turn.user.id:
            return True
    return await organizer_covers(turn, event.unit_id)


async def volunteer_reaches(turn: Turn, unit_id: str | None) -> bool:
    """Where a volunteer may take part (an outreach day, a team): their own unit and the units above
    it (a province's outreach day needs commune volunteers); organizers: their scope."""
    if turn.user.role == "organizer":
        return await organizer_covers(turn, unit_id)
    if turn.user.role != "volunteer" or unit_id is None or turn.user.unit_id is None:
        return False
    return unit_id in await turn.repo.ancestors(turn.user.unit_id)


async def units_to_offer(turn: Turn) -> list[Unit]:
    """The units a person picks from first when something is laid down in a unit (a team, an
    outreach day): their own and the units right under it; without a unit, the top of the tree.
    Any other unit of their scope can still be typed by its id."""
    units = await turn.repo.units()
    own = turn.user.unit_id
    if own is None:
        return [u for u in units if u.parent_id is None]
    return [u for u in units if u.id == own] + [u for u in units if u.parent_id == own]

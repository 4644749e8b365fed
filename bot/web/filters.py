"""The filters every page takes — `?unit=<id>` (within the person's scope, else 403) and
`?since=` / `?until=` (local days, inclusive) — turned into the report's Scope exactly as
`hocvuso report --unit --since --until` does, so a page and the CLI show the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from bot.clock import utcnow
from bot.config import Settings
from bot.reports import campaign_period, report_scope
from bot.reports.shapes import Scope, day_bounds
from bot.store import Repository
from bot.store.models import Unit
from bot.web.auth import Viewer
from bot.web.render import query


@dataclass(frozen=True)
class Filters:
    unit_id: str | None
    since: date | None
    until: date | None

    def params(self, **extra: Any) -> dict[str, Any]:
        return {
            "unit": self.unit_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            **extra,
        }

    def query(self, **extra: Any) -> str:
        return query(self.params(**extra))


class BadFilter(HTTPException):
    """A filter value that is not understood: a 400 page that says which and how to write it."""

    def __init__(self, detail: str):
        super().__init__(400, detail)


def _day(request: Request, name: str) -> date | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"Ngày «{value[:20]}» không hợp lệ: hãy viết theo dạng 2026-11-01.") from None


def covers(viewer: Viewer, unit_id: str | None) -> bool:
    """The chat's rule (bot.core.scope.organizer_covers): an organizer's unit subtree, or everything."""
    if not viewer.is_organizer:
        return False
    if viewer.scope is None:
        return True
    return unit_id is not None and unit_id in viewer.scope


async def read_filters(request: Request, repo: Repository, viewer: Viewer) -> tuple[Filters, Unit | None]:
    unit_id = request.query_params.get("unit", "").strip() or viewer.unit_id
    since, until = _day(request, "since"), _day(request, "until")
    if since and until and since > until:
        raise BadFilter("Ngày bắt đầu phải trước ngày kết thúc.")
    unit = await repo.unit(unit_id) if unit_id else None
    if unit_id and (unit is None or not covers(viewer, unit_id)):
        if unit is None and viewer.scope is None and viewer.is_organizer:
            raise HTTPException(404)
        raise HTTPException(403)
    return Filters(unit_id, since, until), unit


async def scope_of(repo: Repository, settings: Settings, filters: Filters) -> Scope:
    since, until = day_bounds(filters.since, filters.until, settings.timezone)
    if filters.since is None and filters.until is None:
        since, until = campaign_period(settings)  # none chosen: the campaign's own period, as the CLI
    # As in `hocvuso report`: "active in the last 7 days" means up to the end of the period.
    now = utcnow() if until is None else min(utcnow(), until)
    return await report_scope(repo, filters.unit_id, now, since, until)


async def unit_choices(repo: Repository, viewer: Viewer, current: Unit | None) -> list[tuple[str, str, int]]:
    """(id, name, depth) for the unit picker: the path from the top of the person's scope down to
    the unit shown, then the units right under it — enough to move up and down the tree."""
    path: list[Unit] = []
    unit = current
    while unit is not None and covers(viewer, unit.id):
        path.insert(0, unit)
        if unit.id == viewer.unit_id or unit.parent_id is None:
            break
        unit = await repo.unit(unit.parent_id)
    choices = [(u.id, u.name, depth + (0 if viewer.unit_id else 1)) for depth, u in enumerate(path)]
    if viewer.unit_id is None:
        choices.insert(0, ("", "Toàn chiến dịch", 0))
    below = [u for u in await repo.units() if u.parent_id == (current.id if current else None)]
    depth = len(choices)
    choices += [(u.id, u.name, depth) for u in sorted(below, key=lambda u: u.name) if covers(viewer, u.id)]
    return choices

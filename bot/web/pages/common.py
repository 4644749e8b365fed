"""What every organizer page does first: who is looking, which unit and period, the report scope,
and the parts of the page around the figures (unit picker, period, download links, sorting)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from bot.reports import build_tables
from bot.reports.dashboard import build_any
from bot.reports.shapes import Scope, Table
from bot.store import Repository
from bot.store.models import Unit
from bot.web.auth import Viewer, require_viewer
from bot.web.context import WebContext, web
from bot.web.filters import Filters, read_filters, scope_of, unit_choices
from bot.web.render import query

SORT_DIRECTIONS = ("asc", "desc")


@dataclass
class OrganizerView:
    request: Request
    ctx: WebContext
    repo: Repository
    viewer: Viewer
    filters: Filters
    unit: Unit | None
    scope: Scope

    async def tables(self, *keys: str) -> list[Table]:
        """Report tables, built the way `hocvuso report` builds them (bot.reports)."""
        if any(k.startswith(("week", "help_")) for k in keys):
            return await build_any(self.repo, self.ctx.catalog, self.ctx.settings, self.scope, list(keys))
        return await build_tables(self.repo, self.ctx.catalog, self.ctx.settings, self.scope, list(keys))

    def csv(self, key: str) -> str:
        return f"{self.ctx.base}/tai/{key}.csv{self.filters.query()}"

    def sort(self) -> tuple[str | None, str]:
        direction = self.request.query_params.get("dir", "asc")
        return self.request.query_params.get(
            "sort"
        ) or None, direction if direction in SORT_DIRECTIONS else "asc"

    def sort_href(self, anchor: str = "") -> Callable[[str, str], str]:
        def href(column: str, direction: str) -> str:
            return f"{self.request.url.path}{self.filters.query(sort=column, dir=direction)}{anchor}"

        return href

    async def unit_names(self) -> dict[str, dict[str, str]]:
        """For tables that name units by id: show the unit's name."""
        return {"unit_id": {u.id: u.name for u in await self.repo.units()}}

    def unit_href(self, page: str, unit_id: str | None) -> str:
        return f"{self.ctx.base}{page}{self.filters.query(unit=unit_id or None)}"

    async def context(self, **extra: Any) -> dict[str, Any]:
        return {
            "filters": self.filters,
            "unit_name": self.scope.unit_name,
            "units": await unit_choices(self.repo, self.viewer, self.unit),
            "xlsx": f"{self.ctx.base}/tai/bao-cao.xlsx{self.filters.query()}",
            "period": period_text(self.filters),
            **extra,
        }


def period_text(filters: Filters) -> str:
    if filters.since and filters.until:
        return f"từ {filters.since:%d/%m/%Y} đến {filters.until:%d/%m/%Y}"
    if filters.since:
        return f"từ {filters.since:%d/%m/%Y} đến nay"
    if filters.until:
        return f"đến hết {filters.until:%d/%m/%Y}"
    return "toàn bộ thời gian"


@contextlib.asynccontextmanager
async def organizer_view(request: Request) -> AsyncIterator[OrganizerView]:
    viewer = await require_viewer(request, organizer=True)
    request.state.viewer = viewer
    ctx = web(request)
    async with ctx.db.reader() as repo:
        filters, unit = await read_filters(request, repo, viewer)
        scope = await scope_of(repo, ctx.settings, filters)
        yield OrganizerView(request, ctx, repo, viewer, filters, unit, scope)


def query_of(params: dict[str, Any]) -> str:
    return query(params)

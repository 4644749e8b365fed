"""Theo đơn vị: the unit tree as a sortable table (the report's unit breakdown, same figures),
drill-down province → commune → classes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.store.models import Unit
from bot.web.filters import covers
from bot.web.pages.common import organizer_view
from bot.web.render import page, view


async def units(request: Request) -> Response:
    async with organizer_view(request) as v:
        (table,) = await v.tables("unit")
        shown = v.filters.unit_id
        # One level at a time: the unit shown and the units right under it (campaign-wide: the
        # provinces). Their figures are the report's rows; the CSV has the whole tree.
        unit_view = view(
            table,
            hide=("unit_id", "parent_id"),
            links={"unit_name": lambda r: v.unit_href("/don-vi", r[0]) if r[0] and r[0] != shown else None},
            sort=v.sort(),
            sort_href=v.sort_href("#bang-don-vi"),
            csv=v.csv("unit"),
            only=lambda r: r[0] == shown or (r[2] or None) == shown or (shown is None and not r[0]),
        )
        has_children = any(row[2] == shown for row in table.rows if row[0]) if shown else True
        classes = None
        if not has_children:  # a commune: its classes
            (class_table,) = await v.tables("class")
            classes = view(
                class_table,
                hide=("unit_id",),
                links={"class_name": lambda r: f"{v.ctx.base}/lop/{r[0]}{v.filters.query()}"},
                csv=v.csv("class"),
            )
        trail: list[Unit] = []
        unit = v.unit
        while unit is not None and covers(v.viewer, unit.id):
            trail.insert(0, unit)
            unit = await v.repo.unit(unit.parent_id) if unit.parent_id else None
        crumbs = [{"name": u.name, "href": v.unit_href("/don-vi", u.id)} for u in trail]
        if v.viewer.unit_id is None:
            crumbs.insert(0, {"name": "Toàn chiến dịch", "href": v.unit_href("/don-vi", None)})
        context = await v.context(table=unit_view, classes=classes, crumbs=crumbs)
    return page(request, "units.html", context)

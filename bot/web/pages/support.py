"""Hỗ trợ: open help requests by how long they have waited, the median time to a first answer,
by unit and by volunteer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.web.pages.common import organizer_view
from bot.web.pages.overview import metrics
from bot.web.render import page, view


async def support(request: Request) -> Response:
    async with organizer_view(request) as v:
        summary, ages, by_unit, by_volunteer = await v.tables(
            "summary", "help_age", "help_unit", "help_volunteer"
        )
        _targeted, others = metrics(summary)
        headline = [m for m in others if m.id in ("help_open", "help_median_minutes")]
        context = await v.context(
            headline=headline,
            ages=view(ages, hide=("age",), csv=v.csv("help_age")),
            by_unit=view(
                by_unit,
                hide=("unit_id",),
                links={"unit_name": lambda r: v.unit_href("/ho-tro", r[0]) if r[0] else None},
                sort=v.sort(),
                sort_href=v.sort_href("#theo-don-vi"),
                csv=v.csv("help_unit"),
            ),
            by_volunteer=view(
                by_volunteer, hide=("volunteer_id",), csv=v.csv("help_volunteer"), names=await v.unit_names()
            ),
        )
    return page(request, "support.html", context)

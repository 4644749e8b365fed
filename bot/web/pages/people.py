"""Tình nguyện viên / Lớp: activity per volunteer and the classes with their learners' progress
(organizers, within their scope); a volunteer's own page: their classes and learners, nothing else."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.reports.dashboard import roster_table
from bot.reports.shapes import local
from bot.web.auth import require_viewer
from bot.web.context import web
from bot.web.filters import covers
from bot.web.pages.common import organizer_view
from bot.web.render import page, view


async def volunteers(request: Request) -> Response:
    async with organizer_view(request) as v:
        (table,) = await v.tables("volunteer")
        context = await v.context(
            table=view(
                table,
                hide=("volunteer_id",),
                sort=v.sort(),
                sort_href=v.sort_href(),
                csv=v.csv("volunteer"),
                names=await v.unit_names(),
            )
        )
    return page(request, "volunteers.html", context)


async def classes(request: Request) -> Response:
    async with organizer_view(request) as v:
        (table,) = await v.tables("class")
        context = await v.context(
            table=view(
                table,
                hide=("class_id",),
                links={"class_name": lambda r: f"{v.ctx.base}/lop/{r[0]}{v.filters.query()}"},
                sort=v.sort(),
                sort_href=v.sort_href(),
                csv=v.csv("class"),
                names=await v.unit_names(),
            )
        )
    return page(request, "classes.html", context)


async def class_detail(request: Request) -> Response:
    """One class and its learners: for the organizers whose scope has the class's unit, and for the
    volunteer who runs it."""
    viewer = await require_viewer(request)
    request.state.viewer = viewer
    ctx = web(request)
    try:
        class_id = int(request.path_params["class_id"])
    except ValueError:
        raise HTTPException(404) from None
    async with ctx.db.reader() as repo:
        klass = await repo.class_(class_id)
        if klass is None:
            raise HTTPException(404)
        allowed = klass.volunteer_id == viewer.user_id or covers(viewer, klass.unit_id)
        if not allowed:
            raise HTTPException(403)
        volunteer = await repo.user(klass.volunteer_id)
        unit = await repo.unit(klass.unit_id) if klass.unit_id else None
        roster = await roster_table(repo, ctx.catalog, ctx.settings, class_id=class_id)
    held = local(klass.starts_at, ctx.settings.timezone)
    return page(
        request,
        "class.html",
        {
            "klass": klass,
            "held": held.strftime("%d/%m/%Y %H:%M") if held else "",
            "volunteer": (volunteer.display_name if volunteer else "") or "",
            "unit": unit.name if unit else "",
            "roster": view(roster, hide=("learner_id", "class_name")),
        },
    )


async def my_classes(request: Request) -> Response:
    """A volunteer's home: their classes and every learner they look after."""
    viewer = await require_viewer(request)
    request.state.viewer = viewer
    ctx = web(request)
    async with ctx.db.reader() as repo:
        mine = await repo.classes_of(viewer.user_id)
        roster = await roster_table(repo, ctx.catalog, ctx.settings, volunteer_id=viewer.user_id)
    return page(
        request,
        "mine.html",
        {
            "classes": [
                {
                    "id": c.id,
                    "name": c.name,
                    "place": c.place or "",
                    "learners": n,
                    "href": f"{ctx.base}/lop/{c.id}",
                }
                for c, n in mine
            ],
            "roster": view(roster, hide=("learner_id",)),
        },
    )

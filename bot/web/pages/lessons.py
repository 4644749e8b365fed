"""Bài học: per lesson started / completed / median minutes / first-try correct, and the step
drop-off funnel of one lesson (where learners stop), for lesson authors."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.reports.render import display
from bot.web.pages.common import organizer_view
from bot.web.render import page, view


async def lessons(request: Request) -> Response:
    async with organizer_view(request) as v:
        lesson_table, steps = await v.tables("lesson", "step")
        # The funnel of the lesson asked for, else of the most started one.
        started = {row[0]: row[3] for row in lesson_table.rows}
        chosen = request.query_params.get("lesson", "")
        if chosen not in started:
            chosen = max(started, key=lambda k: started[k]) if started else ""
        funnel = [
            {
                "number": row[2],
                "step": row[3],
                "kind": row[4],
                "reached": row[5],
                "reached_text": display(row[5], "int"),
                "rate": display(row[6], "rate"),
                "bar": min(100.0, (row[6] or 0) * 100),
                "first_try": display(row[7], "rate") if row[7] is not None else "",
            }
            for row in steps.rows
            if row[0] == chosen
        ]
        title = next((row[1] for row in lesson_table.rows if row[0] == chosen), "")
        context = await v.context(
            table=view(
                lesson_table,
                hide=("lesson_id",),
                links={"title": lambda r: f"{request.url.path}{v.filters.query(lesson=r[0])}#pheu"},
                sort=v.sort(),
                sort_href=v.sort_href(),
                csv=v.csv("lesson"),
            ),
            funnel=funnel,
            funnel_title=title,
            funnel_lesson=chosen,
            lesson_options=[(row[0], row[1]) for row in lesson_table.rows],
            step_csv=v.csv("step"),
        )
    return page(request, "lessons.html", context)

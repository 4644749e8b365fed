"""Xu hướng: new learners, lessons started and completed, classes held and people supported, week by week (a chart, and the numbers
as a table that needs no script)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.web.pages.common import organizer_view
from bot.web.render import page, view


async def trends(request: Request) -> Response:
    async with organizer_view(request) as v:
        (weeks,) = await v.tables("week")
        chart = {
            "labels": [f"{row[0][8:10]}/{row[0][5:7]}" for row in weeks.rows],
            "series": [
                {"label": "Người học mới", "data": weeks.column("new_learners")},
                {"label": "Lượt học xong", "data": weeks.column("lessons_completed")},
                {"label": "Lượt bắt đầu bài", "data": weeks.column("lessons_started")},
                {"label": "Lớp có buổi học", "data": weeks.column("classes_held")},
                {"label": "Lượt người dân được hỗ trợ", "data": weeks.column("people_supported")},
            ],
        }
        context = await v.context(table=view(weeks, csv=v.csv("week")), chart=chart)
    return page(request, "trends.html", context)

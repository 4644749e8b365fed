"""Downloads: every table as CSV and the whole workbook as XLSX, for the same unit and period as the
page — built by bot.reports exactly as `hocvuso report … --format csv|xlsx` builds them."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.reports import build_tables
from bot.reports.campaign import SHEETS, WORKBOOK_SESSIONS
from bot.reports.dashboard import EXTRA
from bot.reports.render import to_csv, to_xlsx
from bot.reports.tables import WORKBOOK_LEARNERS
from bot.web.auth import XLSX
from bot.web.pages.common import OrganizerView, organizer_view
from bot.web.render import safe_filename

CSV_KEYS = set(SHEETS) | set(EXTRA)


def _name(v: OrganizerView, stem: str, extension: str) -> str:
    parts = [stem, v.filters.unit_id or "toan-bo"]
    if v.filters.since:
        parts.append(f"tu-{v.filters.since.isoformat()}")
    if v.filters.until:
        parts.append(f"den-{v.filters.until.isoformat()}")
    return f"{safe_filename('-'.join(parts))}.{extension}"


async def table_csv(request: Request) -> Response:
    key = request.path_params["key"]
    if key not in CSV_KEYS:
        raise HTTPException(404)
    async with organizer_view(request) as v:
        (table,) = await v.tables(key)
        name = _name(v, key, "csv")
    return Response(
        to_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


async def workbook(request: Request) -> Response:
    async with organizer_view(request) as v:
        tables = await build_tables(
            v.repo,
            v.ctx.catalog,
            v.ctx.settings,
            v.scope,
            SHEETS,
            learner_limit=WORKBOOK_LEARNERS,
            session_limit=WORKBOOK_SESSIONS,
        )
        name = _name(v, "bao-cao", "xlsx")
    content = to_xlsx(tables, f"{v.ctx.settings.campaign.name} — {v.scope.unit_name}")
    return Response(
        content, media_type=XLSX, headers={"content-disposition": f'attachment; filename="{name}"'}
    )

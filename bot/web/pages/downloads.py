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
from bot.store import Repository
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
        ctx, scope, name = v.ctx, v.scope, _name(v, "bao-cao", "xlsx")

    async def build(repo: Repository) -> bytes:
        tables = await build_tables(
            repo,
            ctx.catalog,
            ctx.settings,
            scope,
            SHEETS,
            learner_limit=WORKBOOK_LEARNERS,
            session_limit=WORKBOOK_SESSIONS,
        )
        return to_xlsx(tables, f"{ctx.settings.campaign.name} — {scope.unit_name}")

    # Built in a worker thread on its own connection (as /baocao): with `web.enabled` the dashboard
    # shares the bot's event loop, and a large workbook must not keep learners waiting.
    content = await ctx.db.read_in_thread(build)
    return Response(
        content, media_type=XLSX, headers={"content-disposition": f'attachment; filename="{name}"'}
    )

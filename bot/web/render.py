"""Turning report tables into what the templates draw: formatted cells (the CLI's own `display`, so
the page shows exactly the text report's figures), the raw value beside each (data-value, the CSV's
value), sort links and drill-down links."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from bot.reports.render import csv_value, display
from bot.reports.shapes import Table
from bot.web.context import web

# A phone shows a few hundred rows at most; the downloads carry everything.
ROW_LIMIT = 300


@dataclass
class Cell:
    text: str
    value: str  # as in the CSV
    column: str
    numeric: bool
    href: str | None = None


@dataclass
class Header:
    id: str
    label: str
    numeric: bool
    href: str | None = None
    sorted: str | None = None  # "asc" | "desc" when the table is sorted by this column


@dataclass
class TableView:
    key: str
    title: str
    headers: list[Header]
    rows: list[list[Cell]]
    note: str | None = None
    csv: str | None = None  # download address
    empty: str = "Chưa có số liệu."
    row_keys: list[str] = field(default_factory=list)


def view(
    table: Table,
    *,
    hide: tuple[str, ...] = (),
    links: dict[str, Any] | None = None,
    sort: tuple[str | None, str] | None = None,
    sort_href: Any = None,
    csv: str | None = None,
    only: Any = None,
    limit: int = ROW_LIMIT,
    names: dict[str, dict[str, str]] | None = None,
) -> TableView:
    """`links`: column id → function(row) → address or None; `sort`: (column id, "asc"/"desc") to
    sort rows by (None: as built); `sort_href`: function(column id, direction) → address; `only`:
    function(row) → shown?; `limit`: rows shown at most (after sorting; the CSV has them all);
    `names`: column id → {value: text shown instead} (a unit's name for its id; data-value keeps the id)."""
    columns = [c for c in table.columns if c.id not in hide]
    index = {c.id: i for i, c in enumerate(table.columns)}
    # (position in the table, row): a cell's kind can be its own (Table.kinds), found by position.
    rows = [(n, r) for n, r in enumerate(table.rows) if only is None or only(r)]
    sort_id, direction = sort if sort else (None, "asc")
    if sort_id in index:
        position = index[sort_id]
        present = [(n, r) for n, r in rows if r[position] is not None]
        missing = [(n, r) for n, r in rows if r[position] is None]
        present.sort(key=lambda item: _sort_key(item[1][position]), reverse=direction == "desc")
        rows = present + missing
    headers = []
    for column in columns:
        numeric = column.kind != "text"
        header = Header(column.id, column.label, numeric)
        if sort_href is not None:
            current = direction if column.id == sort_id else None
            if current is not None:  # a second tap reverses the order
                following = "asc" if current == "desc" else "desc"
            else:  # biggest figures first; names from A
                following = "desc" if numeric else "asc"
            header.href, header.sorted = sort_href(column.id, following), current
        headers.append(header)
    note = table.note
    if len(rows) > limit:
        rows = rows[:limit]
        note = f"Chỉ hiện {limit} dòng đầu theo cách xếp đang chọn; bảng đầy đủ ở tệp CSV."
    cells = []
    for number, row in rows:
        line = []
        for column in columns:
            value = row[index[column.id]]
            href = links[column.id](row) if links and column.id in links else None
            text = display(value, table.kind(number, index[column.id])).strip()
            if names and column.id in names:
                text = names[column.id].get(str(value), text)
            line.append(Cell(text, str(csv_value(value)), column.id, column.kind != "text", href))
        cells.append(line)
    return TableView(
        table.key, table.title, headers, cells, note, csv, row_keys=[str(csv_value(r[0])) for _n, r in rows]
    )


def _sort_key(value: Any) -> Any:
    return value.casefold().strip() if isinstance(value, str) else value


def query(params: dict[str, Any]) -> str:
    """ "?a=1&b=2" without the empty ones ("" when none)."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"?{urlencode(kept)}" if kept else ""


def safe_filename(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "bao-cao"


def page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    ctx = web(request)
    full = {
        "base": ctx.base,
        "campaign": ctx.settings.campaign.name,
        "viewer": getattr(request.state, "viewer", None),
        "csrf": request.session.get("csrf", ""),
        "path": request.url.path,
        **context,
    }
    return ctx.templates.TemplateResponse(request, template, full, status_code=status_code)

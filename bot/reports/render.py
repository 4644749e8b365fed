"""Tables as a terminal table, CSV (stable English column ids) or an Excel workbook (openpyxl)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.reports.tables import Column, Table

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F6F43")
# Integers need no format (Excel shows them as numbers); a styled cell costs several times a plain one.
FORMATS = {"rate": "0.0%", "float": "0.0", "datetime": "dd/mm/yyyy hh:mm"}


def display(value: Any, column: Column) -> str:
    if value is None:
        return "—"
    if column.kind == "rate":
        return f"{value * 100:.1f}%".replace(".", ",")
    if column.kind in ("int", "float") and isinstance(value, int):
        return f"{value:,}".replace(",", ".")  # Vietnamese thousands separator
    if column.kind == "float" and isinstance(value, float):
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return str(value)


def to_text(table: Table) -> str:
    cells = [[display(v, c) for v, c in zip(row, table.columns, strict=True)] for row in table.rows]
    headers = [c.label for c in table.columns]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [c.kind != "text" for c in table.columns]

    def line(values: Iterable[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    out = [f"== {table.title} ==", line(headers), line("-" * w for w in widths)]
    out += [line(r) for r in cells]
    if not table.rows:
        out.append("(chưa có số liệu)")
    if table.note:
        out.append(table.note)
    return "\n".join(out)


def csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value


def to_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.id for c in table.columns])
    for row in table.rows:
        writer.writerow([csv_value(v) for v in row])
    return buffer.getvalue()


def to_xlsx(tables: list[Table], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    workbook.properties.title = title
    for table in tables:
        sheet = workbook.create_sheet(table.title[:31])
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=column.label)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            header.append(cell)
        sheet.append(header)
        formats = [FORMATS.get(c.kind) for c in table.columns]
        for row in table.rows:
            out = []
            for value, fmt in zip(row, formats, strict=True):
                if fmt and value is not None:
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = fmt
                    out.append(cell)
                else:
                    out.append(value)
            sheet.append(out)
        if table.note:
            sheet.append([])
            sheet.append([table.note])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

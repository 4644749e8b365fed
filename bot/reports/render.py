"""Tables as a terminal table, CSV (stable English column ids) or an Excel workbook (openpyxl).

One convention per format: CSV has raw values (rates as fractions, 0.75), text and Excel show rates
as percentages and counts as integers. Names, class names, places and unit names are typed by
strangers: in every format they stay data, never a spreadsheet formula or a terminal escape.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from bot.reports.shapes import Kind, Table

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F6F43")
# Integers need no format (Excel shows them as numbers); a styled cell costs several times a plain one.
FORMATS = {"rate": "0.0%", "float": "0.0", "datetime": "dd/mm/yyyy hh:mm"}
INDENT = "  "  # one level of a unit tree in the terminal table

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection"),
# full-width forms included: Excel normalises them.
FORMULA_START = "=+-@\t\r＝＋－＠"
# Vietnamese Excel splits a CSV it opens on ';' (the list separator where ',' is the decimal mark),
# so a formula character just after a ';' inside a value would start a cell too.
FORMULA_AFTER_SEMICOLON = re.compile(r"(;\s*)(?=[=+\-@＝＋－＠])")
# C0/C1 control characters (escape sequences, bells, line breaks) have no place in a terminal table.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def display(value: Any, kind: Kind) -> str:
    """A value as people read it (the terminal table, chat): Vietnamese number formats."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%".replace(".", ",")
    if kind in ("int", "float") and isinstance(value, int):
        return f"{value:,}".replace(",", ".")  # Vietnamese thousands separator
    if kind == "float" and isinstance(value, float):
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return CONTROL.sub("�", str(value))


def to_text(table: Table) -> str:
    cells = [[display(v, table.kind(r, c)) for c, v in enumerate(row)] for r, row in enumerate(table.rows)]
    for c, column in enumerate(table.columns):
        if column.indent:
            for r, depth in table.depths.items():
                cells[r][c] = INDENT * depth + cells[r][c]
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


def csv_text(text: str) -> str:
    """A text value a spreadsheet opening the CSV reads as text, not a formula (OWASP: a single
    quote before it). Numbers are not text: a negative number stays a number."""
    if text and text[0] in FORMULA_START:
        text = "'" + text
    return FORMULA_AFTER_SEMICOLON.sub(r"\1'", text) if ";" in text else text


def csv_value(value: Any) -> Any:
    if isinstance(value, str):
        return csv_text(value)
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


def xlsx_text(sheet: WriteOnlyWorksheet, text: str) -> str | WriteOnlyCell:
    """`text` for a workbook row, stored as a string whatever it looks like. openpyxl stores a str
    as a string cell except '=…' (a formula: the workbook recalculates on load) and an error code
    ('#N/A'): those get a cell forced to text. Only they do, because a cell object per value
    doubled the workbook's writing time. Characters XML cannot carry are dropped rather than
    failing the whole export."""
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text[:1] != "=" and text not in ERROR_CODES:
        return text
    return text_cell(sheet, text)


def text_cell(sheet: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    """A cell holding `text` as a string, never a formula or an error."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", text))
    cell.data_type = "s"
    return cell


def to_xlsx(tables: list[Table], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    workbook.properties.title = ILLEGAL_CHARACTERS_RE.sub("", title)
    for table in tables:
        sheet = workbook.create_sheet(table.title[:31])
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        header = []
        for column in table.columns:
            cell = text_cell(sheet, column.label)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            header.append(cell)
        sheet.append(header)
        indented = [c.indent for c in table.columns]
        formats = [FORMATS.get(c.kind) for c in table.columns]
        overrides = table.kinds
        for r, row in enumerate(table.rows):
            depth = table.depths.get(r, 0)
            out: list[Any] = []
            for c, value in enumerate(row):
                if value is None:
                    out.append(None)
                elif isinstance(value, str):
                    if depth and indented[c]:
                        cell = text_cell(sheet, value)
                        cell.alignment = Alignment(indent=depth)
                        out.append(cell)
                    else:
                        out.append(xlsx_text(sheet, value))
                elif fmt := (
                    FORMATS.get(overrides[r, c]) if overrides and (r, c) in overrides else formats[c]
                ):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = fmt
                    out.append(cell)
                else:
                    out.append(value)
            sheet.append(out)
        if table.note:
            sheet.append([])
            sheet.append([xlsx_text(sheet, table.note)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

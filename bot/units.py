"""The unit tree (province → commune) as an operator's CSV file gives it, and the checks that keep it
a tree.

Every "this unit and everything under it" question (an organizer's scope, `report --unit`) walks
the tree, so the tree must end: a unit under itself, directly or through others, is refused, and so
is a chain deeper than MAX_LEVELS. A file is checked against the units already in the database
and either imported whole or not at all. Each problem is one `file:line: message` line.

Files are read as Excel writes them: comma, semicolon (Excel with Vietnamese regional settings)
or tab separated; UTF-8 with or without a BOM, or UTF-16 («Unicode Text»); a first line `sep=;`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

UNIT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MAX_NAME = 120  # the columns' sizes (bot/store/models.py)
MAX_KIND = 16
MAX_LEVELS = 10  # province → commune is 2; deeper is a mistake in the file
MAX_FILE_BYTES = 5_000_000  # every commune of Việt Nam takes ~200 KB
DELIMITERS = (",", ";", "\t")
SAVE_AS_UTF8 = "in Excel: File › Save As › «CSV UTF-8»"

Parents = Mapping[str, str | None]


@dataclass(frozen=True)
class UnitRow:
    id: str
    name: str
    parent_id: str | None
    kind: str
    line: int


def shown(value: str, limit: int = 40) -> str:
    """A value from the file, safe to print: control characters escaped, cut to `limit`."""
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in value[: limit + 1])
    return text if len(value) <= limit else text[:limit] + "…"


def _decode(raw: bytes, name: str) -> tuple[str | None, str | None]:
    """The file's text, or a problem line."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), None
        except UnicodeDecodeError:
            return None, f"{name}:1: the file is damaged UTF-16 text; {SAVE_AS_UTF8}"
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, (
            f"{name}:{line}: the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}, perhaps Windows-1258); "
            + SAVE_AS_UTF8
        )


def _dialect(text: str) -> tuple[str, int]:
    """The delimiter, and how many lines come before the header (Excel's `sep=;` line)."""
    first = text.split("\n", 1)[0].strip("\r ")
    if first.lower().startswith("sep=") and len(first) == 5:
        return first[4], 1
    counts = {d: first.count(d) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: counts[d]), 0  # a tie (one column) reads as commas


def read_units_csv(path: Path) -> tuple[list[UnitRow], list[str]]:
    """Rows of `id,name,parent_id,kind` (any order) and every problem as `file:line: message`."""
    name = str(path)
    try:
        if not path.is_file():
            problem = "no such file" if not path.exists() else "not a regular file"
            return [], [f"{name}:1: cannot read the file ({problem})"]
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return [], [f"{name}:1: cannot read the file ({exc.strerror or exc.__class__.__name__})"]
    if len(raw) > MAX_FILE_BYTES:
        return [], [f"{name}:1: the file is too big (over {MAX_FILE_BYTES // 1_000_000} MB)"]
    text, problem = _decode(raw, name)
    if text is None:
        return [], [problem or f"{name}:1: cannot read the file"]
    if not text.strip():
        return [], [f"{name}:1: the file is empty; the first line names the columns id,name,parent_id,kind"]
    delimiter, skip = _dialect(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[UnitRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    try:
        for _ in range(skip):
            next(reader, None)
        header = [cell.strip().lower().lstrip("\ufeff") for cell in next(reader, [])]
        missing = [column for column in ("id", "name") if column not in header]
        if missing:
            found = ", ".join(shown(cell, 20) for cell in header if cell) or "nothing"
            return [], [
                f"{name}:{reader.line_num}: the first line must name the columns id,name,parent_id,kind "
                f"separated by ',' or ';' (missing {', '.join(missing)}; found {found})"
            ]
        column = {key: header.index(key) for key in ("id", "name", "parent_id", "kind") if key in header}
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # Excel's trailing ";;;" lines
            line = reader.line_num

            def cell(key: str, cells: list[str] = cells) -> str:
                index = column.get(key)
                return cells[index].strip() if index is not None and index < len(cells) else ""

            row, problem = _row(cell("id"), cell("name"), cell("parent_id"), cell("kind"), line, name)
            if problem:
                problems.append(problem)
            elif row.id in seen:
                problems.append(f"{name}:{line}: unit id '{row.id}' appears twice (also line {seen[row.id]})")
            else:
                seen[row.id] = line
                rows.append(row)
    except csv.Error as exc:
        problems.append(f"{name}:{reader.line_num}: not a readable CSV line ({exc})")
    if not rows and not problems:
        problems.append(f"{name}:{reader.line_num}: the file has no units after its first line")
    return rows, problems


def _row(
    unit_id: str, unit_name: str, parent: str, kind: str, line: int, name: str
) -> tuple[UnitRow | None, str | None]:
    where = f"{name}:{line}"
    if not UNIT_ID.match(unit_id):
        return (
            None,
            f"{where}: id '{shown(unit_id)}' must be 1–40 of a-z, 0-9 and '-', no spaces (e.g. hn-phuc-xa)",
        )
    if not unit_name:
        return None, f"{where}: unit '{unit_id}' has no name"
    if len(unit_name) > MAX_NAME:
        return None, f"{where}: the name of unit '{unit_id}' is over {MAX_NAME} characters"
    if parent and not UNIT_ID.match(parent):
        return None, f"{where}: parent_id '{shown(parent)}' of unit '{unit_id}' is not a unit id"
    if parent == unit_id:
        return None, f"{where}: unit '{unit_id}' cannot be its own parent"
    kind = kind or ("xa" if parent else "tinh")
    if len(kind) > MAX_KIND:
        return None, f"{where}: kind '{shown(kind)}' of unit '{unit_id}' is over {MAX_KIND} characters"
    return UnitRow(unit_id, unit_name, parent or None, kind, line), None


# --- the tree ------------------------------------------------------------------------------------


def find_loops(parents: Parents) -> list[list[str]]:
    """Every loop of parent links once, from its smallest id: ['a', 'b'] = a's parent is b, b's is a."""
    done: set[str] = set()
    loops: list[list[str]] = []
    for start in sorted(parents):
        path: list[str] = []
        on_path: set[str] = set()
        unit: str | None = start
        while unit is not None and unit in parents and unit not in done and unit not in on_path:
            path.append(unit)
            on_path.add(unit)
            unit = parents[unit]
        if unit is not None and unit in on_path:
            loop = path[path.index(unit) :]
            first = loop.index(min(loop))
            loops.append(loop[first:] + loop[:first])
        done.update(path)
    return loops


def break_loops(parents: Parents) -> dict[str, str | None]:
    """The same links with each loop cut above its smallest id, which becomes a root: for showing
    a tree that an old database holds with a loop in it, every unit once and nothing endless."""
    result = dict(parents)
    for loop in find_loops(parents):
        result[loop[0]] = None
    return result


def loop_text(loop: list[str]) -> str:
    return " → ".join([*loop, loop[0]])


def levels(parents: Parents) -> dict[str, int]:
    """How deep each unit sits (a root is level 1), for a tree without loops."""
    found: dict[str, int] = {}
    for start in parents:
        chain: list[str] = []
        unit: str | None = start
        while unit is not None and unit in parents and unit not in found and unit not in chain:
            chain.append(unit)
            unit = parents[unit]
        level = found.get(unit, 0) if unit is not None else 0  # a loop (never here) counts as a root
        for member in reversed(chain):
            level += 1
            found[member] = level
    return found


def check_import(rows: list[UnitRow], existing: Parents, name: str) -> list[str]:
    """Problems of importing `rows` over the units already stored: unknown parents, loops (through
    the file, the database or both), chains deeper than MAX_LEVELS."""
    problems: list[str] = []
    merged: dict[str, str | None] = dict(existing)
    merged.update({row.id: row.parent_id for row in rows})
    line = {row.id: row.line for row in rows}
    for row in rows:
        if row.parent_id is not None and row.parent_id not in merged:
            problems.append(
                f"{name}:{row.line}: parent '{row.parent_id}' of unit '{row.id}' is neither in this file "
                "nor in the database"
            )
    if problems:
        return problems
    for loop in find_loops(merged):
        in_file = sorted((line[unit], unit) for unit in loop if unit in line)
        if in_file:
            at, unit = in_file[0]
            start = loop.index(unit)
            ordered = loop[start:] + loop[:start]
            problems.append(
                f"{name}:{at}: a unit cannot be under itself; parent_id makes a loop "
                f"(unit → its parent): {loop_text(ordered)}"
            )
        else:
            problems.append(
                f"{name}:1: the database already holds a loop (unit → its parent): {loop_text(loop)}; "
                "give one of these units another parent in this file"
            )
    if problems:
        return problems
    depth = levels(merged)
    for row in rows:
        if depth[row.id] > MAX_LEVELS:
            problems.append(
                f"{name}:{row.line}: unit '{row.id}' would sit {depth[row.id]} levels deep; "
                f"at most {MAX_LEVELS} (province → commune is 2)"
            )
    return problems


def parents_first(rows: list[UnitRow], existing: Parents) -> list[list[UnitRow]]:
    """The rows by level of the tree, top first: writing a level at a time writes every parent
    before its children (a foreign key)."""
    merged: dict[str, str | None] = dict(existing)
    merged.update({row.id: row.parent_id for row in rows})
    depth = levels(merged)
    by_level: dict[int, list[UnitRow]] = {}
    for row in rows:
        by_level.setdefault(depth[row.id], []).append(row)
    return [by_level[level] for level in sorted(by_level)]

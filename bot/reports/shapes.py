"""What every report is made of: a table (stable column ids, Vietnamese labels, a kind per cell),
the scope it covers (unit, period, the instant "now"), and the small conversions every table
shares (rates, masked names, local times, local days as UTC bounds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.store.stats import Window

Kind = Literal["text", "int", "float", "rate", "datetime"]


@dataclass(frozen=True)
class Column:
    id: str  # stable CSV header
    label: str  # Vietnamese header
    kind: Kind = "int"
    width: int = 12
    indent: bool = False  # text indented by the row's depth (a unit under its province)


@dataclass
class Table:
    key: str  # unit | class | lesson | volunteer | step | learner | summary
    title: str  # sheet name
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    note: str | None = None  # shown under the table (e.g. "only the first 10,000 learners")
    # Cells whose kind differs from their column's, by (row, column) index: the summary's "actual"
    # column holds counts, a rate and minutes.
    kinds: dict[tuple[int, int], Kind] = field(default_factory=dict)
    # Depth of a row in a tree (units), shown as indentation of the column marked `indent`:
    # formatting, never spaces inside the value.
    depths: dict[int, int] = field(default_factory=dict)

    def column(self, column_id: str) -> list[Any]:
        index = [c.id for c in self.columns].index(column_id)
        return [row[index] for row in self.rows]

    def kind(self, row: int, column: int) -> Kind:
        return self.kinds.get((row, column), self.columns[column].kind)


@dataclass(frozen=True)
class Scope:
    unit_id: str | None
    unit_name: str
    window: Window
    now: datetime
    mask_names: bool = False


def rate(part: float | None, whole: float | None) -> float | None:
    return round(part / whole, 4) if part is not None and whole else None


def mask(name: str | None) -> str:
    """'Nguyễn Thị Lan' → 'N*** T** L**': enough for a volunteer to recognise, not to identify."""
    if not name:
        return ""
    return " ".join(word[0] + "*" * min(3, max(1, len(word) - 1)) for word in name.split())


def local(when: datetime | None, tz: str) -> datetime | None:
    if when is None:
        return None
    return when.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def day_bounds(since: date | None, until: date | None, tz: str) -> tuple[datetime | None, datetime | None]:
    """Local calendar days (inclusive) → naive-UTC [start, end)."""

    def utc(day: date) -> datetime:
        return (
            datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
            .astimezone(ZoneInfo("UTC"))
            .replace(tzinfo=None)
        )

    return (utc(since) if since else None, utc(until + timedelta(days=1)) if until else None)

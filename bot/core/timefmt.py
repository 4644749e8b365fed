"""Times as people read and type them, in the campaign's time zone (stored times are naive UTC)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = ZoneInfo("UTC")

_LOCAL_TIME = re.compile(
    r"\s*(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?(?:\s+(?:lúc\s+)?(\d{1,2})(?:[:hg](\d{2})?)?)?\s*"
)


def parse_local_time(text: str, now: datetime) -> datetime | None:
    """'25/11 8:00', '25/11/2026 8h30', '25/11' (local time) → naive UTC, or None."""
    match = _LOCAL_TIME.fullmatch(text.lower())
    if not match:
        return None
    day, month, year, hour, minute = match.groups()
    local_now = now.replace(tzinfo=UTC).astimezone(TZ)
    year_value = int(year) if year else local_now.year
    if year_value < 100:
        year_value += 2000
    try:
        local = datetime(year_value, int(month), int(day), int(hour or 0), int(minute or 0), tzinfo=TZ)
    except ValueError:
        return None
    return local.astimezone(UTC).replace(tzinfo=None)


def local_text(when: datetime | None) -> str:
    if when is None:
        return ""
    return when.replace(tzinfo=UTC).astimezone(TZ).strftime("%H:%M %d/%m/%Y")


def ago(then: datetime, now: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 120:
        return "vừa xong"
    if seconds < 3600:
        return f"{seconds // 60} phút trước"
    if seconds < 86400:
        return f"{seconds // 3600} giờ trước"
    return f"{seconds // 86400} ngày trước"


def local_day(now: datetime, days: int = 0) -> tuple[datetime, datetime]:
    """The local calendar day of `now` (shifted by `days`) as naive-UTC [start, end)."""
    local = now.replace(tzinfo=UTC).astimezone(TZ)
    start = datetime(local.year, local.month, local.day, tzinfo=TZ) + timedelta(days=days)
    end = start + timedelta(days=1)
    return (
        start.astimezone(UTC).replace(tzinfo=None),
        end.astimezone(UTC).replace(tzinfo=None),
    )


def local_date_text(when: datetime | None) -> str:
    """'25/11' (local), for lists where the year goes without saying."""
    if when is None:
        return ""
    return when.replace(tzinfo=UTC).astimezone(TZ).strftime("%d/%m")

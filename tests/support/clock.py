"""A frozen clock for tests, with time-machine.

time-machine moves the clock of the whole test process (`datetime.now`, `time.time`, …) but not
`time.monotonic`, so asyncio timers and network timeouts keep running on real time while everything
the bot stores or compares as a date sees the frozen one.

Tests never take today's wall clock and do arithmetic on it. A test that involves dates, reminders,
quiet hours, re-checks, report periods or "the last 7 days" uses the `clock` fixture (tests/conftest.py)
and is marked `dates`. The fixture starts frozen at `start_instant()`: a fixed Wednesday morning
unless `HOCVUSO_TEST_CLOCK` names another instant. `.ci/run` runs the `dates` tests again with that
variable set to a Sunday 23:30 and to noon on the 1st of a month, so a test (or code) that quietly
depends on the hour or the day fails there instead of at some hour of some day.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")  # the campaign's time zone (Settings.timezone default)

# Wednesday 4 November 2026, 10:00 in Hồ Chí Minh City: inside reminder hours, mid-week, mid-month.
DEFAULT_START = datetime(2026, 11, 4, 10, 0, tzinfo=LOCAL)


def start_instant() -> datetime:
    """The instant a test's clock starts at, as an aware datetime."""
    value = os.environ.get("HOCVUSO_TEST_CLOCK")
    if not value:
        return DEFAULT_START
    when = datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=LOCAL)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A naive-UTC time (how the bot stores times) for a wall-clock time in Hồ Chí Minh City."""
    aware = datetime(year, month, day, hour, minute, tzinfo=LOCAL)
    return aware.astimezone(UTC).replace(tzinfo=None)


class Clock:
    """The frozen time of one test. `now` is naive UTC, like every time the bot stores."""

    def __init__(self, start: datetime):
        self._traveller = time_machine.travel(start, tick=False)
        self._shift: time_machine.Coordinates | None = None

    def __enter__(self) -> Clock:
        self._shift = self._traveller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._traveller.stop()

    @property
    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)

    @property
    def local_now(self) -> datetime:
        return datetime.now(LOCAL)

    def set(self, when: datetime) -> None:
        """Jump to `when` (aware, or naive UTC as the bot stores times)."""
        assert self._shift is not None
        self._shift.move_to(when if when.tzinfo else when.replace(tzinfo=UTC))

    def advance(self, delta: timedelta | None = None, **units: float) -> datetime:
        """Move forward by `delta` (or `days=…, hours=…, minutes=…`); returns the new `now`."""
        assert self._shift is not None
        self._shift.shift(delta if delta is not None else timedelta(**units))
        return self.now


def next_local(after: datetime, hour: int, minute: int = 0) -> datetime:
    """The first `hour:minute` in Hồ Chí Minh City strictly after `after` (both naive UTC)."""
    aware = after.replace(tzinfo=UTC).astimezone(LOCAL)
    candidate = aware.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate <= aware:
        candidate += timedelta(days=1)
    return candidate.astimezone(UTC).replace(tzinfo=None)

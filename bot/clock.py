"""The one clock: every layer asks it for "now" (naive UTC, as every time is stored).

Tests freeze or move it with time-machine (tests/support/clock.py), never by patching modules.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)

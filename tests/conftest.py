"""Shared fixtures: a database per test on SQLite and (where marked) a real PostgreSQL server."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import time_machine

from bot.app import build_router
from bot.config import Settings
from bot.core.engine import Tutor
from bot.lessons import load_catalog
from bot.store import Database
from tests.support.clock import Clock, start_instant
from tests.support.pg import PostgresServer, find_bindir

TESTS = Path(__file__).resolve().parent
LESSONS = TESTS / "data" / "lessons"
REPO_LESSONS = TESTS.parent / "lessons"

# HOCVUSO_TEST_PG: "1" requires PostgreSQL (CI), "0" skips it, unset runs it when installed.
PG_MODE = os.environ.get("HOCVUSO_TEST_PG", "auto")
_counter = itertools.count()
_shifted_clock: time_machine.travel | None = None


def pytest_configure(config: pytest.Config) -> None:
    # HOCVUSO_TEST_CLOCK (set by .ci/run for its re-runs of the `dates` tests) moves the whole test
    # process to another day and hour; time keeps ticking from there.
    global _shifted_clock
    if os.environ.get("HOCVUSO_TEST_CLOCK"):
        _shifted_clock = time_machine.travel(start_instant(), tick=True)
        _shifted_clock.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _shifted_clock is not None:
        _shifted_clock.stop()


# Lines a test wants in the run's summary even when it passes (the crash test's kills per moment).
SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    for line in SUMMARY:
        terminalreporter.write_line(line)


def pytest_report_header(config: pytest.Config) -> str | None:
    if os.environ.get("HOCVUSO_TEST_CLOCK"):
        return f"clock moved to {start_instant().isoformat()} (HOCVUSO_TEST_CLOCK)"
    return None


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Time frozen at `start_instant()` for the whole test; move it with `clock.set/advance`."""
    with Clock(start_instant()) as frozen:
        yield frozen


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    if PG_MODE == "0":
        pytest.skip("PostgreSQL tests disabled (HOCVUSO_TEST_PG=0)")
    bindir = find_bindir()
    if bindir is None:
        if PG_MODE == "1":
            pytest.fail("PostgreSQL server binaries not found (install Debian's postgresql)")
        pytest.skip("PostgreSQL server binaries not installed")
    server = PostgresServer(bindir)
    server.start()
    # One migrated template; each test copies it (CREATE DATABASE … TEMPLATE is fast).
    server.psql("CREATE DATABASE hocvuso_template")
    db = Database(server.url("hocvuso_template"))
    asyncio.run(_migrate_and_close(db))
    yield server
    server.stop()


async def _migrate_and_close(db: Database) -> None:
    await db.migrate()
    await db.close()


def fresh_pg_url(server: PostgresServer) -> str:
    name = f"t_{os.getpid()}_{next(_counter)}"
    server.psql(f"CREATE DATABASE {name} TEMPLATE hocvuso_template")
    return server.url(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    return fresh_pg_url(request.getfixturevalue("pg_server"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


# Scripted people type far faster than anyone can: tests that drive the tutor directly switch the
# per-chat flood limit off unless they are about it (tests/test_flood.py); subprocess tests run the
# defaults.
NO_FLOOD_LIMIT = {"chat_messages_per_second": 0}


def make_settings(db_url: str, lessons: Path = LESSONS, **extra: object) -> Settings:
    return Settings.model_validate(
        {"database_url": db_url, "lessons_dir": str(lessons), "limits": NO_FLOOD_LIMIT, **extra}
    )


async def make_tutor(db_url: str, lessons: Path = LESSONS, **extra: object) -> Tutor:
    settings = make_settings(db_url, lessons, **extra)
    db = Database(settings.database_url)
    await db.migrate()
    result = load_catalog(settings.lessons_dir, settings.address)
    assert not result.problems, result.problems
    return Tutor(db, result.catalog, settings, build_router())


@pytest.fixture
async def tutor(db_url: str) -> AsyncIterator[Tutor]:
    """The tutor over the small test lessons, on each backend."""
    t = await make_tutor(db_url)
    yield t
    await t.db.close()


@pytest.fixture
async def sqlite_tutor(sqlite_url: str) -> AsyncIterator[Tutor]:
    t = await make_tutor(sqlite_url)
    yield t
    await t.db.close()

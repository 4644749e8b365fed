"""Migrations: a database of the previous release (revision 0001) with people, classes and progress
in it upgrades in place to today's schema on SQLite and PostgreSQL, keeps every row, and the
campaign tools work on it at once; the models and the migrations describe the same schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, insert, inspect, select, text

from bot.core.events import Actor, Start
from bot.reports import build_tables, report_scope
from bot.store import Database
from bot.store.db import _alembic_config
from bot.store.models import Base, Class, Enrollment, Progress, Unit, User
from tests.conftest import make_tutor
from tests.support.dialog import Chat

T0 = datetime(2026, 10, 1, 2, 0)
NEW_TABLES = {
    "teams",
    "team_members",
    "class_sessions",
    "session_attendance",
    "outreach_events",
    "volunteer_checkins",
    "support_entries",
    "class_partners",
    "event_partners",
    "certificates",
}
_counter = iter(range(1_000_000))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no schema at all) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    server = request.getfixturevalue("pg_server")
    name = f"blank_{os.getpid()}_{next(_counter)}"
    server.psql(f"CREATE DATABASE {name}")
    yield server.url(name)


async def to_revision(db: Database, revision: str, downgrade: bool = False) -> None:
    step = command.downgrade if downgrade else command.upgrade
    async with db.engine.begin() as connection:
        await connection.run_sync(lambda sync: step(_alembic_config(sync), revision))


async def tables(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def seed_release_0001(db: Database) -> None:
    """What a database of the previous release holds: units, an organizer, a volunteer with a class,
    two learners in it, one of whom finished a lesson."""
    async with db.transaction() as repo:
        repo.add(Unit(id="qn", name="Quảng Ninh", parent_id=None, kind="tinh"))
        repo.add(Unit(id="qn-a", name="Xã A", parent_id="qn", kind="xa"))
        await repo.flush()
        people = {}
        for external, role, name in (
            ("org", "organizer", "Chị Thảo"),
            ("a1", "volunteer", "Anh Một"),
            ("lan", "learner", "Bà Lan"),
            ("hoa", "learner", "Bà Hoa"),
        ):
            # A plain INSERT of the columns release 0001 had: the model has more today (users.bot,
            # migration 0005), which the ORM would write as NULL into a table that lacks them.
            inserted = await repo.session.execute(
                insert(User.__table__)
                .values(
                    channel="console",
                    external_id=external,
                    display_name=name,
                    role=role,
                    unit_id="qn" if role == "organizer" else "qn-a",
                    created_at=T0,
                    last_active_at=T0,
                    state={},
                    reminders_paused=False,
                    reminders_unanswered=0,
                )
                .returning(User.__table__.c.id)
            )
            people[external] = SimpleNamespace(id=inserted.scalar_one())
        await repo.flush()
        klass = Class(
            code="oldclasscode1",
            short_code="OLD234",
            name="Lớp của bản cũ",
            place="Nhà văn hóa",
            starts_at=None,
            volunteer_id=people["a1"].id,
            unit_id="qn-a",
            created_at=T0,
        )
        repo.add(klass)
        await repo.flush()
        for learner in ("lan", "hoa"):
            repo.add(Enrollment(class_id=klass.id, user_id=people[learner].id, joined_at=T0))
        repo.add(
            Progress(
                user_id=people["lan"].id,
                lesson_id="thu-nghiem",
                step_id="ket",
                step_index=3,
                status="done",
                attempts=0,
                quiz_correct=1,
                quiz_total=1,
                runs=1,
                started_at=T0,
                updated_at=T0,
                completed_at=T0,
                first_started_at=T0,
                first_completed_at=T0,
                furthest_step=3,
            )
        )


async def test_a_database_of_the_previous_release_upgrades_in_place(blank_url: str) -> None:
    db = Database(blank_url)
    await to_revision(db, "0001")
    assert not NEW_TABLES & await tables(db)
    await seed_release_0001(db)
    await db.close()

    # The bot starts on it: migrations run at start-up.
    tutor = await make_tutor(blank_url)
    try:
        current, newest = await tutor.db.schema_status()
        assert current == newest and newest >= "0002"  # at the newest migration, whichever it is
        assert await tables(tutor.db) >= NEW_TABLES
        async with tutor.db.reader() as repo:
            counts = [
                (await repo.session.execute(select(func.count()).select_from(model))).scalar_one()
                for model in (Unit, User, Class, Enrollment, Progress)
            ]
            old = await repo.class_by_code("OLD234")
        assert counts == [2, 4, 1, 2, 1] and old.name == "Lớp của bản cũ"

        # The old class holds a session at once; an old learner checks in; support is logged.
        a1 = Chat(tutor, Actor("console", "a1", "Anh Một"))
        replies = await a1.say("/buoihoc")
        assert replies[0].text.startswith("🏫 Lớp của bản cũ: 0 buổi đã học")
        await a1.say("1")  # ▶️ Bắt đầu buổi học ngay
        async with tutor.db.reader() as repo:
            code = (await repo.session.execute(text("SELECT code FROM class_sessions"))).scalar_one()
        replies = await a1.person("hoa", "Bà Hoa").send(Start(f"s-{code}"))
        assert any("Bác đã điểm danh buổi học Lớp của bản cũ." in r.text for r in replies)
        for line in ("/hotro", "1", "2", "2"):
            replies = await a1.say(line)
        assert replies[-1].text.startswith("✅ Đã ghi: 2 người · VNeID")
        async with tutor.db.reader() as repo:
            scope = await report_scope(repo, None, T0)
            (summary,) = await build_tables(repo, tutor.catalog, tutor.settings, scope, ["summary"])
        values = {row[0]: row[3] for row in summary.rows}
        assert (values["classes_held"], values["attendance"], values["people_supported"]) == (1, 1, 2)
        assert (values["completions"], values["learners"]) == (1, 2)  # the old release's figures
    finally:
        await tutor.db.close()

    # And back: downgrading to 0001 drops only the campaign's tables.
    db = Database(blank_url)
    try:
        await to_revision(db, "0001", downgrade=True)
        assert not NEW_TABLES & await tables(db)
        async with db.reader() as repo:
            users = (await repo.session.execute(select(func.count()).select_from(User))).scalar_one()
        assert users == 4
    finally:
        await db.close()


async def test_the_models_and_the_migrations_agree(blank_url: str) -> None:
    db = Database(blank_url)
    await db.migrate()
    try:
        async with db.engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await db.close()
    assert differences == []

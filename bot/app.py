"""Start-up shared by every command: open and migrate the database, load lessons, build the tutor."""

from __future__ import annotations

import logging

from bot.config import ConfigError, Settings
from bot.lessons import Catalog, load_catalog
from bot.store import Database, DatabaseError
from bot.tutor.engine import Tutor

log = logging.getLogger("hocvuso")


def load_lessons(settings: Settings) -> Catalog:
    """The valid lessons; every problem is one operator line (path:line: message), never fatal."""
    result = load_catalog(settings.lessons_dir)
    for problem in result.problems:
        log.warning("lesson problem: %s", problem)
    if result.problems:
        log.warning("%d lesson problem(s): those lessons are left out until fixed", len(result.problems))
    return result.catalog


async def open_database(settings: Settings) -> Database:
    try:
        db = Database(settings.database_url)
        await db.migrate()
    except DatabaseError as exc:
        raise ConfigError(f"database_url: {exc}") from None
    return db


async def build_tutor(settings: Settings) -> Tutor:
    db = await open_database(settings)
    return Tutor(db, load_lessons(settings), settings)

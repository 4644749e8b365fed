"""Start-up shared by every command: open and migrate the database, load lessons, assemble the
features into one router, build the tutor. The only place that knows every feature."""

from __future__ import annotations

import gc
import logging

from bot.clock import utcnow
from bot.config import ConfigError, Settings
from bot.core import codes
from bot.core.engine import Tutor
from bot.core.router import Router
from bot.features import account, classes, help, learning, organizer, volunteers
from bot.lessons import Catalog, load_catalog
from bot.store import Database, DatabaseError

log = logging.getLogger("hocvuso")


def load_lessons(settings: Settings) -> Catalog:
    """The valid lessons; every problem is one operator line (path:line: message), never fatal."""
    result = load_catalog(settings.lessons_dir, settings.address)
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
    await apply_config_organizers(db, settings)
    return Tutor(db, load_lessons(settings), settings, build_router())


def build_router() -> Router:
    """Every feature's routes in one router. The order is the order jobs run in on each scheduler
    tick (escalations first) and the order join-code kinds are tried in (classes, then invites)."""
    router = Router()
    for feature in (help, learning, codes, classes, volunteers, organizer, account):
        router.include(feature.router)
    return router


async def apply_config_organizers(db: Database, settings: Settings) -> None:
    """The config is the truth for the organizers it names, on every start: `organizers:` are
    organizers of every unit, whether or not they wrote yet; someone the config made an organizer
    and no longer names is a learner again. Organizers granted with `hocvuso admin grant` are not
    the config's: they keep their role until granted another one."""
    listed = set(settings.organizers)
    async with db.transaction() as repo:
        for item in settings.organizers:
            channel, _, external = item.partition(":")
            user = await repo.user_by_external(channel, external)
            if user is None or user.role != "organizer":
                user = await repo.grant(channel, external, "organizer", None, utcnow())
            if (user.state or {}).get("organizer_by") != "config":
                user.state = {**(user.state or {}), "organizer_by": "config"}
        for user in await repo.people("organizer", None, limit=10_000):
            person = f"{user.channel}:{user.external_id}"
            if (user.state or {}).get("organizer_by") == "config" and person not in listed:
                state = dict(user.state or {})
                state.pop("organizer_by", None)
                user.state, user.role, user.unit_id = state, "learner", None
                log.warning(
                    "organizers: user #%d (%s) is no longer in the config: now a learner",
                    user.id,
                    user.channel,
                )


def tune_gc() -> None:
    """After start-up, move everything loaded so far (lessons, libraries) out of the collector's
    sight and collect young objects less often: the default thresholds made the collector run
    every few updates, and its pauses were the bot's worst latencies (bench/README.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)

"""The store's face for the chat path: one `Repository` wraps one transaction and offers every
query, grouped by what it is about in `bot.store.queries` (one small module per aggregate)."""

from __future__ import annotations

from bot.store.queries.campaign import CampaignQueries
from bot.store.queries.classes import ClassQueries
from bot.store.queries.codes import CodeQueries
from bot.store.queries.guard import GuardQueries
from bot.store.queries.help import HelpQueries
from bot.store.queries.learning import LearningQueries
from bot.store.queries.outbox import OutboxQueries
from bot.store.queries.updates import UpdateQueries
from bot.store.queries.users import UserQueries
from bot.store.queries.web import WebQueries


class Repository(
    UpdateQueries,
    UserQueries,
    LearningQueries,
    ClassQueries,
    CodeQueries,
    CampaignQueries,
    HelpQueries,
    OutboxQueries,
    WebQueries,
    GuardQueries,
):
    """Every query of the chat path, on one transaction (`bot.store.unit_of_work`)."""

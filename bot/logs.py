"""Operator logging: one line per event, no tokens or message texts at INFO."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"(bot)?\d{6,}:[A-Za-z0-9_-]{20,}")


class RedactTokens(logging.Filter):
    """Bot tokens travel inside URLs (Telegram and Zalo both put them in the path); never log them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub("bot<token>", message)
            record.args = None
        return True


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library chatter at INFO would print every request URL (with the token) and every update.
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "aiosqlite", "sqlalchemy", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))

"""Operator logging: one line per event, no tokens or message texts at INFO."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"(bot)?\d{6,}:[A-Za-z0-9_-]{20,}")
_PHONE = re.compile(r"(?<![\d:])(?:\+?84|0)(?:[\s.-]?\d){9}(?!\d)")


def redact(text: str) -> str:
    return _PHONE.sub("<phone>", _TOKEN.sub("bot<token>", text))


class RedactTokens(logging.Filter):
    """Bot tokens travel inside URLs (Telegram and Zalo both put them in the path) and library errors
    may quote them; phone numbers may appear in a library's error text. Neither reaches the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


class RedactingFormatter(logging.Formatter):
    """The whole formatted record is redacted, tracebacks included: an exception's text (an HTTP
    error quoting a URL, a database error) is formatted after any filter has run. Database errors
    carry no values in the first place (engines are created with hide_parameters)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library chatter at INFO would print every request URL (with the token) and every update.
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "aiosqlite", "sqlalchemy", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))

"""What every request handler shares: the database, the settings, the lessons (reloaded on SIGHUP
by `hocvuso run`, hence a getter), the templates and the sign-in attempt limiter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from bot.config import Settings
from bot.lessons import Catalog
from bot.store import Database
from bot.web.security import AttemptLimiter

HERE = Path(__file__).resolve().parent
SESSION_IDLE = timedelta(hours=12)  # a session ends after this long without a request


def base_path(settings: Settings) -> str:
    """The path the dashboard is published under (from web.url, e.g. "/web"; "" at the root).
    The reverse proxy strips it; links the app writes put it back."""
    path = urlsplit(settings.web.url).path if settings.web.url else ""
    return path.rstrip("/")


@dataclass
class WebContext:
    db: Database
    settings: Settings
    lessons: Callable[[], Catalog]
    templates: Jinja2Templates
    base: str = ""
    limiter: AttemptLimiter = field(default_factory=AttemptLimiter)

    @property
    def catalog(self) -> Catalog:
        return self.lessons()


def web(request: Request) -> WebContext:
    return request.app.state.web

"""Safety parts: response headers (no script but our own files, no framing, no referrer, so a link's
token never leaks), CSRF tokens for forms, and a limit on failed sign-in attempts per client."""

from __future__ import annotations

import hmac
import secrets
from collections import deque
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.clock import utcnow

HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """Adds HEADERS to every response; pages (not static files) are never cached."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(HEADERS)
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use), put in every form as a hidden field."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, submitted: object) -> bool:
    expected = request.session.get("csrf")
    return bool(expected) and isinstance(submitted, str) and hmac.compare_digest(expected, submitted)


class AttemptLimiter:
    """At most `limit` failed sign-in or download-link attempts per client in `window`; then refused
    until the oldest failure leaves the window. Kept in the process (each process counts its own)."""

    def __init__(self, limit: int = 10, window: timedelta = timedelta(minutes=15)):
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[datetime]] = {}

    def _recent(self, client: str, now: datetime) -> deque[datetime]:
        failures = self._failures.setdefault(client, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked(self, client: str) -> bool:
        return len(self._recent(client, utcnow())) >= self.limit

    def failed(self, client: str) -> None:
        now = utcnow()
        self._recent(client, now).append(now)
        if len(self._failures) > 10_000:  # forget clients that stopped trying
            for key in [k for k, v in self._failures.items() if not v]:
                del self._failures[key]


def client_of(request: Request) -> str:
    # Behind the reverse proxy, uvicorn puts X-Forwarded-For here (it trusts 127.0.0.1 only).
    return request.client.host if request.client else "?"

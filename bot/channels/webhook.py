"""The webhook side of a channel: a small HTTP server that checks the platform's secret header and
hands the JSON body to the channel.

It answers 200 only when the channel's `handle` returns. Telegram re-sends an update that was not
answered with 200, so a Telegram update is handled (and committed) before it is acknowledged and a
process killed halfway loses nothing. A channel that prefers to answer first makes `handle` start a
task and return at once (Zalo does).

Safe by default: there is always a secret (configured, or derived from the bot token and registered
with setWebhook), and it is checked on the headers, before a byte of the body is read. Bodies over
1 MiB, headers or bodies that trickle in, and JSON that does not parse or nests deeper than any
update does are refused without reaching the channel.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.config import WebhookSettings

log = logging.getLogger("hocvuso.webhook")

Handle = Callable[[Any], Awaitable[None]]

MAX_BODY = 1 << 20  # 1 MiB: a Telegram or Zalo update is a few kilobytes
HEADER_TIMEOUT = 10.0  # seconds to send the request line and headers (also an idle keep-alive)
BODY_TIMEOUT = 10.0  # seconds to send the whole body
MAX_DEPTH = 32  # an update nests about 6 levels deep


class Refused(Exception):
    """The body is not something a platform sends: answered 400, never handled."""


class Busy(Exception):
    """The channel has too many updates in hand: answered 503 (a platform that retries sends it
    again; one that does not loses it — only under a flood, when that is the lesser harm)."""


def webhook_secret(settings: WebhookSettings, token: str, channel: str) -> str | None:
    """The secret this webhook requires: the configured one, else one derived from the bot token
    (HMAC-SHA256, 64 hex characters) — the same in every worker of one bot, so several processes
    behind a load balancer agree without configuration, and it is registered with setWebhook at
    start. None when there is neither a secret nor a URL to register a derived one with."""
    if settings.secret_token:
        return settings.secret_token
    if not settings.url:
        return None
    return hmac.new(token.encode(), f"hocvuso-{channel}-webhook".encode(), hashlib.sha256).hexdigest()


def parse_body(body: bytes) -> dict[str, Any]:
    """The update as a dict, or Refused: unparsable, not an object, or nested too deep."""
    try:
        value = json.loads(body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: "[[[[…" thousands deep
        raise Refused("not JSON") from None
    if not isinstance(value, dict):
        raise Refused("not a JSON object")
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Refused("nested too deep")
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return value


class WebhookServer:
    max_body = MAX_BODY
    header_timeout = HEADER_TIMEOUT
    body_timeout = BODY_TIMEOUT

    def __init__(
        self,
        settings: WebhookSettings,
        *,
        channel: str,
        secret_header: str,
        secret: str,
        handle: Handle,
    ):
        if not secret:
            raise ValueError("a webhook needs a secret")  # callers refuse to start without one
        self.settings = settings
        self.channel = channel
        self.secret_header = secret_header
        self.secret = secret
        self.handle = handle
        # URL path -> handler: one server serves every bot of a channel, each on its own path.
        self.handles: dict[str, Handle] = {self.path: handle}
        self._server: tornado.httpserver.HTTPServer | None = None

    @property
    def path(self) -> str:
        return (self.settings.path or self.channel).strip("/")

    def add(self, path: str, handle: Handle) -> None:
        """Serve another bot's updates on `path` (same secret, same server)."""
        self.handles[path.strip("/")] = handle

    def secret_ok(self, header: str | None) -> bool:
        return hmac.compare_digest((header or "").encode(), self.secret.encode())

    def app(self) -> tornado.web.Application:
        return tornado.web.Application([(r"/([^?]+)", _Handler, {"server": self})])

    def start(self) -> None:
        sockets = tornado.netutil.bind_sockets(self.settings.port, self.settings.listen)
        self._server = tornado.httpserver.HTTPServer(
            self.app(),
            max_body_size=self.max_body,
            idle_connection_timeout=self.header_timeout,
            body_timeout=self.body_timeout,
        )
        self._server.add_sockets(sockets)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None


@tornado.web.stream_request_body
class _Handler(tornado.web.RequestHandler):
    """The body is streamed in, so the secret is checked on the headers alone: a stranger's POST is
    answered 403 and the connection closed without reading what they send."""

    def initialize(self, server: WebhookServer) -> None:
        self.server = server
        self._chunks: list[bytes] = []

    def prepare(self) -> None:
        if self.request.method != "POST":
            self.set_status(405)
            self.finish()
        elif self._handle() is None:  # no bot on this path
            self.set_status(404)
            self.finish()
        elif not self.server.secret_ok(self.request.headers.get(self.server.secret_header)):
            self.set_status(403)
            self.finish()

    def _handle(self) -> Handle | None:
        return self.server.handles.get((self.path_args[0] if self.path_args else "").strip("/"))

    def data_received(self, chunk: bytes) -> None:
        self._chunks.append(chunk)  # the server caps the total at MAX_BODY

    async def post(self, _path: str) -> None:
        handle = self._handle()
        assert handle is not None  # checked in prepare
        try:
            body = parse_body(b"".join(self._chunks))
        except Refused as exc:
            log.warning("%s webhook: request refused (%s)", self.server.channel, exc)
            self.set_status(400)
            self.finish()
            return
        try:
            await handle(body)
        except Busy:
            log.warning("%s webhook: busy, update refused with 503", self.server.channel)
            self.set_status(503)
            self.finish()
            return
        except Exception as exc:  # the platform will send it again; the operator gets one line
            log.error("%s webhook: update not handled: %s", self.server.channel, type(exc).__name__)
            self.set_status(500)
            self.finish()
            return
        self.set_status(200)
        self.finish(json.dumps({"ok": True}))

    def log_exception(self, *args: Any) -> None:  # tornado would print the request line; keep it quiet
        log.warning("%s webhook: request failed", self.server.channel)

"""The webhook side of a channel: a small HTTP server that checks the platform's secret header and
hands the JSON body to the channel.

It answers 200 only when the channel's `handle` returns. Telegram re-sends an update that was not
answered with 200, so a Telegram update is handled (and committed) before it is acknowledged and a
process killed halfway loses nothing. A channel that prefers to answer first makes `handle` start a
task and return at once (Zalo does).
"""

from __future__ import annotations

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


class WebhookServer:
    def __init__(
        self,
        settings: WebhookSettings,
        *,
        channel: str,
        secret_header: str,
        secret_required: bool,
        handle: Handle,
    ):
        self.settings = settings
        self.channel = channel
        self.secret_header = secret_header
        self.secret_required = secret_required
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
        secret = self.settings.secret_token or ""
        if not secret:
            return not self.secret_required
        return hmac.compare_digest((header or "").encode(), secret.encode())

    def app(self) -> tornado.web.Application:
        return tornado.web.Application([(r"/([^?]+)", _Handler, {"server": self})])

    def start(self) -> None:
        sockets = tornado.netutil.bind_sockets(self.settings.port, self.settings.listen)
        self._server = tornado.httpserver.HTTPServer(self.app())
        self._server.add_sockets(sockets)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None


class _Handler(tornado.web.RequestHandler):
    def initialize(self, server: WebhookServer) -> None:
        self.server = server

    async def post(self, path: str) -> None:
        handle = self.server.handles.get(path.strip("/"))
        if handle is None:
            self.set_status(404)
            self.finish()
            return
        if not self.server.secret_ok(self.request.headers.get(self.server.secret_header)):
            self.set_status(403)
            self.finish()
            return
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            self.set_status(400)
            self.finish()
            return
        try:
            await handle(body)
        except Exception as exc:  # the platform will send it again; the operator gets one line
            log.error("%s webhook: update not handled: %s", self.server.channel, type(exc).__name__)
            self.set_status(500)
            self.finish()
            return
        self.set_status(200)
        self.finish(json.dumps({"ok": True}))

    def log_exception(self, *args: Any) -> None:  # tornado would print the request line; keep it quiet
        log.warning("%s webhook: request failed", self.server.channel)

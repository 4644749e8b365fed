"""A Zalo Bot API stand-in on 127.0.0.1 (tornado), shaped after ../shared/reference/zalo-bot-api.md:
`{ok, result}` envelopes, ok:false with error_code (408 when getUpdates had nothing, 429 "Quota
exceeded"), one update per getUpdates, 2,000-character messages, dates in milliseconds, and webhook
delivery with the X-Bot-Api-Secret-Token header in both body shapes."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

TOKEN = "1234567890123:zaloSECRETtokenForTestsOnlyABCDEFGH"


class ZaloStandIn:
    def __init__(self, token: str = TOKEN):
        self.token = token
        self.queue: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []  # {"method", "chat_id", "text"/"photo"}
        self.calls: list[str] = []
        self.get_updates_calls = 0
        self.timeouts = 0  # 408 answers given
        self.quota_next = 0  # answer this many sends with 429 "Quota exceeded"
        self.fail_next = 0  # answer this many getUpdates with HTTP 502
        self.instant_timeouts = 0  # answer this many getUpdates with 408 at once (no long wait)
        self.get_updates_at: list[float] = []  # monotonic time each getUpdates call arrived
        self.webhook: dict[str, Any] | None = None
        self.webhook_responses: list[int] = []
        self.wrap_next = True  # alternate the two webhook body shapes
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._server: tornado.httpserver.HTTPServer | None = None
        self.port = 0

    async def start(self) -> ZaloStandIn:
        app = tornado.web.Application([(r"/bot([^/]+)/([A-Za-z]+)", _Handler, {"standin": self})])
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- the learner's side --------------------------------------------------------------------

    def _update(self, user_id: str, name: str, event: str, **message: Any) -> dict[str, Any]:
        return {
            "event_name": event,
            "message": {
                "from": {"id": user_id, "display_name": name, "is_bot": False},
                "chat": {"id": user_id, "chat_type": "PRIVATE"},
                "message_id": f"m{next(self._ids)}",
                "date": int(time.time() * 1000),
                **message,
            },
        }

    async def push_text(self, user_id: str, text: str, name: str = "Bà Tư") -> dict[str, Any]:
        return await self.push(self._update(user_id, name, "message.text.received", text=text))

    async def push_event(self, user_id: str, event: str, name: str = "Bà Tư") -> dict[str, Any]:
        extra = {"sticker": "abc"} if event == "message.sticker.received" else {}
        return await self.push(self._update(user_id, name, event, **extra))

    async def push(self, update: dict[str, Any]) -> dict[str, Any]:
        if self.webhook:
            body = {"ok": True, "result": update} if self.wrap_next else update
            self.wrap_next = not self.wrap_next
            headers = {"X-Bot-Api-Secret-Token": self.webhook.get("secret_token") or ""}
            async with httpx.AsyncClient() as client:
                response = await client.post(self.webhook["url"], json=body, headers=headers)
            self.webhook_responses.append(response.status_code)
        else:
            self.queue.append(update)
            await self._notify()
        return update

    # --- what the bot did ------------------------------------------------------------------------

    def texts(self, user_id: str) -> list[str]:
        return [m.get("text", "") for m in self.sent if m["chat_id"] == user_id]

    async def wait_for(self, predicate: Callable[[ZaloStandIn], Any], timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not (result := predicate(self)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; bot sent: {[m.get('text') for m in self.sent][-6:]}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
        return result

    async def wait_text(self, user_id: str, fragment: str, timeout: float = 15.0) -> str:
        return await self.wait_for(
            lambda s: next((t for t in s.texts(user_id) if fragment in t), None), timeout
        )

    # --- the API -----------------------------------------------------------------------------------

    async def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.calls.append(method)
        try:
            return await self._answer(method, params)
        finally:
            await self._notify()  # whoever waits on the bot's calls (setWebhook, getUpdates…) looks again

    async def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "getMe":
            return 200, {
                "ok": True,
                "result": {
                    "id": "987",
                    "account_name": "hocvuso_bot",
                    "account_type": "BASIC",
                    "can_join_groups": False,
                },
            }
        if method == "getUpdates":
            self.get_updates_calls += 1
            self.get_updates_at.append(time.monotonic())
            if self.instant_timeouts:
                self.instant_timeouts -= 1
                self.timeouts += 1
                return 200, {"ok": False, "error_code": 408, "description": "Request timeout"}
            if self.fail_next:
                self.fail_next -= 1
                return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
            if self.webhook:
                return 200, {"ok": False, "error_code": 400, "description": "webhook is active"}
            timeout = float(params.get("timeout") or 30)
            deadline = time.monotonic() + timeout
            async with self._changed:
                while not self.queue and time.monotonic() < deadline:
                    try:
                        await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                    except TimeoutError:
                        break
            if not self.queue:
                self.timeouts += 1
                await self._notify()
                return 200, {"ok": False, "error_code": 408, "description": "Request timeout"}
            return 200, {"ok": True, "result": self.queue.pop(0)}
        if method in ("sendMessage", "sendPhoto", "sendVoice"):
            if self.quota_next:
                self.quota_next -= 1
                return 200, {"ok": False, "error_code": 429, "description": "Quota exceeded"}
            if method == "sendMessage":
                text = params.get("text") or ""
                if not 1 <= len(text) <= 2000:
                    return 200, {
                        "ok": False,
                        "error_code": 400,
                        "description": "text must be 1-2000 characters",
                    }
            self.sent.append({"method": method, **params})
            await self._notify()
            return 200, {
                "ok": True,
                "result": {"message_id": f"b{next(self._ids)}", "date": int(time.time() * 1000)},
            }
        if method == "setWebhook":
            secret = params.get("secret_token") or ""
            if not 8 <= len(secret) <= 256:
                return 200, {
                    "ok": False,
                    "error_code": 400,
                    "description": "secret_token must be 8-256 characters",
                }
            self.webhook = {"url": params.get("url"), "secret_token": secret}
            return 200, {
                "ok": True,
                "result": {"url": params.get("url"), "updated_at": int(time.time() * 1000)},
            }
        if method == "deleteWebhook":
            self.webhook = None
            return 200, {"ok": True, "result": {"url": "", "updated_at": int(time.time() * 1000)}}
        if method == "sendChatAction":
            return 200, {"ok": True, "result": True}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}


class _Handler(tornado.web.RequestHandler):
    def initialize(self, standin: ZaloStandIn) -> None:
        self.standin = standin

    async def post(self, token: str, method: str) -> None:
        if token != self.standin.token:
            self._reply(200, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        params = json.loads(self.request.body) if self.request.body else {}
        status, body = await self.standin.call(method, params)
        self._reply(status, body)

    get = post

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))

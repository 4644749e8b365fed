"""Telegram for several bots at once, with its flood limits, served on 127.0.0.1 (tornado).

Where `telegram_standin` plays one bot in detail, this plays what a campaign meets: any number of
bots (one token each), every one limited as Telegram documents it — about 30 messages a second
per bot in all and about one a second to one chat; past that a call is refused with 429 and
`retry_after` — and learners who write and press buttons, through getUpdates or each bot's
webhook. Every message a bot sends or edits is recorded with the time it arrived, so a test or the
classroom benchmark can ask how long a learner waited and in what order the screens came.

What counts against the limits: sendMessage, sendPhoto, sendVoice, sendAudio, sendDocument,
editMessageText and editMessageReplyMarkup (conservatively: Telegram does not say edits are free).
answerCallbackQuery and the bot's own housekeeping (getMe, getUpdates, setWebhook…) do not.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

# A message's Unix time: fixed (the bot does not read it, and no test may depend on the hour).
MESSAGE_DATE = 1_795_000_000
LIMITED = {
    "sendMessage",
    "sendPhoto",
    "sendVoice",
    "sendAudio",
    "sendDocument",
    "editMessageText",
    "editMessageReplyMarkup",
}
JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "scope", "entities", "link_preview_options"}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "max_connections"}


@dataclass(frozen=True)
class Limits:
    """Telegram's flood limits, as sliding windows (`scale` > 1 compresses time: every rate is
    multiplied by it, for a benchmark that runs a class faster than life)."""

    per_bot: float = 30.0  # requests per second, all chats together
    per_chat: float = 1.0  # requests per second to one chat
    scale: float = 1.0
    enabled: bool = True


class Refused(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class Sent:
    """A message as the learner's phone shows it, with when it (last) arrived."""

    chat: int
    message_id: int
    method: str
    text: str
    markup: dict[str, Any] | None
    at: float
    edited_at: float | None = None

    @property
    def buttons(self) -> list[dict[str, str]]:
        return [b for row in (self.markup or {}).get("inline_keyboard", []) for b in row]


@dataclass
class CloudBot:
    token: str
    username: str
    limits: Limits
    pending: list[dict[str, Any]] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    messages: dict[tuple[int, int], Sent] = field(default_factory=dict)
    log: list[Sent] = field(default_factory=list)  # every send and edit, in arrival order
    answered: dict[str, float] = field(default_factory=dict)  # callback query id -> when
    refused: int = 0  # 429s given
    # Every limited call as it arrived: (chat, when, retry_after in seconds if refused, else None).
    calls: list[tuple[int, float, float | None]] = field(default_factory=list)
    polled: bool = False  # getUpdates was called (the bot is up, polling)
    webhook_statuses: list[int] = field(default_factory=list)
    turns: Iterator[int] = field(default_factory=itertools.count)
    _window: collections.deque[float] = field(default_factory=collections.deque)
    _posting_to: dict[int, asyncio.Lock] = field(default_factory=dict)  # one chat's webhook posts
    _chat_windows: dict[int, collections.deque[float]] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return int(self.token.split(":")[0])

    def user(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": "Học vụ số",
            "username": self.username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def check(self, chat: int, now: float) -> None:
        """Count a limited call, or refuse it the way Telegram does."""
        if not self.limits.enabled:
            return
        try:
            self._check(chat, now)
        except Refused as refused:
            self.calls.append((chat, now, refused.parameters["retry_after"] / self.limits.scale))
            raise
        self.calls.append((chat, now, None))

    def _check(self, chat: int, now: float) -> None:
        period = 1.0 / self.limits.scale
        window = self._window
        chat_window = self._chat_windows.setdefault(chat, collections.deque())
        while window and window[0] <= now - period:
            window.popleft()
        while chat_window and chat_window[0] <= now - period:
            chat_window.popleft()
        wait = 0.0
        if len(window) >= self.limits.per_bot:
            wait = window[0] + period - now
        if len(chat_window) >= self.limits.per_chat:
            wait = max(wait, chat_window[0] + period - now)
        if wait > 0:
            self.refused += 1
            # Telegram counts whole seconds; so does its answer (at the campaign's pace).
            seconds = max(1, math.ceil(wait * self.limits.scale))
            raise Refused(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})
        window.append(now)
        chat_window.append(now)


class TelegramCloud:
    def __init__(self, limits: Limits | None = None, webhook_connections: int = 40):
        self.limits = limits or Limits()
        self.bots: dict[str, CloudBot] = {}
        self.webhook_connections = webhook_connections  # Telegram's max_connections default
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._server: tornado.httpserver.HTTPServer | None = None
        self._http: httpx.AsyncClient | None = None
        self._posting: asyncio.Semaphore | None = None
        self.port = 0
        self.listeners: list[Callable[[CloudBot, Sent], None]] = []  # told of every send and edit

    # --- server ----------------------------------------------------------------------------------

    async def start(self) -> TelegramCloud:
        app = tornado.web.Application(
            [(r"/bot([^/]+)/([A-Za-z]+)", _Handler, {"cloud": self})], log_function=lambda handler: None
        )
        self._server = tornado.httpserver.HTTPServer(app)
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server.add_sockets(sockets)
        self._http = httpx.AsyncClient(
            timeout=60, limits=httpx.Limits(max_connections=self.webhook_connections)
        )
        self._posting = asyncio.Semaphore(self.webhook_connections)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
        if self._http is not None:
            await self._http.aclose()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def add_bot(self, token: str, username: str, limits: Limits | None = None) -> CloudBot:
        bot = self.bots[token] = CloudBot(token, username, limits or self.limits)
        return bot

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- the learners' side --------------------------------------------------------------------

    @staticmethod
    def person(chat: int, name: str = "Lan") -> dict[str, Any]:
        return {"id": chat, "is_bot": False, "first_name": name, "language_code": "vi"}

    def text_update(self, chat: int, text: str, name: str = "Lan") -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": self.person(chat, name),
            "chat": {"id": chat, "type": "private", "first_name": name},
            "date": MESSAGE_DATE,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": next(self._update_ids), "message": message}

    def press_update(
        self, bot: CloudBot, chat: int, message_id: int, data: str, name: str = "Lan"
    ) -> dict[str, Any]:
        shown = bot.messages.get((chat, message_id))
        message = {
            "message_id": message_id,
            "from": bot.user(),
            "chat": {"id": chat, "type": "private", "first_name": name},
            "date": MESSAGE_DATE,
            "text": shown.text if shown else "",
        }
        if shown is not None and shown.markup:
            message["reply_markup"] = shown.markup
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._query_ids)),
                "from": self.person(chat, name),
                "message": message,
                "chat_instance": f"-{chat}77",
                "data": data,
            },
        }

    async def push(self, bot: CloudBot, update: dict[str, Any]) -> None:
        """Hand an update to the bot: POSTed to its webhook if it has one, else queued for getUpdates."""
        if bot.webhook:
            asyncio.get_running_loop().create_task(self._post(bot, update))
            return
        bot.pending.append(update)
        await self._notify()

    async def _post(self, bot: CloudBot, update: dict[str, Any]) -> None:
        """One chat's updates one after another, in order (a learner's next press is not posted
        while the previous one is unanswered); other chats' at the same time."""
        source = update.get("message") or (update.get("callback_query") or {}).get("message") or {}
        chat = int((source.get("chat") or {}).get("id") or 0)
        lock = bot._posting_to.setdefault(chat, asyncio.Lock())
        async with lock:
            await self._post_one(bot, update)
        if not lock.locked():
            bot._posting_to.pop(chat, None)

    async def _post_one(self, bot: CloudBot, update: dict[str, Any]) -> None:
        """As Telegram does: at most `webhook_connections` requests at once; an update that is
        not answered with 200 is sent again."""
        assert self._http is not None and self._posting is not None and bot.webhook is not None
        headers = {"Content-Type": "application/json"}
        if bot.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = bot.webhook["secret_token"]
        body = json.dumps(update)
        # Several workers behind a load balancer: "urls", taken in turn (the benchmark's balancer).
        urls = bot.webhook.get("urls") or [bot.webhook["url"]]
        for attempt in range(5):
            url = urls[next(bot.turns) % len(urls)]
            async with self._posting:
                try:
                    response = await self._http.post(url, content=body, headers=headers)
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
            bot.webhook_statuses.append(status)
            if status == 200:
                return
            await asyncio.sleep(0.5 * (attempt + 1))

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("timed out waiting on the Telegram stand-in")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    # --- the API ---------------------------------------------------------------------------------

    def _record(self, bot: CloudBot, sent: Sent) -> None:
        bot.log.append(sent)
        for listener in self.listeners:
            listener(bot, sent)

    async def call(self, bot: CloudBot, method: str, params: dict[str, Any]) -> Any:
        now = time.monotonic()
        if method in LIMITED:
            bot.check(int(params.get("chat_id") or 0), now)
        if method == "getMe":
            return bot.user()
        if method == "getUpdates":
            bot.polled = True
            return await self._get_updates(bot, params)
        if method in ("sendMessage", "sendPhoto", "sendVoice", "sendAudio", "sendDocument"):
            chat = int(params["chat_id"])
            text = params.get("text") or params.get("caption") or ""
            if method == "sendMessage" and not 1 <= len(text) <= 4096:
                raise Refused(400, "Bad Request: message text is empty or too long")
            sent = Sent(chat, next(self._message_ids), method, text, params.get("reply_markup"), now)
            bot.messages[(chat, sent.message_id)] = sent
            self._record(bot, sent)
            await self._notify()
            result: dict[str, Any] = {
                "message_id": sent.message_id,
                "from": bot.user(),
                "chat": {"id": chat, "type": "private", "first_name": "Lan"},
                "date": MESSAGE_DATE,
                "text": text,
            }
            if sent.markup:
                result["reply_markup"] = sent.markup
            if method == "sendPhoto":
                result["photo"] = [{"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}]
            return result
        if method in ("editMessageText", "editMessageReplyMarkup"):
            shown = bot.messages.get((int(params.get("chat_id") or 0), int(params.get("message_id") or 0)))
            if shown is None:
                raise Refused(400, "Bad Request: message to edit not found")
            if method == "editMessageText":
                shown.text = params.get("text") or shown.text
            shown.markup = params.get("reply_markup")
            shown.edited_at = now
            self._record(bot, Sent(shown.chat, shown.message_id, method, shown.text, shown.markup, now))
            await self._notify()
            return {"message_id": shown.message_id, "chat": {"id": shown.chat, "type": "private"}, "date": 0}
        if method == "answerCallbackQuery":
            bot.answered[str(params.get("callback_query_id"))] = now
            await self._notify()
            return True
        if method == "setWebhook":
            bot.webhook = {"url": params.get("url"), "secret_token": params.get("secret_token")}
            await self._notify()
            return True
        if method == "deleteWebhook":
            bot.webhook = None
            return True
        if method in ("setMyCommands", "close", "logOut"):
            return True
        raise Refused(404, "Not Found: method not found")

    async def _get_updates(self, bot: CloudBot, params: dict[str, Any]) -> list[dict[str, Any]]:
        if bot.webhook:
            raise Refused(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        if offset:
            bot.pending = [u for u in bot.pending if u["update_id"] >= offset]
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        async with self._changed:
            while not bot.pending and time.monotonic() < deadline:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
        return bot.pending[: int(params.get("limit") or 100)]


class _Handler(tornado.web.RequestHandler):
    def initialize(self, cloud: TelegramCloud) -> None:
        self.cloud = cloud

    async def get(self, token: str, method: str) -> None:
        await self.post(token, method)

    async def post(self, token: str, method: str) -> None:
        bot = self.cloud.bots.get(token)
        if bot is None:
            self._reply({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
            return
        try:
            result = await self.cloud.call(bot, method, self._params())
        except Refused as exc:
            body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            self._reply(body, exc.code)
            return
        self._reply({"ok": True, "result": result}, 200)

    def _params(self) -> dict[str, Any]:
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            raw = json.loads(self.request.body)
        else:
            raw = {k: v[-1].decode("utf-8") for k, v in self.request.arguments.items()}
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str) and key in JSON_FIELDS:
                value = json.loads(value)
            elif isinstance(value, str) and key in INT_FIELDS:
                value = int(value)
            params[key] = value
        return params

    def _reply(self, body: dict[str, Any], status: int) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))

    def log_exception(self, *args: Any) -> None:  # quiet: a refused call is not an error here
        return None

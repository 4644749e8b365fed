"""A Telegram Bot API stand-in served on 127.0.0.1 over real HTTP (tornado), for end-to-end tests.

It answers the methods the bot uses with the shapes the real API returns (dates in seconds,
`is_bot`, `chat_instance`, `{ok, result}` / `{ok: false, error_code, description}` envelopes),
keeps what the bot sent, and plays the learner's side: typed messages, stickers, button presses.
In webhook mode it POSTs updates to the bot's registered URL with the secret header, as Telegram does.
"""

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

TOKEN = "123456789:AAHtestTOKENforHocVuSoStandInXYZabcde"
# The buttons that take a learner through the test lesson "thu-nghiem", with what each one brings.
THU_NGHIEM_BY_BUTTONS = [
    ("Tiếp tục", "Bước 2/4"),
    ("Không", "Bước 3/4"),
    ("✅ Xong", "Bước 4/4"),
    ("Tiếp tục", "🎉 Chúc mừng"),
]
JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "scope", "entities", "link_preview_options"}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "max_connections"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


class TelegramStandIn:
    def __init__(self, token: str = TOKEN):
        self.token = token
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Học vụ số",
            "username": "hocvuso_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(5000)
        self._user_message_ids = itertools.count(1)
        self._bot_message_ids = itertools.count(10_000)
        self._file_ids = itertools.count(1)
        self._query_ids = itertools.count(900)
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat, message_id) -> bot message
        self.sent: list[dict[str, Any]] = []  # bot messages in order, with "_method"
        self.files: dict[str, bytes] = {}  # file_id -> uploaded content
        self.uploads: list[str] = []  # methods that carried an upload
        self.filenames: dict[str, str] = {}  # form field -> file name of the latest upload
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.commands: list[dict[str, Any]] = []  # the default menu (no scope)
        self.chat_commands: dict[
            int, list[dict[str, Any]]
        ] = {}  # chat id -> its own menu (BotCommandScopeChat)
        self.webhook: dict[str, Any] | None = None
        self.webhook_responses: list[int] = []
        self.flood_next = 0  # reject this many send calls with 429
        self.flood_retry_after = 1
        self.failures: list[tuple[str, ApiError]] = []  # (method, error): the next calls that fail
        self._changed = asyncio.Condition()
        self._server: tornado.httpserver.HTTPServer | None = None
        self.port = 0

    # --- server ----------------------------------------------------------------------------------

    async def start(self) -> TelegramStandIn:
        app = tornado.web.Application([(r"/bot([^/]+)/([A-Za-z]+)", _Handler, {"standin": self})])
        self._server = tornado.httpserver.HTTPServer(app)
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server.add_sockets(sockets)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- the learner's side --------------------------------------------------------------------

    @staticmethod
    def person(user_id: int, first_name: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "vi"}

    def _message_update(self, chat_id: int, first_name: str, **content: Any) -> dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "message": {
                "message_id": next(self._user_message_ids),
                "from": self.person(chat_id, first_name),
                "chat": {"id": chat_id, "type": "private", "first_name": first_name},
                "date": int(time.time()),
                **content,
            },
        }

    async def push_text(self, chat_id: int, text: str, first_name: str = "Lan") -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return await self.push(self._message_update(chat_id, first_name, **content))

    async def push_sticker(self, chat_id: int, first_name: str = "Lan") -> dict[str, Any]:
        sticker = {
            "file_id": "sticker-1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return await self.push(self._message_update(chat_id, first_name, sticker=sticker))

    async def press(
        self, chat_id: int, message_id: int, data: str, first_name: str = "Lan"
    ) -> dict[str, Any]:
        return await self.push(self.press_update(chat_id, message_id, data, first_name))

    def text_update(self, chat_id: int, text: str, first_name: str = "Lan") -> dict[str, Any]:
        return self._message_update(chat_id, first_name, text=text)

    def press_update(
        self, chat_id: int, message_id: int, data: str, first_name: str = "Lan"
    ) -> dict[str, Any]:
        message = self.messages.get((chat_id, message_id))
        if message is None:
            message = {"message_id": message_id, "chat": {"id": chat_id, "type": "private"}, "date": 0}
        update = {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._query_ids)),
                "from": self.person(chat_id, first_name),
                "message": message,
                "chat_instance": f"-{chat_id}77",
                "data": data,
            },
        }
        return update

    async def press_label(self, chat_id: int, label: str) -> dict[str, Any]:
        """Press the button with this label on the newest message that shows it."""
        for message in reversed(self.sent):
            if message["chat"]["id"] != chat_id:
                continue
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        return await self.press(chat_id, message["message_id"], button["callback_data"])
        raise AssertionError(f"no button {label!r} in chat {chat_id}")

    async def press_through(
        self, chat_id: int, script: list[tuple[str, str]] = THU_NGHIEM_BY_BUTTONS, timeout: float = 15.0
    ) -> None:
        """Press each label in turn, waiting each time for the message it should bring."""
        for label, expect in script:
            await self.press_label(chat_id, label)
            await self.wait_text(chat_id, expect, timeout)

    async def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Deliver an update: to the webhook if one is set, else to getUpdates."""
        if self.webhook:
            headers = {"Content-Type": "application/json"}
            if self.webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
            async with httpx.AsyncClient() as client:
                response = await client.post(self.webhook["url"], content=json.dumps(update), headers=headers)
            self.webhook_responses.append(response.status_code)
        else:
            self.pending.append(update)
            await self._notify()
        return update

    # --- what the bot did ------------------------------------------------------------------------

    def texts(self, chat_id: int) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.sent if m["chat"]["id"] == chat_id]

    async def wait_for(self, predicate: Callable[[TelegramStandIn], Any], timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                result = predicate(self)
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; bot sent: {[m.get('text') for m in self.sent][-8:]}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_text(self, chat_id: int, fragment: str, timeout: float = 15.0) -> dict[str, Any]:
        def found(s: TelegramStandIn) -> dict[str, Any] | None:
            return next(
                (
                    m
                    for m in s.sent
                    if m["chat"]["id"] == chat_id and fragment in (m.get("text") or m.get("caption") or "")
                ),
                None,
            )

        return await self.wait_for(found, timeout)

    # --- the API ---------------------------------------------------------------------------------

    def _bot_message(self, chat_id: int, method: str, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._bot_message_ids),
            "from": self.bot_user,
            "chat": {"id": chat_id, "type": "private", "first_name": "Lan"},
            "date": int(time.time()),
            **{k: v for k, v in content.items() if v is not None},
        }
        self.messages[(chat_id, message["message_id"])] = message
        self.sent.append({**message, "_method": method, "_had_keyboard": bool(content.get("reply_markup"))})
        return message

    def _file(self, params: dict[str, Any], files: dict[str, bytes], field: str, method: str) -> str:
        if field in files:
            file_id = f"{field}-{next(self._file_ids)}"
            self.files[file_id] = files[field]
            self.uploads.append(method)
            return file_id
        value = params.get(field)
        if isinstance(value, str) and value.startswith("attach://"):
            name = value[len("attach://") :]
            return self._file(params, {field: files[name]}, field, method)
        if value not in self.files:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return str(value)

    def _check_flood(self) -> None:
        if self.flood_next > 0:
            self.flood_next -= 1
            raise ApiError(
                429,
                f"Too Many Requests: retry after {self.flood_retry_after}",
                {"retry_after": self.flood_retry_after},
            )

    def fail(
        self, method: str, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        """Make the next call of `method` (after earlier queued failures) fail with this error."""
        self.failures.append((method, ApiError(code, description, parameters)))

    async def call(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.calls.append((method, params))
        failure = next((f for f in self.failures if f[0] == method), None)
        if failure is not None:
            self.failures.remove(failure)
            raise failure[1]
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        result = handler(params, files)
        if asyncio.iscoroutine(result):
            result = await result
        await self._notify()
        return result

    def api_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self.bot_user

    async def api_getUpdates(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if self.webhook:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        if offset:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not self.pending and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
        return self.pending[: int(params.get("limit") or 100)]

    def api_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self._check_flood()
        text = params.get("text") or ""
        if not 1 <= len(text) <= 4096:
            raise ApiError(
                400, "Bad Request: message text is empty" if not text else "Bad Request: message is too long"
            )
        return self._bot_message(
            params["chat_id"], "sendMessage", text=text, reply_markup=params.get("reply_markup")
        )

    def api_sendPhoto(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self._check_flood()
        file_id = self._file(params, files, "photo", "sendPhoto")
        photo = [
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": 320,
                "height": 240,
                "file_size": len(self.files[file_id]),
            }
        ]
        return self._bot_message(
            params["chat_id"],
            "sendPhoto",
            photo=photo,
            caption=params.get("caption"),
            reply_markup=params.get("reply_markup"),
        )

    def api_sendVoice(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self._check_flood()
        file_id = self._file(params, files, "voice", "sendVoice")
        voice = {"file_id": file_id, "file_unique_id": f"u{file_id}", "duration": 3, "mime_type": "audio/ogg"}
        return self._bot_message(params["chat_id"], "sendVoice", voice=voice)

    def api_sendAudio(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self._check_flood()
        file_id = self._file(params, files, "audio", "sendAudio")
        audio = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "duration": 3,
            "mime_type": "audio/mpeg",
        }
        return self._bot_message(params["chat_id"], "sendAudio", audio=audio)

    def api_sendDocument(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self._check_flood()
        file_id = self._file(params, files, "document", "sendDocument")
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": self.filenames.get("document", "file"),
        }
        return self._bot_message(
            params["chat_id"],
            "sendDocument",
            document=document,
            caption=params.get("caption"),
            reply_markup=params.get("reply_markup"),
        )

    def _stored(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get((params.get("chat_id"), params.get("message_id")))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def api_editMessageText(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._stored(params)
        markup = params.get("reply_markup")
        if message.get("text") == params.get("text") and message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = params.get("text")
        message["edit_date"] = int(time.time())
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        self._sync(message)
        return message

    def api_editMessageCaption(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._stored(params)
        if "caption" not in message:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        message["caption"] = params.get("caption")
        message["edit_date"] = int(time.time())
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self._sync(message)
        return message

    def api_editMessageReplyMarkup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._stored(params)
        markup = params.get("reply_markup")
        if message.get("reply_markup") == markup or (not markup and "reply_markup" not in message):
            raise ApiError(400, "Bad Request: message is not modified")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        self._sync(message)
        return message

    def _sync(self, message: dict[str, Any]) -> None:
        for sent in self.sent:
            if sent["chat"]["id"] == message["chat"]["id"] and sent["message_id"] == message["message_id"]:
                kept = {k: v for k, v in sent.items() if k.startswith("_")}
                sent.clear()
                sent.update({**message, **kept})

    def api_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        query_id = str(params.get("callback_query_id"))
        if query_id in self.callback_answers:
            raise ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self.callback_answers[query_id] = params
        return True

    def api_setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        scope = params.get("scope") or {"type": "default"}
        commands = params.get("commands") or []
        if scope.get("type") == "default":
            self.commands = commands
        elif scope.get("type") == "chat":
            self.chat_commands[int(scope["chat_id"])] = commands
        else:
            raise ApiError(400, f"Bad Request: scope {scope.get('type')} not supported by the stand-in")
        return True

    def menu_of(self, chat_id: int) -> list[str]:
        """The command names a chat's "/" menu shows: its own if set, else the default."""
        return [c["command"] for c in self.chat_commands.get(chat_id, self.commands)]

    def api_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = {"url": params.get("url"), "secret_token": params.get("secret_token")}
        return True

    def api_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = None
        return True

    def api_getWebhookInfo(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return {
            "url": (self.webhook or {}).get("url") or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }

    def api_close(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True


class _Handler(tornado.web.RequestHandler):
    def initialize(self, standin: TelegramStandIn) -> None:
        self.standin = standin

    async def get(self, token: str, method: str) -> None:
        await self.post(token, method)

    async def post(self, token: str, method: str) -> None:
        if token != self.standin.token:
            self._reply({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
            return
        params, files = self._params()
        try:
            result = await self.standin.call(method, params, files)
        except ApiError as exc:
            body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            self._reply(body, exc.code)
            return
        self._reply({"ok": True, "result": result}, 200)

    def _params(self) -> tuple[dict[str, Any], dict[str, bytes]]:
        content_type = self.request.headers.get("Content-Type", "")
        raw: dict[str, Any] = {}
        if content_type.startswith("application/json") and self.request.body:
            raw = json.loads(self.request.body)
        else:
            raw = {k: v[-1].decode("utf-8") for k, v in self.request.arguments.items()}
        files: dict[str, bytes] = {}
        for name, parts in self.request.files.items():
            files[name] = parts[0]["body"]
            self.standin.filenames[name] = parts[0]["filename"]
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str) and key in JSON_FIELDS:
                value = json.loads(value)
            elif isinstance(value, str) and key in INT_FIELDS:
                value = int(value)
            params[key] = value
        return params, files

    def _reply(self, body: dict[str, Any], status: int) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))

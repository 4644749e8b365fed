"""An in-process Bot API for python-telegram-bot: the bot's requests are answered in memory with the
shapes Telegram returns, so a benchmark measures the bot, not the network."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT = {
    "id": 42,
    "is_bot": True,
    "first_name": "Bench",
    "username": "bench_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}


class InProcessBotAPI(BaseRequest):
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.calls = 0  # messages sent or edited
        self.log: list[tuple[int, float]] | None = None  # (chat, when) of each, while set

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        result: Any = True
        if name.startswith(("send", "edit")):
            self.calls += 1
            if self.log is not None:
                self.log.append((int(params.get("chat_id", 0)), time.perf_counter()))
        if name == "getMe":
            result = BOT
        elif name in (
            "sendMessage",
            "sendPhoto",
            "sendDocument",
            "sendVoice",
            "sendAudio",
            "editMessageText",
        ):
            result = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                "from": BOT,
                "text": params.get("text") or params.get("caption") or "",
            }
            if name == "sendPhoto":  # as Telegram answers: a file id to send the picture again by
                photo = {"file_id": f"photo-{result['message_id']}", "file_unique_id": "u", "width": 800}
                result["photo"] = [{**photo, "height": 600}]
        elif name == "getUpdates":
            result = []
        return 200, json.dumps({"ok": True, "result": result}).encode()


def text_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """A Telegram update of a private text message, as getUpdates returns it."""
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Learner"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Learner", "language_code": "vi"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}

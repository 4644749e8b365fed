"""Zalo channel on the Zalo Bot API (httpx): the same tutor, rendered without buttons.

The API is Telegram-like but returns one update per `getUpdates` (no offsets), answers "nothing yet"
with `error_code 408`, caps messages at 2,000 characters and has no keyboards — so choices are
numbered lines the learner answers by number or words. The token travels in the URL path: it is never
logged (errors are logged by type and a redacted message).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any

import httpx

from bot.channels.outbox import OutboxPump, RetryLater, Undeliverable
from bot.channels.pacing import Budget
from bot.channels.webhook import Busy, WebhookServer, webhook_secret
from bot.config import ZaloSettings
from bot.core.engine import Tutor
from bot.core.events import Actor, Event, Media, parse_text
from bot.core.replies import Delivery, Reply
from bot.core.split import split_text

log = logging.getLogger("hocvuso.zalo")

CHANNEL = "zalo"
TEXT_LIMIT = 2000
SCREEN_BUTTON = re.compile(r"^\d+\.\d+$")
MEDIA_EVENTS = {
    "message.image.received": "photo",
    "message.sticker.received": "sticker",
    "message.voice.received": "voice",
    "message.link.received": "link",
    "message.unsupported.received": "unsupported",
}
NO_IMAGE = "🖼 (Bước này có hình minh họa. Bác xem trên Telegram, hoặc nhờ tình nguyện viên chỉ giúp.)"


class ZaloError(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


class ZaloClient:
    """A small client for the Zalo Bot API: `{ok, result}` envelopes; ok:false is an error even
    with HTTP 200."""

    def __init__(self, base_url: str, token: str, timeout: float = 15.0):
        self._token = token
        self._base = f"{base_url.rstrip('/')}/bot{token}/"
        self._http = httpx.AsyncClient(timeout=timeout)

    def redact(self, text: str) -> str:
        return text.replace(self._token, "<token>")

    async def call(self, method: str, http_timeout: float | None = None, **params: Any) -> Any:
        try:
            response = await self._http.post(
                self._base + method,
                json=params,
                timeout=http_timeout if http_timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as exc:
            # httpx messages can quote the URL; keep the token out of every error.
            raise httpx.TransportError(self.redact(f"{type(exc).__name__}: {exc}")) from None
        try:
            body = response.json()
        except ValueError:
            raise ZaloError(response.status_code, f"non-JSON answer (HTTP {response.status_code})") from None
        if not isinstance(body, dict) or not body.get("ok"):
            code = (
                int(body.get("error_code") or response.status_code)
                if isinstance(body, dict)
                else response.status_code
            )
            description = str(body.get("description") or "") if isinstance(body, dict) else ""
            raise ZaloError(code, description)
        return body.get("result")

    async def close(self) -> None:
        await self._http.aclose()


def event_from_update(
    update: dict[str, Any], via: str | None = None
) -> tuple[Actor, Event, str | None] | None:
    """(who, what, dedupe key) from a Zalo update, or None for something that is not a message."""
    name = str(update.get("event_name") or "")
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    chat = message.get("chat") or {}
    sender = message.get("from") or {}
    chat_id = chat.get("id") or sender.get("id")
    if not chat_id or sender.get("is_bot"):
        return None
    if str(chat.get("chat_type") or "PRIVATE").upper() != "PRIVATE":
        # A group is not one person: its members' messages would share one learner's progress,
        # role and help requests. The bot talks to people in private chats only.
        return None
    actor = Actor(CHANNEL, str(chat_id), sender.get("display_name"), via=via)
    key = str(message["message_id"]) if message.get("message_id") else None
    if name == "message.text.received" and isinstance(message.get("text"), str):
        return actor, parse_text(message["text"]), key
    return actor, Media(MEDIA_EVENTS.get(name, "unsupported")), key


def render_text(reply: Reply) -> str:
    """Numbered choices under the text; other buttons become what to type instead."""
    lines = [reply.text]
    number = 0
    for button in reply.buttons:
        if SCREEN_BUTTON.match(button.data):
            number += 1
            lines.append(f"{number}. {button.label}")
        elif button.data.startswith("h.r"):
            lines.append(f"✍️ Trả lời: gõ /traloi {button.data[3:]} <câu trả lời>")
        elif button.data.startswith("h.d"):
            lines.append(f"✅ Đã giải quyết: gõ /xong {button.data[3:]}")
    if number:
        lines.append("(Bác gõ số để chọn)")
    return "\n".join(lines)


class ZaloChannel:
    """One Zalo bot (one token); several run side by side like Telegram's (`name`, `default`,
    `others`: see bot.channels.telegram.TelegramChannel)."""

    quota_backoff = 5.0  # seconds to keep a message after "Quota exceeded" (no limit is published)
    slot_wait = 5.0  # seconds a webhook POST waits for a free slot before it is answered 503

    def __init__(
        self,
        tutor: Tutor,
        settings: ZaloSettings,
        token: str,
        *,
        name: str | None = None,
        default: bool = True,
        others: tuple[str, ...] = (),
        budget: Budget | None = None,
    ):
        self.tutor = tutor
        self.settings = settings
        self.name = name
        self.default = default
        self.client = ZaloClient(settings.base_url, token)
        if budget is None:
            budget = Budget(rate=settings.send_rate, chat_interval=settings.chat_interval)
        self.pump = OutboxPump(
            tutor.db, CHANNEL, self.send, bot=name, default=default, others=others, budget=budget
        )
        self._tasks: set[asyncio.Task[None]] = set()
        # Updates in hand at once, webhook and polling alike: a flood cannot pile up tasks (and the
        # memory they hold) without end. Polling waits for a slot; the webhook answers 503.
        self._slots = asyncio.Semaphore(tutor.settings.limits.zalo_in_flight)
        self._poller: asyncio.Task[None] | None = None
        self.webhook: WebhookServer | None = None
        secret = webhook_secret(settings.webhook, token, CHANNEL)
        if secret is not None:
            self.webhook = WebhookServer(
                settings.webhook,
                channel=CHANNEL,
                secret_header="X-Bot-Api-Secret-Token",
                secret=secret,
                handle=self.on_webhook,
            )

    @property
    def pumps(self) -> list[OutboxPump]:
        return [self.pump]

    # --- incoming ------------------------------------------------------------------------------

    async def handle_update(self, update: dict[str, Any]) -> None:
        parsed = event_from_update(update, self.name)
        if parsed is None:
            return
        actor, event, key = parsed
        deliveries = await self.tutor.handle(actor, event, key)
        await self.pump.deliver(deliveries)

    async def poll(self) -> None:
        """One update per call; 408 = nothing yet (poll again at once); errors back off."""
        backoff = 1.0
        while True:
            try:
                # The HTTP client waits 5 s longer than Zalo holds the call open.
                update = await self.client.call(
                    "getUpdates",
                    http_timeout=self.settings.poll_timeout + 5,
                    timeout=self.settings.poll_timeout,
                )
            except asyncio.CancelledError:
                raise
            except ZaloError as exc:
                if exc.code == 408:
                    backoff = 1.0
                    continue
                log.warning(
                    "zalo: getUpdates failed (%s); retrying in %.0fs", self.client.redact(str(exc)), backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            except (httpx.HTTPError, OSError) as exc:
                log.warning(
                    "zalo: network error (%s); retrying in %.0fs", self.client.redact(str(exc)), backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            if isinstance(update, dict):
                await self._slots.acquire()
                self._spawn(update)

    def _spawn(self, update: dict[str, Any]) -> None:
        """Handle an update in a task of its own, holding a slot (already acquired) until it ends.
        Learners are served concurrently; one learner's messages are ordered by the tutor."""
        task = asyncio.create_task(self._guard(update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guard(self, update: dict[str, Any]) -> None:
        try:
            await self.handle_update(update)
        except Exception as exc:
            log.error("zalo: %s: %s", type(exc).__name__, self.client.redact(str(exc)))
        finally:
            self._slots.release()

    # --- outgoing ------------------------------------------------------------------------------

    async def send(self, delivery: Delivery) -> None:
        try:
            await self._send(delivery)
        except ZaloError as exc:
            if exc.code == 429:
                raise RetryLater(self.quota_backoff) from None  # "Quota exceeded": keep it, retry later
            if exc.code in (400, 403, 404):
                raise Undeliverable(f"{exc.code} {exc.description}") from None
            raise

    async def _send(self, delivery: Delivery) -> None:
        reply = delivery.reply
        chat_id = delivery.external_id
        text = render_text(reply)
        if reply.image and self.settings.media_base_url:
            url = f"{self.settings.media_base_url.rstrip('/')}/{reply.image}"
            await self.client.call("sendPhoto", chat_id=chat_id, photo=url)
        elif reply.image:
            text = f"🖼 {reply.alt}\n{text}" if reply.alt else f"{NO_IMAGE}\n{text}"
        if reply.document is not None:
            text = f"{text}\n📎 Tệp «{reply.document.filename}» không gửi được qua Zalo, chỉ qua Telegram."
        for chunk in split_text(text, TEXT_LIMIT):
            await self.client.call("sendMessage", chat_id=chat_id, text=chunk)
        if reply.audio and self.settings.media_base_url:
            # Zalo plays voice messages from a URL (.aac, private chats); without a public media
            # URL the step's text stands on its own.
            url = f"{self.settings.media_base_url.rstrip('/')}/{reply.audio}"
            await self.client.call("sendVoice", chat_id=chat_id, voice_url=url)

    # --- webhook -------------------------------------------------------------------------------

    async def on_webhook(self, body: Any) -> None:
        # Both shapes are in use: {ok, result: {event_name, message}} and {event_name, message}.
        update = (
            body.get("result") if isinstance(body, dict) and isinstance(body.get("result"), dict) else body
        )
        if not isinstance(update, dict):
            return
        try:
            await asyncio.wait_for(self._slots.acquire(), self.slot_wait)
        except TimeoutError:
            raise Busy() from None
        self._spawn(update)  # answered first, processed after the 200

    # --- life cycle ----------------------------------------------------------------------------

    async def start(
        self, server: WebhookServer | None = None, path: str | None = None, url: str | None = None
    ) -> None:
        """getMe (checks the token), then poll or serve the webhook; several bots share one
        `server`, each on its own `path`, registered as `url`."""
        me = await self.client.call("getMe")
        if self.default:
            self.tutor.default_bots[CHANNEL] = self.name
        if self.settings.mode == "webhook":
            if server is None:
                if self.webhook is None:  # hocvuso run refuses this set-up before any channel starts
                    raise ValueError("zalo.webhook: no secret_token and no url")
                self.webhook.start()
                url, secret = self.settings.webhook.url, self.webhook.secret
            else:  # another bot's server: its path here, the server's secret
                server.add(path or server.path, self.on_webhook)
                secret = server.secret
            if url:
                await self.client.call("setWebhook", url=url, secret_token=secret)
        else:
            with contextlib.suppress(ZaloError):
                await self.client.call("deleteWebhook")  # polling and webhook exclude each other
            self._poller = asyncio.create_task(self.poll())
        log.info("zalo: %s as %s", self.settings.mode, (me or {}).get("account_name", "bot"))

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        if self.webhook is not None:
            await self.webhook.stop()
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)
        await self.pump.close()
        await self.client.close()

"""Telegram channel on python-telegram-bot v22: a thin adapter around the tutor.

Updates become tutor events; the tutor's replies (already in the outbox) become messages with inline
buttons. Callback data is whatever the tutor put on the button and is checked by the tutor again on
arrival; this adapter only makes sure every callback query is answered and the pressed keyboard is
removed so it cannot be replayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import warnings
from pathlib import Path
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.channels.outbox import OutboxPump, RetryLater, Undeliverable
from bot.channels.pacing import Budget
from bot.channels.telegram_polling import ConfirmingPoller
from bot.channels.webhook import WebhookServer, webhook_secret
from bot.config import TelegramSettings
from bot.core.engine import Tutor
from bot.core.events import Actor, Choice, Event, Media, parse_text
from bot.core.replies import Button, Delivery
from bot.core.split import split_text
from bot.store.models import MediaCache

log = logging.getLogger("hocvuso.telegram")

# sendMessage goes out as a raw call (see TelegramChannel._send); python-telegram-bot would warn
# that it has a method of its own for it.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage' instead", category=PTBUserWarning)

CHANNEL = "telegram"
CONCURRENT_UPDATES = 64  # learners handled at once (one learner's updates are ordered by the tutor)
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

MAX_COMMANDS = 100  # Telegram's limit per menu


def commands_for(tutor: Tutor, role: str) -> list[BotCommand]:
    """The "/" menu of a role: the commands the features registered with a description, that role's
    own first (bot.core.router.Router.command_menu)."""
    return [BotCommand(name, text) for name, text in tutor.router.command_menu(role)][:MAX_COMMANDS]


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # int today, timedelta in a later major version
        warnings.simplefilter("ignore")
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, dtm.timedelta) else float(wait)


def keyboard_rows(buttons: tuple[Button, ...]) -> list[list[dict[str, str]]]:
    """Main choices one per row (big, easy to hit); navigation two per row below them. Plain
    Bot API JSON: building python-telegram-bot objects for every message cost more than sending."""
    rows: list[list[dict[str, str]]] = []
    nav: list[dict[str, str]] = []
    for button in buttons:
        item = {"text": button.label, "callback_data": button.data}
        if button.nav:
            nav.append(item)
        else:
            rows.append([item])
    rows += [nav[i : i + 2] for i in range(0, len(nav), 2)]
    return rows


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """The same keyboard as python-telegram-bot objects (for photos and documents)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in row]
            for row in keyboard_rows(buttons)
        ]
    )


def event_from_message(message: Message) -> Event:
    if message.text is not None:
        return parse_text(message.text)
    for kind in (
        "sticker",
        "photo",
        "voice",
        "video",
        "video_note",
        "audio",
        "document",
        "location",
        "contact",
    ):
        if getattr(message, kind, None):
            return Media(kind)
    return Media("unsupported")


class TelegramChannel:
    """One Telegram bot (one token). A deployment with several bots runs one of these per bot
    (bot.channels.telegram_bots); `name` is the bot's name in the config, `default` marks the bot
    of people and units without one, `others` names the other bots."""

    def __init__(
        self,
        tutor: Tutor,
        settings: TelegramSettings,
        token: str,
        *,
        name: str | None = None,
        default: bool = True,
        others: tuple[str, ...] = (),
        budget: Budget | None = None,
        request: BaseRequest | None = None,
    ):
        """`request` replaces the HTTP transport (the benchmark's in-process Bot API); `budget`
        is what this process may send (default: Telegram's limits, bot.channels.pacing)."""
        self.tutor = tutor
        self.settings = settings
        self.name = name
        self.default = default
        self._token = token
        builder = (
            ApplicationBuilder()
            .token(token)
            .base_url(settings.base_url)
            .base_file_url(settings.base_url.replace("/bot", "/file/bot", 1))
            # Updates of different learners run concurrently; one learner's are ordered by the
            # tutor (per-user lock in the database).
            .concurrent_updates(CONCURRENT_UPDATES)
            # Polling and the webhook are this module's own (see start()), not PTB's Updater.
            .updater(None)
            .post_init(self._post_init)
        )
        if request is None:
            # Two connections: stopping cancels a long poll, whose connection stays taken, and the
            # poller then confirms the handled updates with one more call. For sending, as many
            # as the send queue keeps on the wire: httpcore looks through every pooled connection
            # for each request, so PTB's default of 256 cost more than the requests themselves.
            builder = (
                builder.get_updates_read_timeout(settings.poll_timeout + 10)
                .get_updates_connection_pool_size(2)
                .connection_pool_size(Budget().max_in_flight)
            )
        else:
            builder = builder.request(request).get_updates_request(request)
        self.application: Application = builder.build()
        # Kept for whoever feeds updates to the Application itself; `dispatch` is the same without
        # its per-update machinery (handler lookup, filters, contexts), which cost about as much
        # as a learner's whole step (bench/README.md).
        self.application.add_handler(CallbackQueryHandler(self.on_callback))
        self.application.add_handler(
            MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE, self.on_message)
        )
        self.application.add_error_handler(self.on_error)
        self._slots = asyncio.Semaphore(CONCURRENT_UPDATES)
        if budget is None:
            budget = Budget(rate=settings.send_rate, chat_interval=settings.chat_interval)
        self.pump = OutboxPump(
            tutor.db, CHANNEL, self.send, bot=name, default=default, others=others, budget=budget
        )
        self._media: dict[str, str] = {}
        self._poller: ConfirmingPoller | None = None
        self._webhook: WebhookServer | None = None

    @property
    def bot(self):
        return self.application.bot

    @property
    def pumps(self) -> list[OutboxPump]:
        return [self.pump]

    async def _post_init(self, application: Application) -> None:
        # Everyone's default menu is the learner's; volunteers and organizers get their own, per
        # chat, when their role changes (a reply carrying `commands`, see _send).
        await application.bot.set_my_commands(commands_for(self.tutor, "learner"))

    # --- incoming ------------------------------------------------------------------------------

    async def on_webhook(self, body: Any) -> None:
        """An update POSTed by Telegram: handled (and committed) before the webhook answers 200."""
        if isinstance(body, dict):
            await self.dispatch(Update.de_json(body, self.bot))

    async def dispatch(self, update: Update) -> None:
        """Handle one update: a button press or a private message; anything else is ignored.
        What an error in a handler does is `on_error`'s: one line for the operator, a kind word
        for the user."""
        async with self._slots:
            try:
                if update.callback_query is not None:
                    await self.on_callback(update, None)
                elif update.message is not None and update.message.chat.type == "private":
                    await self.on_message(update, None)
            except Exception as exc:
                await self._report(update, exc)

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE | None) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            return
        user = update.effective_user
        actor = Actor(CHANNEL, str(chat.id), user.full_name if user else None, via=self.name)
        deliveries = await self.tutor.handle(actor, event_from_message(message), update.update_id)
        await self.pump.deliver(deliveries)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE | None) -> None:
        query = update.callback_query
        if query is None:
            return
        chat_id = query.message.chat.id if query.message else query.from_user.id
        actor = Actor(CHANNEL, str(chat_id), query.from_user.full_name, via=self.name)
        deliveries = await self.tutor.handle(actor, Choice(query.data or ""), update.update_id)
        toast = next((d for d in deliveries if d.reply.toast and d.external_id == str(chat_id)), None)
        # Every callback query is answered (or the learner's button keeps spinning). A second worker
        # given the same update finds it already answered: that refusal is harmless.
        with contextlib.suppress(TelegramError):
            await query.answer(text=toast.reply.text[:200] if toast else None)
        if toast is not None:
            toast.meta["answered"] = True
        await self.pump.deliver(deliveries)
        # After the reply, under the same limits: the next step matters more than this. Not for a
        # press dropped as too fast (bot.core.engine): its keyboard stays, to press again.
        if toast is None or not toast.meta.get("keep_keyboard"):
            self._close_keyboard(query.message, query.data or "", accepted=toast is None)

    def _close_keyboard(self, message: Message | None, data: str, accepted: bool) -> None:
        """Remove the pressed message's buttons, showing the choice made, so it cannot be replayed
        (a stale button is refused anyway: this is for the eye)."""
        if not isinstance(message, Message) or message.reply_markup is None:
            return
        if not data.split(".", 1)[0].isdigit():
            return  # volunteer tool buttons (answer / resolve) stay usable
        label = next(
            (b.text for row in message.reply_markup.inline_keyboard for b in row if b.callback_data == data),
            None,
        )

        async def close() -> None:
            try:
                if accepted and label and message.text:
                    await message.edit_text(f"{message.text}\n\n➡️ {label}", reply_markup=None)
                elif accepted and label and message.caption:  # a step with its picture
                    await message.edit_caption(f"{message.caption}\n\n➡️ {label}", reply_markup=None)
                else:
                    await message.edit_reply_markup(reply_markup=None)
            except RetryAfter as exc:  # the pump holds the chat that long, then tries again
                raise RetryLater(_seconds(exc)) from None
            except TelegramError as exc:  # already edited, too old: harmless
                log.debug("could not remove keyboard: %s", exc)

        self.pump.later(str(message.chat.id), close)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._report(update, context.error)

    async def _report(self, update: object, error: BaseException | None) -> None:
        log.error("telegram: %s: %s", type(error).__name__, str(error).splitlines()[0] if str(error) else "")
        if isinstance(update, Update) and update.effective_chat is not None:
            with contextlib.suppress(TelegramError):
                await self.bot.send_message(update.effective_chat.id, self.tutor.words("error"))

    # --- outgoing ------------------------------------------------------------------------------

    async def send(self, delivery: Delivery) -> None:
        if delivery.meta.get("answered"):
            return
        try:
            await self._send(delivery)
        except RetryAfter as exc:
            raise RetryLater(_seconds(exc)) from None
        except Forbidden as exc:
            raise Undeliverable(f"forbidden: {exc}") from None
        except BadRequest as exc:
            raise Undeliverable(f"bad request: {exc}") from None

    async def _send(self, delivery: Delivery) -> None:
        reply = delivery.reply
        chat_id = int(delivery.external_id)
        if reply.commands:
            await self._set_chat_menu(chat_id, reply.commands)
        media = reply.image or reply.image_bytes is not None or reply.document is not None
        markup = keyboard(reply.buttons) if media else None
        text = reply.text
        if reply.image or reply.image_bytes is not None:
            caption = text if len(text) <= CAPTION_LIMIT else None
            await self._send_photo(
                chat_id,
                reply.image,
                reply.image_bytes,
                caption,
                markup if caption else None,
                reply.image_name,
            )
            if caption is not None:
                text = ""
        if reply.document is not None:
            document = InputFile(reply.document.content, filename=reply.document.filename)
            caption = text if text and len(text) <= CAPTION_LIMIT else None
            await self.bot.send_document(
                chat_id, document, caption=caption, reply_markup=markup if caption else None
            )
            if caption is not None:
                text = ""
        if text:
            chunks = split_text(text, TEXT_LIMIT)
            rows = keyboard_rows(reply.buttons)
            for index, chunk in enumerate(chunks):
                request: dict[str, Any] = {"chat_id": chat_id, "text": chunk}
                if rows and index == len(chunks) - 1:
                    request["reply_markup"] = {"inline_keyboard": rows}
                # The raw call: the answer (the message sent) is not needed, so not parsed.
                await self.bot.do_api_request("sendMessage", api_kwargs=request)
        if reply.audio:
            await self._send_audio(chat_id, reply.audio)

    async def _set_chat_menu(self, chat_id: int, role: str) -> None:
        """This chat's "/" menu for its person's role. Set before the message it rides with, so a
        flood-control wait retries both; any other refusal costs only the menu, not the message."""
        try:
            await self.bot.set_my_commands(commands_for(self.tutor, role), scope=BotCommandScopeChat(chat_id))
        except RetryAfter:
            raise
        except TelegramError as exc:
            log.warning("telegram: command menu not set for a chat: %s", type(exc).__name__)

    async def _file_id(self, path: str) -> str | None:
        if path in self._media:
            return self._media[path]
        async with self.tutor.db.reader() as repo:
            row = await repo.session.get(MediaCache, (CHANNEL, path))
        if row is not None:
            self._media[path] = row.file_id
        return self._media.get(path)

    async def _remember(self, path: str, file_id: str) -> None:
        self._media[path] = file_id
        async with self.tutor.db.transaction() as repo:
            await repo.session.merge(MediaCache(channel=CHANNEL, path=path, file_id=file_id))

    async def _send_photo(
        self,
        chat_id: int,
        path: str | None,
        data: bytes | None,
        caption: str | None,
        markup,
        name: str | None = None,
    ) -> None:
        if data is not None:
            await self.bot.send_photo(
                chat_id, InputFile(data, filename=name or "qr.png"), caption=caption, reply_markup=markup
            )
            return
        assert path is not None
        cached = await self._file_id(path)
        if cached:
            await self.bot.send_photo(chat_id, cached, caption=caption, reply_markup=markup)
            return
        content = await self._read(path)
        message = await self.bot.send_photo(
            chat_id, InputFile(content, filename=Path(path).name), caption=caption, reply_markup=markup
        )
        if message.photo:
            await self._remember(path, message.photo[-1].file_id)

    async def _read(self, path: str) -> bytes:
        return await asyncio.to_thread(Path(self.tutor.catalog.media_path(path)).read_bytes)

    async def _send_audio(self, chat_id: int, path: str) -> None:
        voice = path.lower().endswith((".ogg", ".oga", ".opus"))
        cached = await self._file_id(path)
        source = cached or InputFile(await self._read(path), filename=Path(path).name)
        if voice:
            message = await self.bot.send_voice(chat_id, source)
            file_id = message.voice.file_id if message.voice else None
        else:
            message = await self.bot.send_audio(chat_id, source)
            file_id = message.audio.file_id if message.audio else None
        if file_id and not cached:
            await self._remember(path, file_id)

    # --- life cycle ----------------------------------------------------------------------------

    async def start(
        self, server: WebhookServer | None = None, path: str | None = None, url: str | None = None
    ) -> None:
        """Initialise (getMe: checks the token), then poll or serve the webhook. With several
        bots, their webhooks share one `server`, each on its own `path`, registered as `url`."""
        app = self.application
        await app.initialize()
        if self.default:
            self.tutor.default_bots[CHANNEL] = self.name
        self.tutor.link_bases[self.name] = f"https://t.me/{app.bot.username}?start="
        if app.post_init:
            await app.post_init(app)
        await app.start()
        updates = ["message", "callback_query"]
        if self.settings.mode == "webhook":
            # Not app.updater.start_webhook: it answers Telegram before the update is handled.
            hook = self.settings.webhook
            if server is None:
                secret = webhook_secret(hook, self._token, CHANNEL)
                if secret is None:  # hocvuso run refuses this set-up before any channel starts
                    raise ValueError("telegram.webhook: no secret_token and no url")
                server = self._webhook = WebhookServer(
                    hook,
                    channel=CHANNEL,
                    secret_header="X-Telegram-Bot-Api-Secret-Token",
                    secret=secret,
                    handle=self.on_webhook,
                )
                server.start()
                url = hook.url
            else:  # another bot's server: its path here, the server's secret
                server.add(path or server.path, self.on_webhook)
            if url:
                await app.bot.set_webhook(url=url, secret_token=server.secret, allowed_updates=updates)
            else:
                log.warning("telegram: no webhook.url; serving the webhook without registering it")
        else:
            # Not app.updater.start_polling: it confirms updates before they are handled.
            self._poller = ConfirmingPoller(app, self.settings.poll_timeout, updates, handle=self.dispatch)
            self._poller.start()
        log.info(
            "telegram: %s as @%s%s",
            self.settings.mode,
            app.bot.username,
            f" ({self.name})" if self.name else "",
        )

    async def stop(self) -> None:
        if self._poller is not None:
            await self._poller.stop()
        if self._webhook is not None:
            await self._webhook.stop()
        await self.pump.close()
        app = self.application
        if app.running:
            await app.stop()
        await app.shutdown()

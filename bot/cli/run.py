"""`hocvuso run`: start every enabled channel, the outbox pumps and the scheduler; stop on a signal."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from typing import Protocol

from bot.app import build_tutor, load_lessons, tune_gc
from bot.config import Settings
from bot.core.engine import Tutor
from bot.core.scheduler import Scheduler

log = logging.getLogger("hocvuso")


class Channel(Protocol):
    pumps: list

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class StartupError(Exception):
    """A channel cannot start; the message is one line for the operator."""


def missing_tokens(settings: Settings) -> list[str]:
    problems = []
    if settings.telegram.enabled and not settings.telegram.token and not settings.telegram.bots:
        problems.append(
            "no Telegram token: set HOCVUSO_TELEGRAM_TOKEN (the token @BotFather gave you) "
            "or telegram.token in the config, or set telegram.enabled: false"
        )
    if settings.zalo.enabled and not settings.zalo.token and not settings.zalo.bots:
        problems.append(
            "no Zalo token: set HOCVUSO_ZALO_TOKEN (from Zalo Bot Creator) or zalo.token in the config, "
            "or set zalo.enabled: false"
        )
    for channel, section in (("telegram", settings.telegram), ("zalo", settings.zalo)):
        if not section.enabled:
            continue
        for bot in section.bots:
            if not bot.token:
                where = f"set {bot.token_env}" if bot.token_env else "set its token_env"
                problems.append(f"{channel}.bots: bot '{bot.name}' has no token: {where}")
    return problems


def make_channels(tutor: Tutor, settings: Settings) -> list[Channel]:
    """One group per enabled channel, one member per bot (bot.channels.bots)."""
    from bot.channels.bots import BotGroup
    from bot.channels.pacing import Budget
    from bot.channels.webhook import webhook_secret

    channels: list[Channel] = []
    for channel, section in (("telegram", settings.telegram), ("zalo", settings.zalo)):
        bots = section.all_bots() if section.enabled else []
        if not bots:
            continue
        # Imported only when enabled: python-telegram-bot alone takes ~0.5 s to import.
        if channel == "telegram":
            from bot.channels.telegram import TelegramChannel as Adapter
        else:
            from bot.channels.zalo import ZaloChannel as Adapter  # type: ignore[assignment]
        names = tuple(bot.name for bot in bots)
        members = [
            Adapter(
                tutor,
                section,  # type: ignore[arg-type]
                bot.token or "",
                name=bot.name,
                default=index == 0,
                others=tuple(n for n in names if n != bot.name),
                budget=Budget(
                    rate=bot.send_rate or section.send_rate, chat_interval=section.chat_interval
                ).share(settings.workers),
            )
            for index, bot in enumerate(bots)
        ]
        channels.append(
            BotGroup(
                members,  # type: ignore[arg-type]
                bots,
                webhook=section.webhook if section.mode == "webhook" else None,
                channel=channel,
                secret_header="X-Telegram-Bot-Api-Secret-Token"
                if channel == "telegram"
                else "X-Bot-Api-Secret-Token",
                # One server for the channel's bots: the configured secret, else the default
                # bot's derived one (bot.channels.webhook.webhook_secret), registered for each.
                secret=webhook_secret(section.webhook, bots[0].token or "", channel),
            )
        )
    return channels


async def start_channel(channel: Channel) -> None:
    from telegram.error import InvalidToken, NetworkError, TelegramError

    name = _channel_name(channel)
    try:
        await channel.start()
    except InvalidToken:
        raise StartupError(f"{name}: the token was rejected; check HOCVUSO_TELEGRAM_TOKEN") from None
    except NetworkError as exc:
        raise StartupError(f"{name}: cannot reach the Bot API ({exc})") from None
    except TelegramError as exc:
        raise StartupError(f"{name}: {type(exc).__name__}: {exc}") from None
    except OSError as exc:
        raise StartupError(f"{name}: {exc}") from None
    except Exception as exc:
        from bot.channels.zalo import ZaloError

        if isinstance(exc, ZaloError) and exc.code == 401:
            raise StartupError(f"{name}: the token was rejected; check HOCVUSO_ZALO_TOKEN") from None
        if isinstance(exc, ZaloError):
            raise StartupError(
                f"{name}: the Bot API refused to start ({exc.code} {exc.description})"
            ) from None
        import httpx

        if isinstance(exc, httpx.HTTPError):
            raise StartupError(f"{name}: cannot reach the Bot API ({exc})") from None
        raise


def _channel_name(channel: Channel) -> str:
    members = getattr(channel, "members", None) or [channel]
    return type(members[0]).__name__.removesuffix("Channel")


async def start_web(tutor: Tutor, settings: Settings) -> object:
    """The dashboard in this process (web.enabled), on the same database; lessons reloaded by
    SIGHUP reach it through the tutor."""
    from bot.web import WebServer, build_app  # imported only when enabled

    app = await build_app(tutor.db, settings, lambda: tutor.catalog)
    server = WebServer(app, settings.web.listen, settings.web.port)
    try:
        server.bind()
    except OSError as exc:
        raise StartupError(str(exc)) from None
    return server


async def serve(tutor: Tutor, settings: Settings, stop: asyncio.Event) -> None:
    channels = make_channels(tutor, settings)
    started: list[Channel] = []
    tasks: list[asyncio.Task[None]] = []
    web = None
    try:
        for channel in channels:
            await start_channel(channel)
            started.append(channel)
            tasks += [asyncio.create_task(pump.run()) for pump in channel.pumps]
        tasks.append(asyncio.create_task(Scheduler(tutor).run()))
        if settings.web.enabled:
            web = await start_web(tutor, settings)
            web_task = asyncio.create_task(web.serve())  # type: ignore[attr-defined]
        await stop.wait()
        if web is not None:
            web.stop()  # type: ignore[attr-defined]
            with contextlib.suppress(Exception):
                await web_task
    finally:
        with contextlib.suppress(Exception):  # a report being built finishes into the outbox
            await asyncio.wait_for(tutor.drain(), 30)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for channel in reversed(started):
            with contextlib.suppress(Exception):
                await channel.stop()


async def _run(settings: Settings) -> int:
    tutor = await build_tutor(settings)
    tune_gc()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)

    def reload_lessons() -> None:
        # Edited lessons take effect without a restart; learners inside a changed lesson are
        # moved to the nearest step and told (bot.core.lesson_state.current_lesson).
        tutor.catalog = load_lessons(settings)
        log.info("lessons reloaded: %d lessons", len(tutor.catalog))

    with contextlib.suppress(NotImplementedError, AttributeError):
        loop.add_signal_handler(signal.SIGHUP, reload_lessons)
    try:
        await serve(tutor, settings, stop)
    except StartupError as exc:
        print(f"hocvuso: {exc}", file=sys.stderr)
        return 2
    finally:
        await tutor.db.close()
    return 0


def command(args: argparse.Namespace, settings: Settings) -> int:
    problems = missing_tokens(settings) + settings.webhook_problems()
    if problems or not (settings.telegram.enabled or settings.zalo.enabled):
        for problem in problems or ["no channel enabled: enable telegram or zalo in the config"]:
            print(f"hocvuso: {problem}", file=sys.stderr)
        return 2
    return asyncio.run(_run(settings))

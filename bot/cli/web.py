"""`hocvuso web [--port N]`: serve the organizers' dashboard; `hocvuso web link <channel>:<id>`:
print a one-time sign-in link for that organizer or volunteer (what /web sends them in chat)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from bot.app import load_lessons, open_database
from bot.clock import utcnow
from bot.config import Settings
from bot.core.weblinks import signin_link, web_base


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    web = sub.add_parser("web", parents=[common], help="serve the organizers' web dashboard")
    web.add_argument("--port", type=int, help="port to listen on (default: web.port, 8080)")
    wsub = web.add_subparsers(dest="action", metavar="ACTION")
    link = wsub.add_parser("link", parents=[common], help="print a one-time sign-in link (10 minutes)")
    link.add_argument("who", metavar="CHANNEL:ID", help="an organizer or volunteer, e.g. telegram:123")


async def _link(args: argparse.Namespace, settings: Settings) -> int:
    channel, _, external = args.who.partition(":")
    if not channel or not external:
        print("hocvuso: give the person as <channel>:<id>, e.g. telegram:123", file=sys.stderr)
        return 2
    db = await open_database(settings)
    try:
        async with db.transaction() as repo:
            user = await repo.user_by_external(channel, external)
            if user is None or user.deleted_at is not None or user.role not in ("organizer", "volunteer"):
                print(
                    f"hocvuso: {args.who} is not an organizer or volunteer "
                    "(hocvuso admin grant organizer|volunteer …)",
                    file=sys.stderr,
                )
                return 1
            base = web_base(settings, local_fallback=True)
            assert base is not None
            print(await signin_link(repo, base, user.id, utcnow()))
    finally:
        await db.close()
    return 0


async def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.web import WebServer, build_app  # imported here: only this command needs the web stack
    from bot.web.server import run_until

    db = await open_database(settings)
    catalog = load_lessons(settings)
    try:
        app = await build_app(db, settings, lambda: catalog)
        server = WebServer(app, settings.web.listen, args.port or settings.web.port)
        try:
            port = server.bind()
        except OSError as exc:
            print(f"hocvuso: {exc}", file=sys.stderr)
            return 2
        public = f", public address {settings.web.url}" if settings.web.url else ""
        print(
            f"hocvuso: web dashboard on http://{settings.web.listen}:{port}{public}",
            file=sys.stderr,
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await run_until(server, stop)
    finally:
        await db.close()
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "link":
        return asyncio.run(_link(args, settings))
    return asyncio.run(_serve(args, settings))

"""`hocvuso chat`: the console channel on this terminal, on the configured (default: SQLite) database."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.app import build_tutor
from bot.channels.console import Console
from bot.config import Settings


async def _chat(settings: Settings, user: str, files: Path) -> int:
    tutor = await build_tutor(settings)
    try:
        await Console(tutor, user, sys.stdout, files).run(sys.stdin)
    finally:
        await tutor.db.close()
    return 0


def command(args: argparse.Namespace, settings: Settings) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    user = " ".join(args.user.split())[:60] or "local"
    return asyncio.run(_chat(settings, user, args.files))

"""`hocvuso doctor`: one line per check — config, database, migrations, lessons, channel tokens."""

from __future__ import annotations

import argparse
import asyncio

from bot.config import Settings
from bot.lessons import load_catalog
from bot.store import Database, DatabaseError

OK, FAIL = "✓", "✗"


async def _checks(settings: Settings, config_path: str | None) -> list[tuple[bool, str]]:
    results: list[tuple[bool, str]] = [(True, f"config: {config_path or 'built-in defaults'} is valid")]
    db = None
    try:
        db = Database(settings.database_url)
        current, head = await db.schema_status()
        results.append((True, f"database: {db.dialect} reachable"))
        results.append(
            (
                current == head,
                f"migrations: at {current or 'none'}, newest {head}"
                + ("" if current == head else " (run hocvuso run/chat to upgrade)"),
            )
        )
    except DatabaseError as exc:
        results.append((False, f"database: {exc}"))
    except Exception as exc:
        results.append(
            (
                False,
                f"database: cannot connect ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})",
            )
        )
    finally:
        if db is not None:
            await db.close()
    lessons = load_catalog(settings.lessons_dir)
    if lessons.problems:
        results.append((False, f"lessons: {len(lessons.problems)} problem(s), first: {lessons.problems[0]}"))
    else:
        results.append((True, f"lessons: {len(lessons.catalog)} lessons, {lessons.catalog.step_count} steps"))
    results += _webhooks(settings)
    if settings.telegram.enabled:
        results.append(await _telegram(settings))
    if settings.zalo.enabled:
        results.append(await _zalo(settings))
    return results


def _webhooks(settings: Settings) -> list[tuple[bool, str]]:
    """Webhook mode never runs open: a secret must be configured or derivable and registrable."""
    problems = settings.webhook_problems()
    if problems:
        return [(False, problem) for problem in problems]
    lines = []
    for name, channel in (("telegram", settings.telegram), ("zalo", settings.zalo)):
        if channel.enabled and channel.mode == "webhook":
            how = (
                "configured secret_token"
                if channel.webhook.secret_token
                else "secret derived from the token, registered with setWebhook"
            )
            lines.append((True, f"{name} webhook: {how}"))
    return lines


async def _telegram(settings: Settings) -> tuple[bool, str]:
    if not settings.telegram.token:
        return False, "telegram: no token (HOCVUSO_TELEGRAM_TOKEN)"
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    try:
        async with Bot(settings.telegram.token, base_url=settings.telegram.base_url) as bot:
            return True, f"telegram: token accepted (@{bot.username})"
    except InvalidToken:
        return False, "telegram: the token was rejected"
    except TelegramError as exc:
        return False, f"telegram: {type(exc).__name__}: {exc}"


async def _zalo(settings: Settings) -> tuple[bool, str]:
    if not settings.zalo.token:
        return False, "zalo: no token (HOCVUSO_ZALO_TOKEN)"
    import httpx

    from bot.channels.zalo import ZaloClient, ZaloError  # lazy: only when Zalo is configured

    client = ZaloClient(settings.zalo.base_url, settings.zalo.token)
    try:
        me = await client.call("getMe")
        return True, f"zalo: token accepted ({(me or {}).get('account_name', 'bot')})"
    except ZaloError as exc:
        return (
            False,
            "zalo: the token was rejected" if exc.code == 401 else f"zalo: {exc.code} {exc.description}",
        )
    except httpx.HTTPError as exc:
        return False, f"zalo: cannot reach the Bot API ({exc})"
    finally:
        await client.close()


def command(args: argparse.Namespace, settings: Settings) -> int:
    results = asyncio.run(_checks(settings, args.config))
    for ok, line in results:
        print(f"{OK if ok else FAIL} {line}")
    return 0 if all(ok for ok, _ in results) else 1

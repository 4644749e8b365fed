"""Webhook mode is safe by default (issue 13, items 1 and 7): never open without a secret, the secret
checked before the body is read, and the server's own limits (body size, slow clients, deep JSON).
Each test is an attack that worked against the webhook before the fix; `tests/test_telegram.py`
keeps the happy path."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.channels.telegram import TelegramChannel
from bot.channels.webhook import WebhookServer
from bot.config import ConfigError, load_settings
from bot.store.models import Invite, ProcessedUpdate, User
from tests.conftest import LESSONS, make_tutor
from tests.support.proc import ROOT, hocvuso_env
from tests.support.telegram_standin import TOKEN, TelegramStandIn

LAN = 7001
ORGANIZER = 8001
SECRET = "a-configured-secret-of-forty-characters"


@pytest.fixture
async def standin() -> AsyncIterator[TelegramStandIn]:
    server = await TelegramStandIn().start()
    yield server
    await server.stop()


async def webhook_bot(db_url: str, standin: TelegramStandIn, port: int, **hook: object) -> TelegramChannel:
    from tests.test_telegram import start_bot

    tutor = await make_tutor(db_url, organizers=[f"telegram:{ORGANIZER}"])
    return await start_bot(
        tutor, standin, mode="webhook", webhook={"url": f"http://127.0.0.1:{port}/telegram", "port": port, **hook}
    )


def message(update_id: int, chat: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "Hà"},
            "text": text,
        },
    }


async def count(channel: TelegramChannel, model: type) -> int:
    async with channel.tutor.db.reader() as repo:
        return (await repo.session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_default_webhook_refuses_forged_updates(db_url: str, standin, unused_tcp_port: int) -> None:
    """No secret configured (the default): a stranger posting an organizer's /moi, or a learner's
    message under the update id Telegram will use next, is turned away before anything happens."""
    channel = await webhook_bot(db_url, standin, unused_tcp_port)
    url = f"http://127.0.0.1:{unused_tcp_port}/telegram"
    try:
        async with httpx.AsyncClient() as client:
            forged = [
                await client.post(url, json=message(1, ORGANIZER, "/moi")),
                await client.post(url, json=message(5000, LAN, "/start")),  # the stand-in's next id
                await client.post(
                    url, json=message(2, 99999, "/start"), headers={"X-Telegram-Bot-Api-Secret-Token": ""}
                ),
            ]
        assert [r.status_code for r in forged] == [403, 403, 403]
        assert standin.sent == []
        assert (await count(channel, Invite), await count(channel, ProcessedUpdate)) == (0, 0)
        assert await count(channel, User) == 0  # no profile made up for anyone
        # What the bot registered is a strong secret; Telegram itself (the stand-in) gets through,
        # and its update 5000 is no "duplicate" of the forged one.
        secret = standin.webhook["secret_token"]
        assert len(secret) >= 32 and secret not in TOKEN
        await standin.push_text(LAN, "/start")
        await standin.wait_text(LAN, "Bác muốn làm gì")
        assert set(standin.webhook_responses) == {200}
    finally:
        await channel.stop()
        await channel.tutor.db.close()


@pytest.mark.parametrize(
    ("yaml", "key"),
    [
        ("telegram:\n  webhook:\n    secret_token: abc-123\n", "telegram.webhook.secret_token"),
        ("zalo:\n  webhook:\n    secret_token: hook-secret-123\n", "zalo.webhook.secret_token"),
    ],
)
def test_a_short_webhook_secret_is_a_config_error(tmp_path: Path, yaml: str, key: str) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(yaml, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config, env={})
    assert f"{key}: " in str(info.value) and "32" in str(info.value)
    assert "abc-123" not in str(info.value) and "hook-secret" not in str(info.value)


def run_cli(args: list[str], config: Path, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=hocvuso_env(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", LESSONS, HOCVUSO_TELEGRAM_TOKEN=TOKEN, **env),
        cwd=ROOT,
        timeout=60,
    )


async def test_run_and_doctor_refuse_a_webhook_without_a_secret(
    tmp_path: Path, standin, unused_tcp_port: int
) -> None:
    """Webhook mode with neither a secret nor a URL to register one with: `hocvuso run` stops with
    one line before serving anything, and `hocvuso doctor` fails on it (and on a short secret)."""
    config = tmp_path / "c.yaml"
    config.write_text(
        f"telegram:\n  base_url: {standin.base_url}\n  mode: webhook\n  webhook:\n    port: {unused_tcp_port}\n",
        encoding="utf-8",
    )
    run = await asyncio.to_thread(run_cli, ["run"], config, tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "hocvuso: telegram.webhook: no secret_token and no url: set webhook.url (the bot then registers "
        "a secret derived from the token) or a secret_token of 32+ characters"
    ]
    doctor = await asyncio.to_thread(run_cli, ["doctor"], config, tmp_path)
    assert doctor.returncode == 1
    assert "✗ telegram.webhook: no secret_token and no url" in doctor.stdout
    assert "✓ telegram: token accepted" in doctor.stdout  # everything else is fine
    config.write_text(config.read_text() + "    secret_token: abc-123\n", encoding="utf-8")
    short = await asyncio.to_thread(run_cli, ["doctor"], config, tmp_path)
    assert short.returncode == 1
    assert short.stdout.startswith("✗ config: ") and "telegram.webhook.secret_token" in short.stdout
    config.write_text(
        f"telegram:\n  base_url: {standin.base_url}\n  mode: webhook\n  webhook:\n"
        "    url: http://bot.example.vn/telegram\n",
        encoding="utf-8",
    )
    plain_http = await asyncio.to_thread(run_cli, ["doctor"], config, tmp_path)
    assert plain_http.returncode == 1 and "✗ telegram.webhook.url: must be https://" in plain_http.stdout


async def raw(port: int, data: bytes, wait: float) -> bytes:
    """Send raw bytes and return what the server answers within `wait` seconds (b"" once it closed)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(200), wait)
    except TimeoutError:
        return b"<still open>"
    finally:
        writer.close()


def post_head(length: int, secret: str | None = None) -> bytes:
    header = f"X-Telegram-Bot-Api-Secret-Token: {secret}\r\n" if secret else ""
    return f"POST /telegram HTTP/1.1\r\nHost: x\r\n{header}Content-Length: {length}\r\n\r\n".encode()


async def test_webhook_server_limits(db_url: str, standin, unused_tcp_port: int, monkeypatch) -> None:
    monkeypatch.setattr(WebhookServer, "header_timeout", 0.5, raising=False)
    monkeypatch.setattr(WebhookServer, "body_timeout", 0.5, raising=False)
    channel = await webhook_bot(db_url, standin, unused_tcp_port, secret_token=SECRET)
    port = unused_tcp_port
    try:
        # 90 MB announced without the secret: 403 at once, on the headers, not a byte of body read.
        answer = await raw(port, post_head(90 << 20), wait=3)
        assert answer.startswith(b"HTTP/1.1 403")
        # With the secret, more than 1 MiB is refused on the headers too.
        answer = await raw(port, post_head(2 << 20, SECRET), wait=3)
        assert answer.startswith(b"HTTP/1.1 400")
        # Headers that never end, and a body that never comes, are cut off.
        assert await raw(port, b"POST /telegram HTTP/1.1\r\nHost:", wait=3) == b""
        assert await raw(port, post_head(1000, SECRET) + b"{", wait=3) == b""
        # JSON nested far deeper than any update, or not an object at all: 400, nothing handled.
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        url = f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient() as client:
            deep = await client.post(url, content=b"[" * 100_000 + b"]" * 100_000, headers=headers)
            nested = await client.post(url, content=json.dumps(nest(40)), headers=headers)
            garbage = await client.post(url, content=b"\xff{not json", headers=headers)
            ok = await client.post(url, json=message(1, LAN, "/start"), headers=headers)
        assert (deep.status_code, nested.status_code, garbage.status_code) == (400, 400, 400)
        assert ok.status_code == 200 and await count(channel, ProcessedUpdate) == 1
    finally:
        await channel.stop()
        await channel.tutor.db.close()


def nest(depth: int) -> dict:
    value: dict = {"update_id": 1}
    for _ in range(depth):
        value = {"update_id": 1, "x": value}
    return value

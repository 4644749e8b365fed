"""`hocvuso web` and `hocvuso run` with `web.enabled` as real subprocesses: the dashboard answers on
127.0.0.1, a sign-in link from `hocvuso web link` works there, a port in use is one line."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from bot.clock import utcnow
from bot.core.engine import Tutor
from tests.conftest import LESSONS
from tests.support.proc import ROOT, Running, hocvuso_env
from tests.support.telegram_standin import TOKEN, TelegramStandIn
from tests.support.web import sign_in


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )


async def test_hocvuso_web_serves_and_signs_in_with_a_cli_link(tmp_path: Path, sqlite_tutor: Tutor) -> None:
    async with sqlite_tutor.db.transaction() as repo:
        await repo.upsert_unit("hn", "Hà Nội", None, "tinh")
        await repo.grant("telegram", "123", "organizer", "hn", utcnow())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = tmp_path / "c.yaml"
    config.write_text(f"web:\n  port: {port}\n  url: {base}\n", encoding="utf-8")
    env = hocvuso_env(sqlite_tutor.db.url, LESSONS)
    web = Running(["web", "--config", str(config)], env)
    try:
        web.wait_for("web dashboard on", timeout=60)
        async with httpx.AsyncClient() as client:
            first = await client.get(f"{base}/")
            assert first.status_code == 401 and "nhắn /web" in first.text
            made = await asyncio.to_thread(cli, ["web", "link", "telegram:123", "--config", str(config)], env)
            assert made.returncode == 0, made.stderr
            link = made.stdout.strip()
            assert re.fullmatch(rf"{base}/dang-nhap/[A-Za-z0-9_-]{{32}}", link)
            answer = await sign_in(client, link)
            assert answer.status_code == 200 and "Tổng quan: Hà Nội" in answer.text
        busy = await asyncio.to_thread(cli, ["web", "--config", str(config)], env)
        assert busy.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in busy.stderr
        assert "Traceback" not in busy.stderr
        unknown = await asyncio.to_thread(cli, ["web", "link", "telegram:999", "--config", str(config)], env)
        assert unknown.returncode == 1 and "not an organizer or volunteer" in unknown.stderr
    finally:
        code = await web.stop()
    assert code == 0, web.output
    assert "Traceback" not in web.output


async def test_run_starts_the_dashboard_when_enabled(tmp_path: Path, sqlite_url: str) -> None:
    api = await TelegramStandIn().start()
    port = free_port()
    config = tmp_path / "c.yaml"
    config.write_text(
        f"telegram:\n  base_url: {api.base_url}\n  poll_timeout: 1\nweb:\n  enabled: true\n  port: {port}\n",
        encoding="utf-8",
    )
    bot = Running(
        ["run", "--config", str(config)], hocvuso_env(sqlite_url, LESSONS, HOCVUSO_TELEGRAM_TOKEN=TOKEN)
    )
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                try:
                    answer = await client.get(f"http://127.0.0.1:{port}/static/style.css")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"the dashboard never answered:\n{bot.output}")
            assert answer.status_code == 200
            assert (await client.get(f"http://127.0.0.1:{port}/")).status_code == 401
    finally:
        code = await bot.stop()
        await api.stop()
    assert code == 0, bot.output
    assert "Traceback" not in bot.output

"""`hocvuso run` as a real subprocess pointed at the Bot API stand-in through `base_url`."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import LESSONS
from tests.support.ports import run_on_free_port
from tests.support.proc import ROOT, Running, hocvuso_env
from tests.support.telegram_standin import TOKEN, TelegramStandIn

LAN = 7101


def write_config(path: Path, standin: TelegramStandIn, extra: str = "") -> Path:
    path.write_text(
        f"telegram:\n  base_url: {standin.base_url}\n  poll_timeout: 1\n{extra}", encoding="utf-8"
    )
    return path


async def finish_lesson_by_buttons(api: TelegramStandIn) -> None:
    await api.push_text(LAN, "/start l-thu-nghiem")
    await api.wait_text(LAN, "Bước 1/4", timeout=30)
    await api.press_through(LAN, timeout=30)


@pytest.fixture
async def api():
    server = await TelegramStandIn().start()
    yield server
    await server.stop()


async def test_run_polling_subprocess(api: TelegramStandIn, tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path / "c.yaml", api)
    env = hocvuso_env(db_url, LESSONS, HOCVUSO_TELEGRAM_TOKEN=TOKEN)
    bot = Running(["run", "--config", str(config)], env)
    try:
        await finish_lesson_by_buttons(api)
        assert {c["command"] for c in api.commands} >= {"hoc", "baihoc", "tiendo", "giupdo"}
    finally:
        code = await bot.stop()
    assert code == 0, bot.output
    assert "Traceback" not in bot.output
    assert TOKEN.split(":")[1] not in bot.output  # the token never reaches the log


async def test_run_webhook_subprocess(api: TelegramStandIn, tmp_path: Path, db_url: str) -> None:
    def config(port: int) -> Path:
        return write_config(
            tmp_path / "c.yaml",
            api,
            f"  mode: webhook\n  webhook:\n    url: http://127.0.0.1:{port}/tg\n    path: tg\n    port: {port}\n    secret_token: abc-123-abc-123-abc-123-abc-123-abc-123\n",
        )

    env = hocvuso_env(db_url, LESSONS, HOCVUSO_TELEGRAM_TOKEN=TOKEN)
    bot, port = await run_on_free_port(config, env, "telegram: webhook as @")
    try:
        assert api.webhook == {"url": f"http://127.0.0.1:{port}/tg", "secret_token": "abc-123-abc-123-abc-123-abc-123-abc-123"}
        await finish_lesson_by_buttons(api)
    finally:
        await bot.stop()
    assert set(api.webhook_responses) == {200}


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )


def test_run_without_token_exits_2_with_one_line(tmp_path: Path) -> None:
    env = hocvuso_env(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", LESSONS)
    proc = run_cli(["run"], env)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "hocvuso: no Telegram token: set HOCVUSO_TELEGRAM_TOKEN (the token @BotFather gave you) or "
        "telegram.token in the config, or set telegram.enabled: false"
    ]


async def test_run_with_rejected_token_is_one_line(api: TelegramStandIn, tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.yaml", api)
    env = hocvuso_env(
        f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        LESSONS,
        HOCVUSO_TELEGRAM_TOKEN="999:wrong-token-xxxxxxxxxxxxxxxxxxxx",
    )
    bot = Running(["run", "--config", str(config)], env)
    code = await asyncio.to_thread(bot.close, 60)
    assert code == 2
    lines = [line for line in bot.output.strip().splitlines() if line]
    assert lines[-1] == "hocvuso: Telegram: the token was rejected; check HOCVUSO_TELEGRAM_TOKEN"
    assert "Traceback" not in bot.output

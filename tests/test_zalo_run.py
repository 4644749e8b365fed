"""`hocvuso run` with the Zalo channel as a subprocess, pointed at the stand-in through `base_url`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import LESSONS
from tests.support.ports import run_on_free_port
from tests.support.proc import Running, hocvuso_env
from tests.support.zalo_standin import TOKEN, ZaloStandIn

TU = "u-ong-nam"


@pytest.fixture
async def zalo():
    server = await ZaloStandIn().start()
    yield server
    await server.stop()


async def finish_lesson_by_typing(api: ZaloStandIn) -> None:
    for text, expect in [
        ("chao chau", "Bác muốn làm gì"),
        ("1", "Bước 1/4"),
        ("tiep tuc", "Bước 2/4"),
        ("KHONG", "Bước 3/4"),
        ("roi", "Bước 4/4"),
        ("ok", "🎉 Chúc mừng"),
    ]:
        await api.push_text(TU, text, "Ông Năm")
        await api.wait_text(TU, expect, timeout=30)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_run_zalo(zalo: ZaloStandIn, tmp_path: Path, db_url: str, mode: str) -> None:
    def config(port: int) -> Path:
        hook = f"  webhook:\n    url: http://127.0.0.1:{port}/zalo\n    port: {port}\n    secret_token: zalo-hook-secret-with-32-characters-or-more\n"
        path = tmp_path / "c.yaml"
        path.write_text(
            f"telegram:\n  enabled: false\nzalo:\n  enabled: true\n  mode: {mode}\n  base_url: {zalo.base_url}\n  poll_timeout: 1\n"
            + (hook if mode == "webhook" else ""),
            encoding="utf-8",
        )
        return path

    env = hocvuso_env(db_url, LESSONS, HOCVUSO_ZALO_TOKEN=TOKEN)
    if mode == "webhook":
        bot, _port = await run_on_free_port(config, env, "zalo: webhook as ")
    else:
        bot = Running(["run", "--config", str(config(0))], env)
    try:
        if mode == "webhook":
            assert zalo.webhook is not None  # registered before it said it was ready
        await finish_lesson_by_typing(zalo)
    finally:
        code = await bot.stop()
    assert code == 0, bot.output
    assert "Traceback" not in bot.output
    assert TOKEN.split(":")[1] not in bot.output
    if mode == "webhook":
        assert set(zalo.webhook_responses) == {200}

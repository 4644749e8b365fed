"""`hocvuso doctor`: one line per check, non-zero exit on any failure."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from tests.conftest import LESSONS, TESTS
from tests.support.proc import ROOT, hocvuso_env
from tests.support.telegram_standin import TOKEN, TelegramStandIn
from tests.support.zalo_standin import TOKEN as ZALO_TOKEN
from tests.support.zalo_standin import ZaloStandIn


def doctor(
    config: Path, db_url: str, lessons: Path = LESSONS, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "doctor", "--config", str(config)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=hocvuso_env(db_url, lessons, **env),
        cwd=ROOT,
        timeout=60,
    )


async def test_all_checks_pass_then_each_failure_is_one_line(tmp_path: Path, sqlite_url: str) -> None:
    telegram = await TelegramStandIn().start()
    zalo = await ZaloStandIn().start()
    config = tmp_path / "c.yaml"
    config.write_text(
        f"telegram:\n  base_url: {telegram.base_url}\nzalo:\n  enabled: true\n  base_url: {zalo.base_url}\n",
        encoding="utf-8",
    )
    try:
        # A database the bot has opened once (migrations applied).
        from tests.conftest import make_tutor

        tutor = await make_tutor(sqlite_url)
        await tutor.db.close()
        good = await asyncio.to_thread(
            doctor, config, sqlite_url, HOCVUSO_TELEGRAM_TOKEN=TOKEN, HOCVUSO_ZALO_TOKEN=ZALO_TOKEN
        )
        assert good.returncode == 0, good.stdout
        assert good.stdout.splitlines() == [
            f"✓ config: {config} is valid",
            "✓ database: sqlite reachable",
            "✓ migrations: at 0004, newest 0004",
            "✓ lessons: 2 lessons, 6 steps",
            "✓ telegram: token accepted (@hocvuso_test_bot)",
            "✓ zalo: token accepted (hocvuso_bot)",
        ]
        bad = await asyncio.to_thread(
            doctor,
            config,
            "postgresql+asyncpg://nobody@127.0.0.1:9/x",
            TESTS / "data" / "broken",
            HOCVUSO_TELEGRAM_TOKEN="1:wrongwrongwrongwrongwrongwrong",
            HOCVUSO_ZALO_TOKEN="1:nope",
        )
        assert bad.returncode == 1
        lines = bad.stdout.splitlines()
        assert len(lines) == 5 and "Traceback" not in bad.stdout + bad.stderr
        assert lines[1].startswith("✗ database: cannot connect")
        assert lines[2].startswith("✗ lessons: 15 problem(s), first: ")
        assert lines[3] == "✗ telegram: the token was rejected"
        assert lines[4] == "✗ zalo: the token was rejected"
        fresh = await asyncio.to_thread(
            doctor,
            config,
            f"sqlite+aiosqlite:///{tmp_path / 'new.db'}",
            HOCVUSO_TELEGRAM_TOKEN=TOKEN,
            HOCVUSO_ZALO_TOKEN=ZALO_TOKEN,
        )
        assert fresh.returncode == 1 and "✗ migrations: at none, newest 0004" in fresh.stdout
    finally:
        await telegram.stop()
        await zalo.stop()

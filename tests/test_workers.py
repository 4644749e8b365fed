"""Two bot processes in webhook mode on one PostgreSQL serve one learner without double effects:
every update is delivered to both workers at once (a load balancer retrying, Telegram redelivering),
and the learner's ordering and exactly-once progress are held by the database."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.store import Database
from bot.store.models import StepEvent
from tests.conftest import LESSONS, fresh_pg_url
from tests.support.proc import Running, hocvuso_env
from tests.support.telegram_standin import THU_NGHIEM_BY_BUTTONS, TOKEN, TelegramStandIn

LAN = 6161
SECRET = "workers-secret-shared-by-both-processes"
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_two_workers_one_learner(pg_server, tmp_path: Path) -> None:
    db_url = fresh_pg_url(pg_server)
    api = await TelegramStandIn().start()
    ports = [free_port(), free_port()]
    workers = []
    for number, port in enumerate(ports):
        config = tmp_path / f"w{number}.yaml"
        config.write_text(
            f"telegram:\n  base_url: {api.base_url}\n  mode: webhook\n  webhook:\n    url: http://127.0.0.1:{port}/tg\n"
            f"    path: tg\n    port: {port}\n    secret_token: {SECRET}\n",
            encoding="utf-8",
        )
        workers.append(
            Running(
                ["run", "--config", str(config)], hocvuso_env(db_url, LESSONS, HOCVUSO_TELEGRAM_TOKEN=TOKEN)
            )
        )
    urls = [f"http://127.0.0.1:{port}/tg" for port in ports]
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

    async def both(update: dict) -> None:
        body = json.dumps(update)
        async with httpx.AsyncClient() as client:
            answers = await asyncio.gather(
                *(
                    client.post(u, content=body, headers={**headers, "Content-Type": "application/json"})
                    for u in urls
                )
            )
        assert [a.status_code for a in answers] == [200, 200]

    try:
        await api.wait_for(lambda s: sum(1 for m, _ in s.calls if m == "setWebhook") == 2, timeout=30)
        await asyncio.sleep(0.5)  # both webhook servers are listening once their setWebhook is done
        await both(api.text_update(LAN, "/start l-thu-nghiem"))
        await api.wait_text(LAN, "Bước 1/4")
        for label, expect in THU_NGHIEM_BY_BUTTONS:
            screen = next(m for m in reversed(api.sent) if m["chat"]["id"] == LAN and m.get("reply_markup"))
            data = next(
                b["callback_data"]
                for row in screen["reply_markup"]["inline_keyboard"]
                for b in row
                if b["text"] == label
            )
            await both(api.press_update(LAN, screen["message_id"], data))
            await api.wait_text(LAN, expect)
        await asyncio.sleep(1.5)  # anything doubled would have arrived by now
    finally:
        for worker in workers:
            await worker.stop()
        await api.stop()
    texts = api.texts(LAN)
    for header in ("Bước 1/4", "Bước 2/4", "Bước 3/4", "Bước 4/4", "🎉 Chúc mừng"):
        assert sum(header in t for t in texts) == 1, (header, texts)
    assert len(api.callback_answers) == 4  # every callback query answered (once: the second is refused)
    assert not any("trục trặc" in t for t in texts)  # no error message from the duplicate deliveries
    db = Database(db_url)
    async with db.reader() as repo:
        events = (
            await repo.session.execute(select(StepEvent.kind, StepEvent.step_id).order_by(StepEvent.id))
        ).all()
    await db.close()
    assert [tuple(e) for e in events] == [
        ("start", "chao"),
        ("shown", "chao"),
        ("answer", "chao"),
        ("shown", "cau-hoi"),
        ("answer", "cau-hoi"),
        ("shown", "thuc-hanh"),
        ("answer", "thuc-hanh"),
        ("shown", "ket"),
        ("answer", "ket"),
        ("complete", "ket"),
    ]

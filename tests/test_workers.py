"""Two bot processes in webhook mode on one PostgreSQL serve one learner without double effects:
every update is delivered to both workers at once (a load balancer retrying, Telegram redelivering),
and the learner's ordering and exactly-once progress are held by the database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.store import Database
from bot.store.models import Outbox, StepEvent
from tests.conftest import LESSONS, fresh_pg_url
from tests.support.ports import run_on_free_port
from tests.support.proc import Running, hocvuso_env
from tests.support.telegram_standin import THU_NGHIEM_BY_BUTTONS, TOKEN, TelegramStandIn

LAN = 6161
SECRET = "workers-secret-shared-by-both-processes"
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


async def test_two_workers_one_learner(pg_server, tmp_path: Path) -> None:
    db_url = fresh_pg_url(pg_server)
    api = await TelegramStandIn().start()
    env = hocvuso_env(db_url, LESSONS, HOCVUSO_TELEGRAM_TOKEN=TOKEN)
    workers: list[Running] = []
    urls: list[str] = []

    def config(number: int, port: int) -> Path:
        path = tmp_path / f"w{number}.yaml"
        path.write_text(
            f"telegram:\n  base_url: {api.base_url}\n  mode: webhook\n  webhook:\n    url: http://127.0.0.1:{port}/tg\n"
            f"    path: tg\n    port: {port}\n    secret_token: {SECRET}\n",
            encoding="utf-8",
        )
        return path

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
        for number in range(2):
            # Each says it is ready once its webhook server listens and setWebhook is done.
            worker, port = await run_on_free_port(
                lambda p, n=number: config(n, p), env, "telegram: webhook as @"
            )
            workers.append(worker)
            urls.append(f"http://127.0.0.1:{port}/tg")
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
    finally:
        # A clean stop marks what each sent; after it nothing more can be sent, so what the
        # stand-in holds now is everything the learner will ever get for these updates.
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
        unsent = (
            await repo.session.execute(select(func.count()).select_from(Outbox).where(Outbox.sent_at.is_(None)))
        ).scalar_one()
    await db.close()
    assert unsent == 0  # nothing left for a pump to send again later
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

"""The dashboard at scale: the overview and unit pages of a campaign-wide organizer over the
reports benchmark's data (100,000 learners, 2,000,000 events), served for real on 127.0.0.1 and
timed per request (on loopback the round trip is the server's time), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import statistics
import time

import httpx

from bot.clock import utcnow
from bot.config import Settings
from bot.core.weblinks import signin_link
from bot.lessons import Catalog
from bot.store import Database
from bot.web import WebServer, build_app

PAGES = {"web_overview_s": "/", "web_units_s": "/don-vi"}


async def measure_pages(db: Database, settings: Settings, catalog: Catalog, tries: int = 3) -> dict[str, float]:
    server = WebServer(None, "127.0.0.1", 0)  # type: ignore[arg-type]
    base = f"http://127.0.0.1:{server.bind()}"
    settings.web.url = base
    server.app = await build_app(db, settings, lambda: catalog)
    serving = asyncio.create_task(server.serve())
    results: dict[str, float] = {}
    try:
        async with db.transaction() as repo:
            organizer = await repo.grant("bench", "organizer", "organizer", None, utcnow())
            link = await signin_link(repo, base, organizer.id, utcnow())
        async with httpx.AsyncClient(timeout=60) as client:
            form = await client.get(link)
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
            assert csrf, form.text
            await client.post(link, data={"csrf": csrf.group(1)})
            for key, path in PAGES.items():
                times, cpu = [], []
                for _ in range(tries):
                    started, used = time.perf_counter(), time.process_time()
                    answer = await client.get(f"{base}{path}")
                    times.append(time.perf_counter() - started)
                    # CPU of this process (server and client; SQLite runs here too): on a machine
                    # shared with other work, the part of the wall time that is ours.
                    cpu.append(time.process_time() - used)
                    assert answer.status_code == 200, (path, answer.status_code)
                results[key] = statistics.median(times)
                results[key.replace("_s", "_cpu_s")] = statistics.median(cpu)
    finally:
        server.stop()
        await serving
    return results

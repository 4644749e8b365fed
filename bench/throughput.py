"""Throughput and latency: many simulated learners stepping through real lessons via
python-telegram-bot's Application (real update parsing, the full tutor, a durable database write per
step, outgoing calls to the in-process Bot API) versus a bare python-telegram-bot echo bot on the
same transport, in the same run."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, TypeHandler, filters

from bench.transport import InProcessBotAPI, text_update
from bot.app import build_router, tune_gc
from bot.config import REPO_LESSONS, Settings, TelegramSettings
from bot.core.engine import Tutor
from bot.lessons import load_catalog
from bot.store import Database

TOKEN = "123456:BENCHMARKtokenBENCHMARKtokenXX"


def learner_script(learners: int, first_id: int = 1_000_000) -> list[tuple[int, str]]:
    """(chat id, text) in the order a class of learners would type them, interleaved."""
    catalog = load_catalog(REPO_LESSONS).catalog
    lessons = [lesson for lesson in catalog.lessons if not lesson.requires]
    scripts = []
    for number in range(learners):
        lesson = lessons[number % len(lessons)]
        lines = [f"/start l-{lesson.id}"]
        for step in lesson.steps:
            if step.kind == "quiz":
                lines.append(str(step.quiz.correct_index + 1))
            else:
                lines.append("xong" if step.kind == "practice" else "tiep tuc")
        scripts.append([(first_id + number, line) for line in lines])
    interleaved = []
    for index in range(max(len(s) for s in scripts)):
        interleaved += [s[index] for s in scripts if index < len(s)]
    return interleaved


class Harness:
    """An Application on the in-process transport, with a group-1 handler that marks each update
    done (group 1 runs after the group-0 handler has finished)."""

    def __init__(self, app: Application):
        self.app = app
        self.done: dict[int, float] = {}
        self.all_done = asyncio.Event()
        self.progressed = asyncio.Event()
        self.expected = 0
        app.add_handler(TypeHandler(Update, self._finished), group=1)

    async def _finished(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.done[update.update_id] = time.perf_counter()
        self.progressed.set()
        if len(self.done) >= self.expected:
            self.all_done.set()

    async def __aenter__(self) -> Harness:
        await self.app.initialize()
        if self.app.post_init:
            await self.app.post_init(self.app)
        await self.app.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.stop()
        await self.app.shutdown()

    async def burst(self, updates: list[dict[str, Any]]) -> float:
        """Everything at once: updates per second until all are handled."""
        self.done.clear()
        self.all_done.clear()
        self.expected = len(updates)
        start = time.perf_counter()
        for data in updates:
            await self.app.update_queue.put(Update.de_json(data, self.app.bot))
        await asyncio.wait_for(self.all_done.wait(), 600)
        return len(updates) / (time.perf_counter() - start)

    async def stream(self, updates: list[dict[str, Any]], window: int = 100) -> float:
        """As polling delivers them: at most `window` updates waiting at a time (getUpdates returns
        up to 100). Parsed only when handed over, so the harness holds no backlog of its own."""
        self.done.clear()
        self.all_done.clear()
        self.expected = len(updates)
        start = time.perf_counter()
        for index, data in enumerate(updates):
            while index - len(self.done) >= window:
                self.progressed.clear()
                await self.progressed.wait()
            await self.app.update_queue.put(Update.de_json(data, self.app.bot))
        await asyncio.wait_for(self.all_done.wait(), 600)
        return len(updates) / (time.perf_counter() - start)

    async def paced(self, updates: list[dict[str, Any]], rate: float) -> tuple[float, float]:
        """A fixed offered load: (p50, p99) milliseconds from arrival to handled."""
        self.done.clear()
        self.all_done.clear()
        self.expected = len(updates)
        arrived: dict[int, float] = {}
        start = time.perf_counter()
        for index, data in enumerate(updates):
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            arrived[data["update_id"]] = time.perf_counter()
            await self.app.update_queue.put(Update.de_json(data, self.app.bot))
        await asyncio.wait_for(self.all_done.wait(), 600)
        latencies = sorted((self.done[k] - arrived[k]) * 1000 for k in arrived)
        return statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1]


def echo_app() -> Application:
    transport = InProcessBotAPI()
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(transport)
        .get_updates_request(transport)
        .updater(None)
        .concurrent_updates(64)
        .build()
    )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


async def hocvuso_app(database_url: str) -> tuple[Application, Callable[[], Any]]:
    from bot.channels.telegram import TelegramChannel

    # Simulated learners type at machine speed: the per-chat flood limit would drop their bursts.
    settings = Settings.model_validate({"database_url": database_url, "limits": {"chat_messages_per_second": 0}})
    db = Database(database_url)
    await db.migrate()
    tutor = Tutor(db, load_catalog(REPO_LESSONS).catalog, settings, build_router())
    channel = TelegramChannel(tutor, TelegramSettings(), TOKEN, request=InProcessBotAPI(), rate_limit=False)
    tune_gc()  # as `hocvuso run` does after start-up
    return channel.application, db.close


def updates_for(script: list[tuple[int, str]], first_update: int) -> list[dict[str, Any]]:
    return [text_update(first_update + i, chat, text) for i, (chat, text) in enumerate(script)]


async def measure(
    database_url: str | None = None, learners: int = 400, rate: float = 200.0
) -> dict[str, float]:
    folder = tempfile.mkdtemp(prefix="hocvuso-bench-")
    database_url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
    burst_script = learner_script(learners)
    paced_script = learner_script(learners, first_id=2_000_000)[: int(rate * 15)]  # 15 seconds of load
    results: dict[str, float] = {}
    async with Harness(echo_app()) as echo:
        results["echo_updates_per_s"] = await echo.burst(updates_for(burst_script, 1))
        results["echo_p50_ms"], results["echo_p99_ms"] = await echo.paced(
            updates_for(paced_script, 10**6), rate
        )
    app, close = await hocvuso_app(database_url)
    try:
        async with Harness(app) as bot:
            results["bot_updates_per_s"] = await bot.burst(updates_for(burst_script, 1))
            results["bot_p50_ms"], results["bot_p99_ms"] = await bot.paced(
                updates_for(paced_script, 10**6), rate
            )
    finally:
        await close()
    results["ratio"] = results["bot_updates_per_s"] / results["echo_updates_per_s"]
    results["updates"] = len(burst_script)
    return results


if __name__ == "__main__":
    print(asyncio.run(measure()))

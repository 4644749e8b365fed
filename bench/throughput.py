"""Throughput and latency in one process: the bot behind python-telegram-bot's `Application` on an
in-process Bot API, against the bots a developer would otherwise write, on the same load.

Bots (`KINDS`): the bare PTB echo bot; the typical PTB tutor on aiosqlite and the same on
PicklePersistence (bench/peers.py); this project. Each measurement runs in a fresh child process
(no shared heap, collector state or caches between bots), and the bots take turns: round after
round, every bot once per round, so a noisy moment on this shared machine hits them all alike;
the figures are the medians over the rounds.

Load: 400 learners typing their way through the real lessons (`/start l-…`, then the right answer
or «tiep tuc» / «xong» for each step), interleaved as a class would. *Burst*: every update queued at
once; updates/s until each is handled and every reply has reached the Bot API, and the CPU time
this took per update. *Paced*: a fixed offered load (200 updates/s, the first 400 are `/start`);
latency from an update's arrival to its last reply reaching the Bot API.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, TypeHandler, filters

from bench.transport import InProcessBotAPI, text_update
from bot.config import REPO_LESSONS

TOKEN = "123456:BENCHMARKtokenBENCHMARKtokenXX"
KINDS = ("echo", "typical", "pickled", "hocvuso")
LABELS = {
    "echo": "echo bot",
    "typical": "typical PTB tutor (aiosqlite)",
    "pickled": "same on PicklePersistence",
    "hocvuso": "Học vụ số",
}


def learner_script(learners: int, first_id: int = 1_000_000) -> list[tuple[int, str]]:
    """(chat id, text) in the order a class of learners would type them, interleaved. Quiz answers
    are the right option's words (quiz options are shown in a per-learner order, so a number would
    mean a different option for each learner)."""
    from bot.lessons import load_catalog

    catalog = load_catalog(REPO_LESSONS).catalog
    lessons = [lesson for lesson in catalog.lessons if not lesson.requires]
    scripts = []
    for number in range(learners):
        lesson = lessons[number % len(lessons)]
        lines = [f"/start l-{lesson.id}"]
        for step in lesson.steps:
            if step.kind == "quiz":
                lines.append(step.quiz.options[step.quiz.correct_index].text)
            else:
                lines.append("xong" if step.kind == "practice" else "tiep tuc")
        scripts.append([(first_id + number, line) for line in lines])
    interleaved = []
    for index in range(max(len(s) for s in scripts)):
        interleaved += [s[index] for s in scripts if index < len(s)]
    return interleaved


def updates_for(script: list[tuple[int, str]], first_update: int) -> list[dict[str, Any]]:
    return [text_update(first_update + i, chat, text) for i, (chat, text) in enumerate(script)]


class Harness:
    """A bot on the in-process transport, fed as it is fed in production: PTB bots through their
    Application's update queue, this project through its channel's `dispatch` (what its poller
    and webhook call). An update is done when its handlers have run and the bot has nothing left
    to send (`drained`)."""

    def __init__(
        self,
        app: Application,
        transport: InProcessBotAPI,
        drained: Callable[[], Any] | None = None,
        dispatch: Callable[[Update], Any] | None = None,
    ):
        self.app = app
        self.transport = transport
        self.drained = drained
        self.dispatch = dispatch
        self.done: dict[int, float] = {}
        self.all_done = asyncio.Event()
        self.progressed = asyncio.Event()
        self.expected = 0
        self._tasks: set[asyncio.Task[None]] = set()
        if dispatch is None:
            app.add_handler(TypeHandler(Update, self._finished), group=1)

    async def _finished(self, update: Update, context: ContextTypes.DEFAULT_TYPE | None) -> None:
        self.done[update.update_id] = time.perf_counter()
        self.progressed.set()
        if len(self.done) >= self.expected:
            self.all_done.set()

    async def _dispatched(self, update: Update) -> None:
        assert self.dispatch is not None
        await self.dispatch(update)
        await self._finished(update, None)

    async def feed(self, update: Update) -> None:
        if self.dispatch is None:
            await self.app.update_queue.put(update)
            return
        task = asyncio.create_task(self._dispatched(update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def __aenter__(self) -> Harness:
        await self.app.initialize()
        if self.app.post_init:
            await self.app.post_init(self.app)
        await self.app.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.stop()
        await self.app.shutdown()

    async def _settle(self) -> None:
        await asyncio.wait_for(self.all_done.wait(), 600)
        if self.drained is not None:
            await asyncio.wait_for(self.drained(), 600)

    async def burst(self, updates: list[dict[str, Any]]) -> tuple[float, float]:
        """Everything at once: (updates per second, CPU seconds per update)."""
        self.done.clear()
        self.all_done.clear()
        self.expected = len(updates)
        cpu, start = time.process_time(), time.perf_counter()
        for data in updates:
            await self.feed(Update.de_json(data, self.app.bot))
        await self._settle()
        elapsed = time.perf_counter() - start
        return len(updates) / elapsed, (time.process_time() - cpu) / len(updates)

    async def paced(self, updates: list[dict[str, Any]], rate: float) -> tuple[float, float, float]:
        """A fixed offered load: (p50, p99, max) milliseconds from arrival to the last reply sent.
        A learner's next update comes seconds later, so every send to a chat between two of its
        updates answers the first."""
        self.done.clear()
        self.all_done.clear()
        self.expected = len(updates)
        self.transport.log = []
        arrivals: list[tuple[int, float]] = []
        start = time.perf_counter()
        for index, data in enumerate(updates):
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            arrivals.append((data["message"]["chat"]["id"], time.perf_counter()))
            await self.feed(Update.de_json(data, self.app.bot))
        await self._settle()
        sends: dict[int, list[float]] = {}
        for chat, at in self.transport.log:
            sends.setdefault(chat, []).append(at)
        latencies = []
        following: dict[int, float] = {}
        for chat, arrived in reversed(arrivals):
            until = following.get(chat, float("inf"))
            answered = [at for at in sends.get(chat, []) if arrived <= at < until]
            if answered:
                latencies.append((max(answered) - arrived) * 1000)
            following[chat] = arrived
        latencies.sort()
        return statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1], latencies[-1]


def echo_app(transport: InProcessBotAPI) -> Application:
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


async def hocvuso_app(database_url: str, transport: InProcessBotAPI) -> tuple[Application, Any, Any, Any]:
    """(application, dispatch, drained, close): the production channel, unlimited send budget."""
    from bot.app import build_router, tune_gc
    from bot.channels.pacing import Budget
    from bot.channels.telegram import TelegramChannel
    from bot.config import Settings, TelegramSettings
    from bot.core.engine import Tutor
    from bot.lessons import load_catalog
    from bot.store import Database

    # Simulated learners type at machine speed: the per-chat flood limit would drop their bursts.
    settings = Settings.model_validate({"database_url": database_url, "limits": {"chat_messages_per_second": 0}})
    db = Database(database_url)
    await db.migrate()
    tutor = Tutor(db, load_catalog(REPO_LESSONS).catalog, settings, build_router())
    unlimited = Budget(rate=1e9, chat_interval=0.0, max_in_flight=10_000)
    channel = TelegramChannel(tutor, TelegramSettings(), TOKEN, request=transport, budget=unlimited)
    tune_gc()  # as `hocvuso run` does after start-up

    async def close() -> None:
        await channel.pump.close()
        await db.close()

    return channel.application, channel.dispatch, channel.pump.idle, close


async def measure_one(kind: str, learners: int, rate: float, paced: bool) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix=f"hocvuso-bench-{kind}-"))
    transport = InProcessBotAPI()
    drained = close = dispatch = None
    if kind == "echo":
        app = echo_app(transport)
    elif kind == "typical":
        from bench.peers import typical_app

        app, close = typical_app(TOKEN, transport, str(folder / "peer.db"))
    elif kind == "pickled":
        from bench.peers import pickled_app

        app, close = pickled_app(TOKEN, transport, str(folder / "peer.pickle"))
    else:
        app, dispatch, drained, close = await hocvuso_app(
            f"sqlite+aiosqlite:///{folder / 'bench.db'}", transport
        )
    burst_script = learner_script(learners)
    paced_script = learner_script(learners, first_id=2_000_000)[: int(rate * 10)]  # 10 seconds of load
    results: dict[str, float] = {}
    try:
        async with Harness(app, transport, drained, dispatch) as bot:
            calls = transport.calls
            results["updates_per_s"], cpu = await bot.burst(updates_for(burst_script, 1))
            results["cpu_us"] = cpu * 1e6
            results["messages_per_update"] = (transport.calls - calls) / len(burst_script)
            if paced:
                results["p50_ms"], results["p99_ms"], results["max_ms"] = await bot.paced(
                    updates_for(paced_script, 10**6), rate
                )
    finally:
        if close is not None:
            await close()
    results["updates"] = len(burst_script)
    return results


def _child(kind: str, learners: int, rate: float, paced: bool) -> dict[str, float]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.throughput",
            "--child",
            kind,
            str(learners),
            str(rate),
            str(int(paced)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} run failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(
    learners: int = 400,
    rate: float = 200.0,
    rounds: int = 5,
    paced_rounds: int = 3,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, dict[str, float]]:
    """Every bot, `rounds` times interleaved; the median of each figure per bot."""
    runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in KINDS}
    for number in range(rounds):
        order = KINDS[number % len(KINDS) :] + KINDS[: number % len(KINDS)]  # nobody always first
        for kind in order:
            runs[kind].append(_child(kind, learners, rate, number < paced_rounds))
        progress(
            f"round {number + 1}/{rounds}: "
            + ", ".join(f"{kind} {runs[kind][-1]['updates_per_s']:,.0f}/s" for kind in KINDS)
        )
    medians: dict[str, dict[str, float]] = {}
    for kind, found in runs.items():
        keys = set().union(*(r.keys() for r in found))
        medians[kind] = {k: statistics.median(r[k] for r in found if k in r) for k in keys}
        medians[kind]["rounds"] = len(found)
    return medians


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, learners, rate, paced = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5] == "1"
        print(json.dumps(asyncio.run(measure_one(kind, learners, rate, paced))))
    else:
        print(json.dumps(measure(progress=lambda line: print(line, file=sys.stderr)), indent=1))

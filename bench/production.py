"""The production path: `hocvuso run` as a process, updates over loopback HTTP (getUpdates or the
webhook), replies through the outbox pump, against the Telegram stand-in with its limits off (this
measures the bot, not Telegram). Beside it, the typical python-telegram-bot tutor (bench/peers.py)
on its own production path: PTB's Updater polling the same stand-in.

- *Burst*: 400 learners working through their whole lessons at once (the in-process benchmark's
  load), each typing the next answer the moment the previous screen arrives; updates/s until every
  lesson is finished, and the bot process's CPU per update.
- *Paced*: 200 updates/s over the webhook for 10 s; latency from the moment an update is handed to
  the bot's HTTP server to its last reply reaching the stand-in.
- *Workers*: the same burst through the webhook on PostgreSQL, with 1, 2 and 4 `hocvuso run`
  processes behind a round-robin balancer (the stand-in posts to each in turn).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.classroom import cpu_seconds
from bench.throughput import learner_script
from tests.support.telegram_cloud import CloudBot, Limits, Sent, TelegramCloud

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "777777:PRODUCTIONtokenPRODUCTIONtokenXXX"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("HOCVUSO_")} | {"PYTHONUNBUFFERED": "1"}


class Replies:
    """Per chat, when each screen (a message with buttons) arrived, and which learners have seen
    their lesson's last screen (🎉). Screens, not messages: a bot may merge a turn's messages,
    and one that is handed a learner's next update before the previous screen went out sends only
    the newer screen (bot.channels.pacing), so a finished lesson is what says "all answered"."""

    def __init__(self) -> None:
        self.screens: dict[int, list[float]] = {}
        self.last: dict[int, float] = {}
        self.finished: set[int] = set()
        self.changed = asyncio.Event()
        self.per_chat: dict[int, asyncio.Event] = {}

    def __call__(self, bot: CloudBot, sent: Sent) -> None:
        self.last[sent.chat] = sent.at
        if sent.markup and sent.method.startswith("send"):
            self.screens.setdefault(sent.chat, []).append(sent.at)
            if "🎉" in sent.text:
                self.finished.add(sent.chat)
            self.changed.set()
            if sent.chat in self.per_chat:
                self.per_chat[sent.chat].set()

    async def learner(self, cloud: TelegramCloud, bot: CloudBot, chat: int, lines: list[str]) -> None:
        """Type each line as soon as the screen answering the previous one has arrived: all the
        learners at once, each never ahead of their own screen (as a person is, and as a bot
        that handles one chat's updates in any order needs)."""
        arrived = self.per_chat.setdefault(chat, asyncio.Event())
        for line in lines:
            seen = len(self.screens.get(chat, ()))
            await cloud.push(bot, cloud.text_update(chat, line))
            while len(self.screens.get(chat, ())) <= seen:
                arrived.clear()
                await arrived.wait()

    async def until_answered(self, last: dict[int, float], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            waiting = sum(1 for chat, at in last.items() if not any(t >= at for t in self.screens.get(chat, ())))
            if not waiting:
                return
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{waiting} learners unanswered after {timeout:.0f} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)

    @property
    def total(self) -> int:
        return sum(len(times) for times in self.screens.values())

    async def until_finished(self, learners: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.finished) < learners:
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{len(self.finished)} of {learners} lessons finished after {timeout:.0f} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)

    async def until(self, total: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.total < total:
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.total} of {total} replies after {timeout:.0f} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)


@contextlib.asynccontextmanager
async def processes(commands: list[list[str]], folder: Path):
    running = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=open(folder / f"worker{n}.log", "w"),  # noqa: SIM115 - closed with the process
        )
        for n, command in enumerate(commands)
    ]
    try:
        yield running
    finally:
        for process in running:
            process.terminate()
        for process in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
            if process.poll() is None:
                process.kill()


def hocvuso_config(
    folder: Path, name: str, base_url: str, database_url: str, webhook_port: int | None
) -> Path:
    lines = [
        f"database_url: {database_url}",
        "telegram:",
        f"  token: {TOKEN}",
        f"  base_url: {base_url}",
        "  poll_timeout: 1",
        "  send_rate: 1000000",  # Telegram's limits are off here: measure the bot
        "  chat_interval: 0",
    ]
    if webhook_port is not None:
        lines += [
            "  mode: webhook",
            "  webhook:",
            f"    port: {webhook_port}",
            "    secret_token: production-secret-0123456789abcdef012345",
        ]
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def burst(
    kind: str,
    mode: str,
    learners: int = 400,
    workers: int = 1,
    database_url: str | None = None,
) -> dict[str, float]:
    """Every learner's whole lesson queued at once: updates/s, CPU per update (all processes)."""
    cloud = await TelegramCloud(Limits(enabled=False)).start()
    bot = cloud.add_bot(TOKEN, "hocvuso_production_bot")
    replies = Replies()
    cloud.listeners.append(replies)
    folder = Path(tempfile.mkdtemp(prefix=f"hocvuso-prod-{kind}-"))
    database_url = database_url or f"sqlite+aiosqlite:///{folder / 'prod.db'}"
    ports = [free_port() for _ in range(workers)]
    if kind == "hocvuso":
        commands = [
            [
                sys.executable,
                "-m",
                "bot",
                "run",
                "--config",
                str(
                    hocvuso_config(
                        folder, f"w{n}", cloud.base_url, database_url, port if mode == "webhook" else None
                    )
                ),
            ]
            for n, port in enumerate(ports)
        ]
    else:
        commands = [
            [sys.executable, "-m", "bench.peers", "--serve", cloud.base_url, TOKEN, str(folder / "peer.db")]
        ]
    script = learner_script(learners, first_id=3_000_000)
    try:
        async with processes(commands, folder) as running:
            if mode == "webhook":
                await _wait_listening(ports)
                bot.webhook = {
                    "url": f"http://127.0.0.1:{ports[0]}/telegram",
                    "urls": [f"http://127.0.0.1:{port}/telegram" for port in ports],
                    "secret_token": "production-secret-0123456789abcdef012345",
                }
            else:
                await asyncio.sleep(4.0)  # started and polling
            cpu = sum(cpu_seconds(p.pid) for p in running)
            started = time.monotonic()
            lines: dict[int, list[str]] = {}
            for chat, text in script:
                lines.setdefault(chat, []).append(text)
            await asyncio.wait_for(
                asyncio.gather(*(replies.learner(cloud, bot, chat, said) for chat, said in lines.items())),
                900,
            )
            elapsed = time.monotonic() - started
            cpu = sum(cpu_seconds(p.pid) for p in running) - cpu
    finally:
        await cloud.stop()
    return {"updates_per_s": len(script) / elapsed, "cpu_us": cpu / len(script) * 1e6, "updates": len(script)}


async def paced(rate: float = 200.0, seconds: float = 10.0, learners: int = 400) -> dict[str, float]:
    """A fixed load over the webhook: (p50, p99, max) ms from hand-over to the last reply."""
    cloud = await TelegramCloud(Limits(enabled=False)).start()
    bot = cloud.add_bot(TOKEN, "hocvuso_production_bot")
    replies = Replies()
    cloud.listeners.append(replies)
    folder = Path(tempfile.mkdtemp(prefix="hocvuso-paced-"))
    port = free_port()
    config = hocvuso_config(folder, "paced", cloud.base_url, f"sqlite+aiosqlite:///{folder / 'p.db'}", port)
    script = learner_script(learners, first_id=4_000_000)[: int(rate * seconds)]
    arrivals: list[tuple[int, float]] = []
    async with processes([[sys.executable, "-m", "bot", "run", "--config", str(config)]], folder):
        await _wait_listening([port])
        url = f"http://127.0.0.1:{port}/telegram"
        bot.webhook = {"url": url, "urls": [url], "secret_token": "production-secret-0123456789abcdef012345"}
        start = time.monotonic()
        for index, (chat, text) in enumerate(script):
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            arrivals.append((chat, time.monotonic()))
            await cloud.push(bot, cloud.text_update(chat, text))
        # Done when every learner has a screen after their last update (an overloaded bot may have
        # replaced a screen with the next one before sending it: that one answers both).
        last = {chat: at for chat, at in arrivals}
        await replies.until_answered(last, timeout=300)
    await cloud.stop()
    latencies = []
    for chat, arrived in arrivals:
        answered = [at for at in replies.screens.get(chat, []) if at >= arrived]
        if answered:
            latencies.append((min(answered) - arrived) * 1000)
    latencies.sort()
    return {
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
        "max_ms": latencies[-1],
    }


async def _wait_listening(ports: list[int], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    for port in ports:
        while True:
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)


def measure_workers(
    counts: tuple[int, ...] = (1, 2, 4), learners: int = 400
) -> dict[int, dict[str, float]] | None:
    """The webhook burst on PostgreSQL with 1, 2, 4 worker processes (None: no PostgreSQL here)."""
    from tests.support.pg import PostgresServer, find_bindir

    bindir = find_bindir()
    if bindir is None:
        return None
    server = PostgresServer(bindir)
    server.start()
    found: dict[int, dict[str, float]] = {}
    try:
        for count in counts:
            name = f"workers{count}"
            server.psql(f"CREATE DATABASE {name}")
            url = server.url(name)
            asyncio.run(_migrate(url))  # once, before the workers start together
            found[count] = asyncio.run(burst("hocvuso", "webhook", learners, workers=count, database_url=url))
    finally:
        server.stop()
    return found


async def _migrate(url: str) -> None:
    from bot.store import Database

    db = Database(url)
    await db.migrate()
    await db.close()


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "burst"
    if which == "workers":
        print(measure_workers())
    elif which == "paced":
        print(asyncio.run(paced()))
    else:
        kind = sys.argv[2] if len(sys.argv) > 2 else "hocvuso"
        mode = sys.argv[3] if len(sys.argv) > 3 else "polling"
        print(asyncio.run(burst(kind, mode)))

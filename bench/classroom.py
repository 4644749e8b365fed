"""A class at once, under Telegram's limits, on the production path.

The real `hocvuso run` process (polling or webhook) talks over loopback HTTP to a stand-in of
Telegram that enforces its documented flood limits for every bot — about 30 messages a second in
all, about 1 a second to one chat, 429 with `retry_after` past that (tests/support/telegram_cloud.py,
which counts keyboard edits too). N learners open a lesson within the same 10 seconds and step
through it at a human pace, pressing the right button 5–20 s after each screen arrived. What is
measured is what each of them notices: the wait from a press to the complete reply (the next screen,
with its buttons), and how much of that came after the bot had already answered the button (the
time the message spent queued for the send budget, and on the wire).

Time compression: a class runs `scale` times faster than life (think times and the start spread
divided by `scale`), and so do Telegram's limits and the bot's own send budget (rates multiplied
by `scale`), so the limits bite exactly as they would at full length; waits are reported
multiplied back by `scale`, in the class's own seconds. The bot's processing time is stretched by
the same factor in the report, which overstates it (a few milliseconds become a few more).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import REPO_LESSONS
from tests.support.telegram_cloud import CloudBot, Limits, Sent, TelegramCloud

ROOT = Path(__file__).resolve().parents[1]
SCREEN = re.compile(r"^(\d+)\.\d+$")
STEP = re.compile(r"Bước (\d+)/(\d+)")
THINK = (5.0, 20.0)  # seconds between a screen and the learner's press
SPREAD = 10.0  # seconds within which the class starts
SEND_RATE, CHAT_INTERVAL = 28.0, 1.05  # the bot's default budget (bot.channels.pacing.Budget)


def tokens(count: int) -> list[str]:
    return [f"{900000 + n}:CLASSROOMtoken{n:02d}xxxxxxxxxxxxxxxxxxxxxx" for n in range(count)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def screen_of(sent: Sent) -> int | None:
    for button in sent.buttons:
        match = SCREEN.match(button.get("callback_data", ""))
        if match:
            return int(match.group(1))
    return None


@dataclass
class Learner:
    chat: int
    bot: CloudBot
    lesson: Any
    seq: int = -1
    step: int = 0
    waits: list[float] = field(default_factory=list)  # press → complete reply, seconds (compressed)
    after_answer: list[float] = field(default_factory=list)  # answered → complete reply
    order_breaks: int = 0
    screen: asyncio.Event = field(default_factory=asyncio.Event)
    last: Sent | None = None
    done: bool = False


class Classroom:
    """One scenario: `learners` learners on `bots` bots, `mode` polling or webhook."""

    def __init__(self, learners: int, bots: int, mode: str, scale: float, seed: int = 7):
        from bot.lessons import load_catalog

        self.count, self.bot_count, self.mode, self.scale = learners, bots, mode, scale
        self.rng = random.Random(seed)
        catalog = load_catalog(REPO_LESSONS).catalog
        self.lessons = [lesson for lesson in catalog.lessons if not lesson.requires]
        self.learners: dict[tuple[str, int], Learner] = {}
        self.presses = 0
        self.breaks: list[tuple[Any, ...]] = []  # (chat, seq before, seq, step before, step, text)

    def _on_sent(self, bot: CloudBot, sent: Sent) -> None:
        learner = self.learners.get((bot.token, sent.chat))
        if learner is None or (sent.method != "sendMessage" and sent.method != "sendPhoto"):
            return
        seq = screen_of(sent)
        if seq is None:
            return
        step = STEP.search(sent.text)
        number = int(step.group(1)) if step else learner.step + 1
        if seq <= learner.seq or (step and number != learner.step + 1):
            learner.order_breaks += 1  # an older screen after a newer one, or a step skipped
            self.breaks.append((learner.chat, learner.seq, seq, learner.step, number, sent.text[:40]))
        learner.seq, learner.last = max(seq, learner.seq), sent
        if step:
            learner.step = number
        learner.screen.set()

    def _config(self, folder: Path, cloud: TelegramCloud, names: list[str], port: int) -> Path:
        keys = tokens(self.bot_count)
        rate, interval = SEND_RATE * self.scale, CHAT_INTERVAL / self.scale
        lines = [
            f"database_url: sqlite+aiosqlite:///{folder / 'class.db'}",
            "telegram:",
            f"  token: {keys[0]}",
            f"  base_url: {cloud.base_url}",
            "  poll_timeout: 1",
            f"  mode: {self.mode}",
            f"  send_rate: {rate}",
            f"  chat_interval: {interval}",
        ]
        if self.mode == "webhook":
            lines += [
                "  webhook:",
                f"    url: http://127.0.0.1:{port}/telegram",
                f"    port: {port}",
                "    secret_token: classroom-secret-0123456789abcdef0123456789",
            ]
        if self.bot_count > 1:
            lines.append("  bots:")
            lines += [
                f"    - {{name: {name}, token: '{key}'}}"
                for name, key in zip(names[1:], keys[1:], strict=True)
            ]
        config = folder / "config.yaml"
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return config

    async def _learn(self, cloud: TelegramCloud, learner: Learner) -> None:
        await asyncio.sleep(self.rng.uniform(0, SPREAD) / self.scale)
        pressed = time.monotonic()
        query: str | None = None
        await cloud.push(learner.bot, cloud.text_update(learner.chat, f"/start l-{learner.lesson.id}"))
        while True:
            while learner.last is None or learner.last.at < pressed:
                learner.screen.clear()
                await learner.screen.wait()
            arrived = learner.last.at
            learner.waits.append(arrived - pressed)
            if query is not None and query in learner.bot.answered:
                learner.after_answer.append(max(0.0, arrived - learner.bot.answered[query]))
            if "🎉" in learner.last.text:
                learner.done = True
                return
            await asyncio.sleep(self.rng.uniform(*THINK) / self.scale)
            step = learner.lesson.steps[learner.step - 1]
            if step.kind == "quiz":
                label = step.quiz.options[step.quiz.correct_index].text
            else:
                label = "✅ Xong" if step.kind == "practice" else "Tiếp tục"
            button = next(b for b in learner.last.buttons if b["text"] == label)
            update = cloud.press_update(
                learner.bot, learner.chat, learner.last.message_id, button["callback_data"]
            )
            query = update["callback_query"]["id"]
            pressed = time.monotonic()
            self.presses += 1
            await cloud.push(learner.bot, update)

    async def run(self) -> dict[str, Any]:
        limits = Limits(per_bot=30.0, per_chat=1.0, scale=self.scale)
        cloud = await TelegramCloud(limits).start()
        names = ["main"] + [f"bot{n}" for n in range(2, self.bot_count + 1)]
        bots = [
            cloud.add_bot(key, f"hocvuso_{name}_bot")
            for key, name in zip(tokens(self.bot_count), names, strict=True)
        ]
        cloud.listeners.append(self._on_sent)
        folder = Path(tempfile.mkdtemp(prefix="hocvuso-class-"))
        config = self._config(folder, cloud, names, free_port())
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOCVUSO_")}
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(folder / "bot.log", "w"),  # noqa: SIM115 - closed with the process
        )
        try:
            if self.mode == "webhook":
                await cloud.wait_for(lambda: all(b.webhook for b in bots), timeout=90)
            else:
                await cloud.wait_for(lambda: all(b.polled for b in bots), timeout=90)
            await asyncio.sleep(0.5)
            for index in range(self.count):
                bot = bots[index % self.bot_count]  # each class on its bot
                learner = Learner(5_000_000 + index, bot, self.lessons[index % len(self.lessons)])
                self.learners[(bot.token, learner.chat)] = learner
            cpu = cpu_seconds(process.pid)
            started = time.monotonic()
            work = [asyncio.create_task(self._learn(cloud, learner)) for learner in self.learners.values()]
            lesson_time = max(len(lesson.steps) for lesson in self.lessons) * (THINK[1] + 30) / self.scale
            done, pending = await asyncio.wait(work, timeout=SPREAD / self.scale + lesson_time + 60)
            for task in pending:
                task.cancel()
            elapsed = time.monotonic() - started
            cpu = cpu_seconds(process.pid) - cpu
            outbox = self._outbox_rows(folder / "class.db")
        finally:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
            if process.poll() is None:
                process.kill()
            await cloud.stop()
        return self._figures(bots, elapsed, cpu, outbox, [t for t in work if t in done])

    def _peak(self, bots: list[CloudBot], window: float = 10.0) -> float:
        """The most messages and edits delivered per (campaign) second over any 10 seconds: what
        the bots sustained at the busiest moment."""
        times = sorted(sent.at for bot in bots for sent in bot.log)
        span = window / self.scale
        best, first = 0, 0
        for last, at in enumerate(times):
            while times[first] <= at - span:
                first += 1
            best = max(best, last - first + 1)
        return best / window

    @staticmethod
    def _outbox_rows(path: Path) -> int:
        import sqlite3

        with contextlib.closing(sqlite3.connect(path)) as db:
            return db.execute("SELECT count(*) FROM outbox").fetchone()[0]

    def _figures(
        self, bots: list[CloudBot], elapsed: float, cpu: float, outbox: int, finished: list
    ) -> dict[str, Any]:
        waits = sorted(w * self.scale for learner in self.learners.values() for w in learner.waits[1:])
        starts = sorted(learner.waits[0] * self.scale for learner in self.learners.values() if learner.waits)
        after = sorted(a * self.scale for learner in self.learners.values() for a in learner.after_answer)
        sends = sum(1 for bot in bots for sent in bot.log if sent.method.startswith("send"))
        edits = sum(1 for bot in bots for sent in bot.log if sent.method.startswith("edit"))
        presses = max(1, self.presses)
        opened = sum(1 for learner in self.learners.values() if learner.waits)

        def pct(values: list[float], q: float) -> float:
            return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")

        return {
            "learners": self.count,
            "bots": self.bot_count,
            "mode": self.mode,
            "scale": self.scale,
            "presses": self.presses,
            "finished": sum(1 for learner in self.learners.values() if learner.done),
            "wait_p50_s": pct(waits, 0.5),
            "wait_p95_s": pct(waits, 0.95),
            "wait_max_s": waits[-1] if waits else float("nan"),
            "after_answer_p50_s": pct(after, 0.5),
            "after_answer_p95_s": pct(after, 0.95),
            "start_p95_s": pct(starts, 0.95),
            # Outbox rows are the messages as the tutor wrote them (before merging).
            "messages_per_press_unmerged": outbox / max(1, presses + opened),
            "messages_per_press": sends / max(1, presses + opened),
            "edits_per_press": edits / presses,
            "peak_sent_per_s": self._peak(bots),
            "refused_429": sum(bot.refused for bot in bots),
            "order_breaks": sum(learner.order_breaks for learner in self.learners.values()),
            "order_break_examples": self.breaks[:3],
            "bot_cpu_ms_per_press": cpu * 1000 / max(1, presses + opened),
            "seconds": elapsed,
        }


def measure(learners: int, bots: int, mode: str, scale: float) -> dict[str, Any]:
    return asyncio.run(Classroom(learners, bots, mode, scale).run())


SCALE = 4.0  # a class runs 4× faster than life (see the module's docstring)
SCENARIOS = [  # (learners, bots, mode)
    (20, 1, "polling"),
    (40, 1, "polling"),
    (40, 1, "webhook"),
    (100, 1, "webhook"),
    (400, 1, "webhook"),
    (100, 2, "webhook"),
    (400, 2, "webhook"),
]


if __name__ == "__main__":
    learners = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    bots = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    mode = sys.argv[3] if len(sys.argv) > 3 else "polling"
    scale = float(sys.argv[4]) if len(sys.argv) > 4 else 4.0
    print(json.dumps(measure(learners, bots, mode, scale), indent=1))

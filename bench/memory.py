"""Memory: resident size of the bot process after 10,000 learners were active within a minute.

Runs the bot (Application + tutor + SQLite, in-process Bot API) in a child process, so the figure
is the bot's alone; each learner opens a lesson and answers its first step."""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _child(learners: int) -> dict[str, float]:
    from bench.throughput import Harness, hocvuso_app, learner_script, updates_for

    folder = tempfile.mkdtemp(prefix="hocvuso-mem-")
    app, close = await hocvuso_app(f"sqlite+aiosqlite:///{Path(folder) / 'mem.db'}")
    script = learner_script(learners, first_id=3_000_000)[:learners]  # each learner opens a lesson
    results = {"rss_start_mb": _rss_mb()}
    async with Harness(app) as bot:
        started = time.perf_counter()
        rate = await bot.stream(updates_for(script, 1))
        results["seconds"] = time.perf_counter() - started
        results["updates_per_s"] = rate
    results["rss_mb"] = _rss_mb()
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results["learners"] = learners
    await close()
    return results


def measure(learners: int = 10_000) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.memory", "--child", str(learners)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(asyncio.run(_child(int(sys.argv[2])))))
    else:
        print(measure())

"""Drive a `hocvuso` subprocess line by line and wait for what it prints."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def hocvuso_env(db_url: str, lessons: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOCVUSO_")}
    env.update(HOCVUSO_DATABASE_URL=db_url, HOCVUSO_LESSONS_DIR=str(lessons), PYTHONUNBUFFERED="1", **extra)
    return env


class Running:
    """A running `python -m bot …` with its output collected by a thread."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path | None = None):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd or ROOT,
            text=True,
            encoding="utf-8",
        )
        self.output = ""
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait_for(self, marker: str, timeout: float = 30.0, start: int = 0) -> str:
        deadline = time.monotonic() + timeout
        while marker not in self.output[start:]:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{marker!r} not printed; output so far:\n{self.output[-2000:]}")
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise EOFError(f"process ended before {marker!r}; output:\n{self.output[-2000:]}")
            self.output += line
        return self.output

    def close(self, timeout: float = 30.0) -> int:
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        code = self.proc.wait(timeout=timeout)
        while True:
            try:
                line = self._lines.get(timeout=5)
            except queue.Empty:
                break
            if line is None:
                break
            self.output += line
        return code

    async def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then wait without blocking the event loop (stand-ins in this loop must answer)."""
        import asyncio

        self.proc.terminate()
        return await asyncio.to_thread(self.close, timeout)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)

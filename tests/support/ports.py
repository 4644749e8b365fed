"""Ports for servers the tests start, without guessing.

The stand-ins bind port 0 and report the port they got. The bot's own webhook server needs its port
in its config (the URL it registers names it), so a test picks a free port and *retries with another
one* if something else took it in between (other test runs share this machine). A connection that
must be refused goes to a port the test has bound itself and does not listen on: nobody else can
take it, so it refuses for sure (port 9 or any "unused" number is only probably closed).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

from tests.support.proc import Running

T = TypeVar("T")
ATTEMPTS = 5
IN_USE = "Address already in use"


def pick_ports(count: int = 1) -> list[int]:
    """`count` distinct ports free a moment ago: all bound at once, so never the same one twice."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


@contextlib.contextmanager
def refusing_port() -> Iterator[int]:
    """A local port that refuses every connection while the block runs (bound here, not listening)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


async def on_free_port(start: Callable[[int], Awaitable[T]]) -> T:
    """`await start(port)` on a free port; another port if that one was taken in the meantime."""
    for attempt in range(ATTEMPTS):
        (port,) = pick_ports()
        try:
            return await start(port)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def run_on_free_port(
    make_config: Callable[[int], Path], env: dict[str, str], ready: str, timeout: float = 60.0
) -> tuple[Running, int]:
    """`hocvuso run --config make_config(port)` until it prints `ready`; if its webhook port was
    taken in the meantime (it exits saying so), again on another port."""
    for attempt in range(ATTEMPTS):
        (port,) = pick_ports()
        bot = Running(["run", "--config", str(make_config(port))], env)
        try:
            await asyncio.to_thread(bot.wait_for, ready, timeout)
            return bot, port
        except EOFError:
            if IN_USE not in bot.output or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


class LogSeen(logging.Handler):
    """Set when a log line containing `fragment` is emitted: wait on it instead of sleeping."""

    def __init__(self, fragment: str):
        super().__init__(logging.DEBUG)
        self.fragment = fragment
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.fragment in record.getMessage():
            self.seen.set()

    @contextlib.contextmanager
    def watching(self, logger: str) -> Iterator[LogSeen]:
        target = logging.getLogger(logger)
        target.addHandler(self)
        try:
            yield self
        finally:
            target.removeHandler(self)

"""Per-chat flood control, before any database work: a token bucket per (channel, chat id).

A chat may send `burst` messages at once and `rate` a second after that; the rest is dropped
before it takes a database transaction, a lock or a worker slot, so one chat sending hundreds of
messages cannot make everyone else wait behind them. The first dropped message of a run gets one
gentle notice; the next ones get nothing until the chat is let through again.

The clock is injected (`time.monotonic` by default) so tests decide when time passes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from enum import Enum


class Verdict(Enum):
    ADMIT = "admit"
    WARN = "warn"  # dropped; tell the chat to slow down (once per run of drops)
    DROP = "drop"  # dropped silently


class ChatLimiter:
    """`rate` tokens a second, at most `burst` saved up; `rate` 0 means no limit."""

    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_chats: int = 100_000,
    ):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.max_chats = max_chats
        # chat -> [tokens, time of last refill, warned since last admitted]
        self._buckets: dict[Hashable, list] = {}

    def admit(self, chat: Hashable) -> Verdict:
        if self.rate <= 0:
            return Verdict.ADMIT
        now = self.clock()
        bucket = self._buckets.get(chat)
        if bucket is None:
            if len(self._buckets) >= self.max_chats:
                self._forget_idle(now)
            bucket = self._buckets[chat] = [float(self.burst), now, False]
        else:
            bucket[0] = min(float(self.burst), bucket[0] + (now - bucket[1]) * self.rate)
            bucket[1] = now
        if bucket[0] >= 1.0:
            bucket[0] -= 1.0
            bucket[2] = False
            return Verdict.ADMIT
        if bucket[2]:
            return Verdict.DROP
        bucket[2] = True
        return Verdict.WARN

    def _forget_idle(self, now: float) -> None:
        """Keep memory bounded: a chat whose bucket has refilled is the same as a new one."""
        full_after = self.burst / self.rate
        for chat in [c for c, (_t, last, _w) in self._buckets.items() if now - last >= full_after]:
            del self._buckets[chat]
        while len(self._buckets) >= self.max_chats:  # all busy: forget the longest-known ones
            del self._buckets[next(iter(self._buckets))]

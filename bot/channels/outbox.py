"""Delivery from the outbox, shared by every network channel.

Replies of the update being handled are sent at once (`deliver`); anything left unsent — a crash
between commit and send, a message for someone on another channel, a reminder, flood control —
is picked up by `run`, which leases due rows so two workers never send the same message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.clock import utcnow
from bot.core.replies import Delivery, Reply
from bot.core.turn import with_names
from bot.store import Database

log = logging.getLogger("hocvuso.outbox")

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8


class RetryLater(Exception):
    """The platform asked us to slow down; keep the message and try again after `seconds`."""

    def __init__(self, seconds: float):
        super().__init__(f"retry after {seconds:.0f}s")
        self.seconds = seconds


class Undeliverable(Exception):
    """The message can never be delivered (the user blocked the bot, the chat is gone)."""


Sender = Callable[[Delivery], Awaitable[None]]


class OutboxPump:
    # Marking messages sent is batched: one small transaction per MARK_DELAY rather than one per
    # update keeps the single SQLite writer free for learners' steps. A crash inside the delay means
    # those messages are due again after their lease: a learner's own replies are then found
    # superseded by their later turns (Repository.claim_outbox), anything else is sent again.
    MARK_DELAY = 0.2

    def __init__(self, db: Database, channel: str, send: Sender, interval: float = 1.0):
        self.db = db
        self.channel = channel
        self.send = send
        self.interval = interval
        self._marks: list[int] = []
        self._stripped: list[int] = []  # sent messages that carried a file: the file is dropped
        self._marker: asyncio.Task[None] | None = None

    def _mark_later(self, ids: list[int], with_files: list[int]) -> None:
        self._marks.extend(ids)
        self._stripped.extend(with_files)
        if self._marker is None or self._marker.done():
            self._marker = asyncio.create_task(self._mark_soon())

    async def _mark_soon(self) -> None:
        await asyncio.sleep(self.MARK_DELAY)
        await self.flush_marks()

    async def flush_marks(self) -> None:
        ids, self._marks = self._marks, []
        files, self._stripped = self._stripped, []
        if not ids:
            return
        try:
            async with self.db.transaction() as repo:
                await repo.mark_sent(ids, utcnow())
                await repo.drop_attachments(files)
        except Exception as exc:  # due again after their lease (see above)
            log.warning(
                "%s: marking %d message(s) sent failed: %s", self.channel, len(ids), type(exc).__name__
            )

    async def close(self) -> None:
        if self._marker is not None and not self._marker.done():
            self._marker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._marker
        await self.flush_marks()

    async def deliver(self, deliveries: list[Delivery]) -> None:
        """Send in order; mark what went out. Stops at the first failure so order is kept."""
        sent: list[int] = []
        with_files: list[int] = []
        try:
            for index, delivery in enumerate(deliveries):
                if delivery.channel != self.channel:
                    continue
                try:
                    await self.send(delivery)
                except RetryLater as exc:
                    await self._reschedule(deliveries[index:], exc.seconds)
                    return
                except Undeliverable as exc:
                    log.warning("%s: message %s undeliverable: %s", self.channel, delivery.outbox_id, exc)
                    if delivery.outbox_id:
                        async with self.db.transaction() as repo:
                            await repo.mark_failed(delivery.outbox_id)
                    continue
                except Exception as exc:  # network trouble: the lease expires and `run` retries
                    log.warning(
                        "%s: sending failed (%s: %s); will retry", self.channel, type(exc).__name__, exc
                    )
                    return
                if delivery.outbox_id:
                    sent.append(delivery.outbox_id)
                    if delivery.reply.document is not None or delivery.reply.image_bytes is not None:
                        with_files.append(delivery.outbox_id)
        finally:
            if sent:
                self._mark_later(sent, with_files)

    async def _reschedule(self, rest: list[Delivery], seconds: float) -> None:
        retry_at = utcnow() + timedelta(seconds=seconds)
        async with self.db.transaction() as repo:
            for delivery in rest:
                if delivery.outbox_id:
                    await repo.release(delivery.outbox_id, retry_at)
        log.info("%s: flood control, %d message(s) kept for %.0fs", self.channel, len(rest), seconds)

    async def pump_once(self) -> int:
        now = utcnow()
        async with self.db.transaction() as repo:
            rows = await repo.claim_outbox(self.channel, now, LEASE)
            for row, _external in rows:
                if row.attempts > MAX_ATTEMPTS:
                    await repo.mark_failed(row.id)  # given up: its file goes too
            live = [(row, external) for row, external in rows if row.attempts <= MAX_ATTEMPTS]
            # People named in a message are named as they are now (an erased one: «(đã xóa dữ liệu)»).
            replies = await with_names(repo, [Reply.from_payload(row.payload) for row, _ in live])
            batch = [
                Delivery(row.id, row.user_id, row.channel, external, reply)
                for (row, external), reply in zip(live, replies, strict=True)
            ]
        if batch:
            await self.deliver(batch)
        return len(batch)

    async def run(self) -> None:
        while True:
            try:
                count = await self.pump_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("%s: outbox pump: %s: %s", self.channel, type(exc).__name__, exc)
                count = 0
            if not count:
                await asyncio.sleep(self.interval)

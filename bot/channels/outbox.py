"""Delivery from the outbox, shared by every network channel: one pump per bot.

Replies of the update being handled are handed over at once (`deliver`); anything left unsent — a
crash between commit and send, a message for someone on another channel or bot, a reminder, flood
control — is picked up by `run`, which leases due rows so two workers never send the same message.
Either way the message joins the bot's send queue (`bot.channels.pacing`): paced under the
platform's limits, fair across chats, merged where a turn allows, never an old screen, in order.
A queued message keeps its outbox lease (renewed while it waits), so no other worker sends it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from bot.channels.pacing import Budget, Job, Planner
from bot.clock import utcnow
from bot.core.replies import Delivery, Reply
from bot.core.turn import DIRECT_LEASE, with_names
from bot.store import Database

log = logging.getLogger("hocvuso.outbox")

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8
RENEW_BEFORE = 4.0  # seconds: a queued message's lease is renewed when it has less than this left
RENEW_FOR = timedelta(seconds=30)


class RetryLater(Exception):
    """The platform asked us to slow down; keep the message and try again after `seconds`."""

    def __init__(self, seconds: float):
        super().__init__(f"retry after {seconds:.0f}s")
        self.seconds = seconds


class Undeliverable(Exception):
    """The message can never be delivered (the user blocked the bot, the chat is gone)."""


Sender = Callable[[Delivery], Awaitable[None]]


async def _wait(event: asyncio.Event, seconds: float) -> None:
    """Until `event` is set or `seconds` pass. Not `asyncio.wait_for`: on Python 3.11 it can
    swallow a cancellation that comes as the event is set, and a stopped pump would go on."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


class OutboxPump:
    # Marking messages sent (and renewing leases) is batched: one small transaction per MARK_DELAY
    # rather than one per update keeps the single SQLite writer free for learners' steps. A crash
    # inside the delay means those messages are due again after their lease: a learner's own
    # replies are then found superseded by their later turns (Repository.claim_outbox), anything
    # else is sent again.
    MARK_DELAY = 0.2

    def __init__(
        self,
        db: Database,
        channel: str,
        send: Sender,
        interval: float = 1.0,
        *,
        bot: str | None = None,
        default: bool = True,
        others: Iterable[str] = (),
        budget: Budget | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        """`bot`: which of the channel's bots this pump sends for; the `default` bot's pump also
        sends rows with no bot, or with a bot not among `others` (a bot removed from the config)."""
        self.db = db
        self.channel = channel
        self.send = send
        self.interval = interval
        self.bot = bot
        self.default = default
        self.others = tuple(others)
        self.planner = Planner(budget)
        self.clock = clock
        self._marks: list[int] = []
        self._failed: list[int] = []
        self._stripped: list[int] = []  # sent messages that carried a file: the file is dropped
        self._marker: asyncio.Task[None] | None = None
        self._sender: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._last_renewal = 0.0
        self._tasks: set[asyncio.Future[None]] = set()  # requests on the wire, lease renewals
        # Outbox rows this process holds: queued, on the wire, or sent and not yet marked. Its own
        # `run` never takes them again, whatever their lease says; their leases are renewed.
        self._held: set[int] = set()
        self._on_wire: dict[int, Job] = {}
        self._retry_at: dict[str, datetime] = {}  # chat -> when the platform lets it have more (429)
        self._progress = asyncio.Event()  # a request finished

    # --- what comes in -------------------------------------------------------------------------

    async def deliver(self, deliveries: list[Delivery]) -> None:
        """Queue one turn's messages for this channel and bot; returns at once (they are in the
        outbox already, leased to this process)."""
        mine: list[Delivery] = []
        for delivery in deliveries:
            if delivery.channel != self.channel or not self._for_me(delivery.bot):
                continue
            if delivery.meta.get("answered"):  # shown as the pressed button's popup already
                if delivery.outbox_id:
                    self._mark_later([delivery.outbox_id])
                continue
            mine.append(delivery)
        if mine:
            self._queue(mine, DIRECT_LEASE.total_seconds())

    def later(self, chat_id: str, call: Callable[[], Awaitable[Any]]) -> None:
        """A cosmetic call for a chat (closing a pressed keyboard): after the chat's messages,
        under the same limits, dropped if it cannot go soon."""
        self.planner.add_edit(chat_id, call, self.clock())
        self._kick()

    def _for_me(self, bot: str | None) -> bool:
        if bot == self.bot:
            return True
        return self.default and (bot is None or bot not in self.others)

    def _queue(self, deliveries: list[Delivery], lease_seconds: float) -> None:
        now = self.clock()
        self._held.update(d.outbox_id for d in deliveries if d.outbox_id)
        replaced = self.planner.add_turn(deliveries, now, now + lease_seconds)
        for job in replaced:
            self._mark_later(job.outbox_ids)
        self._kick()

    def _kick(self) -> None:
        self._idle.clear()
        self._wake.set()
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_loop(), name=f"{self.channel}-send")

    # --- sending -------------------------------------------------------------------------------

    async def _send_loop(self) -> None:
        while True:
            now = self.clock()
            taken = self.planner.take(now)
            for job in taken.start:
                self._spawn(self._send_job(job))
            if now - self._last_renewal > 1.0:
                self._last_renewal = now
                self._renew_leases(now)
            if self.planner.idle:
                self._idle.set()
                if self._marks or self._failed:
                    self._schedule_marks()
                return
            wake_at = self.planner.next_time(now)
            self._wake.clear()
            timeout = None if wake_at is None else max(0.0, wake_at - self.clock())
            if timeout is None or timeout > 0:
                await _wait(self._wake, min(timeout or 1.0, 1.0))

    async def _send_job(self, job: Job) -> None:
        retry: float | None = None
        self._on_wire[job.number] = job
        try:
            if job.edit is not None:
                try:
                    await job.edit()
                except RetryLater as exc:  # held like a message; the edit waits its turn again
                    retry = exc.seconds
                    self._retry_at[job.chat] = utcnow() + timedelta(seconds=exc.seconds)
                except Exception as exc:  # cosmetic: already edited, too old…
                    log.debug("%s: an edit failed: %s", self.channel, type(exc).__name__)
                return
            assert job.delivery is not None
            try:
                await self.send(job.delivery)
            except RetryLater as exc:
                retry = exc.seconds
                self._retry_at[job.chat] = utcnow() + timedelta(seconds=exc.seconds)
                log.info("%s: flood control, chat held for %.0fs", self.channel, exc.seconds)
                return
            except Undeliverable as exc:
                log.warning("%s: message %s undeliverable: %s", self.channel, job.delivery.outbox_id, exc)
                self._failed.extend(job.outbox_ids)
                self._schedule_marks()
                return
            except Exception as exc:  # network trouble: the lease expires and `run` sends them again
                log.warning("%s: sending failed (%s: %s); will retry", self.channel, type(exc).__name__, exc)
                for dropped in [job, *self.planner.drop_chat(job.chat)]:
                    self._held.difference_update(dropped.outbox_ids)
                return
            reply = job.delivery.reply
            files = job.outbox_ids if reply.document is not None or reply.image_bytes is not None else []
            self._mark_later(job.outbox_ids, files)
        finally:
            self._on_wire.pop(job.number, None)
            self.planner.done(job, self.clock(), retry_after=retry)
            self._progress.set()
            self._wake.set()
            if self._sender is None or self._sender.done():
                self._kick()

    def _renew_leases(self, now: float) -> None:
        """Messages queued or on the wire keep their lease while they wait their turn."""
        waiting = [*self.planner.queued(), *self._on_wire.values()]
        due = [job for job in waiting if job.outbox_ids and job.lease_until - now < RENEW_BEFORE]
        if not due:
            return
        for job in due:
            job.lease_until = now + RENEW_FOR.total_seconds()
        ids = [i for job in due for i in job.outbox_ids]
        self._spawn(self._renew(ids))

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _renew(self, ids: list[int]) -> None:
        try:
            async with self.db.transaction() as repo:
                await repo.lease(ids, utcnow() + RENEW_FOR)
        except Exception as exc:
            log.warning("%s: renewing %d lease(s) failed: %s", self.channel, len(ids), type(exc).__name__)

    async def idle(self) -> None:
        """Wait until nothing is queued or on the wire (benchmarks, tests, a clean stop)."""
        await self._idle.wait()

    # --- marking -------------------------------------------------------------------------------

    def _mark_later(self, ids: list[int], with_files: list[int] | None = None) -> None:
        if ids:
            self._marks.extend(ids)
            self._stripped.extend(with_files or [])
            self._schedule_marks()

    def _schedule_marks(self) -> None:
        if self._marker is None or self._marker.done():
            self._marker = asyncio.create_task(self._mark_soon())

    async def _mark_soon(self) -> None:
        await asyncio.sleep(self.MARK_DELAY)
        await self.flush_marks()

    async def flush_marks(self) -> None:
        ids, self._marks = self._marks, []
        failed, self._failed = self._failed, []
        files, self._stripped = self._stripped, []
        if not ids and not failed:
            return
        try:
            async with self.db.transaction() as repo:
                if ids:
                    await repo.mark_sent(ids, utcnow())
                    await repo.drop_attachments(files)  # a sent message's file is not kept
                for outbox_id in failed:
                    await repo.mark_failed(outbox_id)
        except Exception as exc:  # due again after their lease (see above)
            log.warning(
                "%s: marking %d message(s) sent failed: %s", self.channel, len(ids), type(exc).__name__
            )
        finally:
            self._held.difference_update(ids)
            self._held.difference_update(failed)

    async def close(self, wait: float = 5.0) -> None:
        """Send what can go within `wait` seconds, then stop. The rest goes back to the outbox at
        once (not leased: another worker, or this one restarted, takes it without waiting for a
        lease to run out), due when the platform said it may go (429) or now."""
        deadline = self.clock() + wait
        while not self.planner.idle and self.clock() < deadline:
            ready_at = self.planner.waiting_until()
            if not self._on_wire and (ready_at is None or ready_at > deadline):
                break  # what is left waits longer than we do
            self._progress.clear()
            await _wait(self._progress, max(0.01, deadline - self.clock()))
        if self._sender is not None and not self._sender.done():
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
        await self._give_back(self.planner.clear())
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        if self._marker is not None and not self._marker.done():
            self._marker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._marker
        await self.flush_marks()

    async def _give_back(self, jobs: list[Job]) -> None:
        """Queued messages this process will not send: back to the outbox, unleased."""
        now = utcnow()
        back = [(i, max(now, self._retry_at.get(job.chat, now))) for job in jobs for i in job.outbox_ids]
        self._held.difference_update(i for i, _due in back)
        if not back:
            return
        try:
            async with self.db.transaction() as repo:
                for outbox_id, due in back:
                    await repo.release(outbox_id, due)
        except Exception as exc:  # their leases run out instead
            log.warning("%s: giving back %d message(s) failed: %s", self.channel, len(back), type(exc).__name__)

    async def _settle(self, ids: set[int]) -> None:
        """Until each of these rows has gone (sent, failed, given up) or waits out a 429: the
        sweep takes no more than the send queue can take (and a test sees what it sent)."""
        while True:
            now = self.clock()
            pending = [
                job
                for job in [*self.planner.queued(), *self._on_wire.values()]
                if ids.intersection(job.outbox_ids)
                and (job.number in self._on_wire or not self.planner.held(job.chat, now))
            ]
            if not pending:
                return
            self._progress.clear()
            await _wait(self._progress, 1.0)

    # --- the outbox table ----------------------------------------------------------------------

    async def pump_once(self) -> int:
        now = utcnow()
        async with self.db.transaction() as repo:
            rows = await repo.claim_outbox(
                self.channel, now, LEASE, bot=self.bot, default=self.default, others=self.others
            )
            for row, _external in rows:
                if row.attempts > MAX_ATTEMPTS:
                    await repo.mark_failed(row.id)  # given up: its file goes too
            live = [(row, external) for row, external in rows if row.attempts <= MAX_ATTEMPTS]
            # People named in a message are named as they are now (an erased one: «(đã xóa dữ liệu)»).
            replies = await with_names(repo, [Reply.from_payload(row.payload) for row, _ in live])
            batch = [
                (
                    Delivery(row.id, row.user_id, row.channel, external, reply, row.bot),
                    (row.user_id, row.created_at) if row.is_reply else row.id,
                )
                for (row, external), reply in zip(live, replies, strict=True)
                if row.id not in self._held  # ours already (see _held)
            ]
        # One turn's replies to one person are one group (it may be merged): the rows one
        # transaction wrote for them. A notification (a reminder, a volunteer's notice) is a
        # message of its own. Rows come in id order.
        group: list[Delivery] = []
        key: Any = None
        for delivery, turn in batch:
            if group and key != turn:
                self._queue(group, LEASE.total_seconds())
                group = []
            group.append(delivery)
            key = turn
        if group:
            self._queue(group, LEASE.total_seconds())
        batch = [delivery for delivery, _written in batch]  # type: ignore[misc]
        await self._settle({d.outbox_id for d in batch if d.outbox_id})
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

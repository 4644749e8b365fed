"""getUpdates long polling that confirms an update to Telegram only after it was handled.

python-telegram-bot's own Updater confirms a batch (by asking for the next offset) as soon as the
batch is queued, before the handlers have committed anything: a process killed in that window loses
the learner's message or button press. Here the offset never passes an update that is still being
handled, so after a crash Telegram delivers it again; the tutor's update-id check makes the second
delivery harmless if the first one had in fact been committed.

While an update is in flight the offset stays at it, so getUpdates answers at once with updates we
already have; those are skipped, and the loop waits briefly for a handler to finish instead of
spinning. An update that takes longer than HOLD_LIMIT stops holding the offset, so one stuck
handler cannot stall everyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

log = logging.getLogger("hocvuso.telegram")

IN_FLIGHT_WAIT = 0.2  # seconds to wait for a handler while only already-seen updates come back
MAX_BACKOFF = 30.0
STOP_GRACE = 10.0  # seconds the handlers in flight get to finish on a clean stop
HOLD_LIMIT = 60.0  # seconds an update in flight may hold back the offset


class ConfirmingPoller:
    def __init__(
        self,
        application: Application,
        timeout: int,
        allowed_updates: Sequence[str],
        handle: Callable[[Update], Awaitable[None]] | None = None,
    ):
        """`handle` handles one update (default: the application's own handlers)."""
        self.application = application
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates)
        self.handle = handle or (lambda update: process_update(application, update))
        self._next = 0  # the first update id not yet dispatched (0: whatever Telegram has)
        # update id -> (its handling task, monotonic start of the handling)
        self._in_flight: dict[int, tuple[asyncio.Task[None], float]] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def offset(self) -> int | None:
        """What getUpdates may confirm: everything below the oldest update still in flight."""
        limit = time.monotonic() - HOLD_LIMIT
        held = [update_id for update_id, (_task, started) in self._in_flight.items() if started > limit]
        if held:
            return min(held)
        return self._next or None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="telegram-polling")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._in_flight:
            await asyncio.wait(self._tasks(), timeout=STOP_GRACE)
        if self._next and not self._in_flight:
            # Confirm what was handled, so a restart does not fetch it again.
            with contextlib.suppress(TelegramError, OSError):
                await self.application.bot.get_updates(
                    offset=self._next, timeout=0, allowed_updates=self.allowed_updates
                )

    async def _run(self) -> None:
        bot = self.application.bot
        try:
            await bot.delete_webhook()  # polling and a webhook exclude each other
        except TelegramError as exc:
            log.warning("telegram: deleteWebhook failed (%s); polling anyway", exc)
        backoff = 1.0
        while True:
            offset = self.offset
            holding = offset is not None and offset < self._next
            try:
                updates = await bot.get_updates(
                    offset=offset,
                    # Holding: the call returns at once anyway (the offset repeats those updates).
                    timeout=0 if holding else self.timeout,
                    allowed_updates=self.allowed_updates,
                )
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except InvalidToken:
                log.error("telegram: the token was refused; polling stopped")
                return
            except Exception as exc:  # network, server, or an answer that could not be parsed
                what = "another process is polling with this token" if isinstance(exc, Conflict) else exc
                if not isinstance(exc, TelegramError | OSError):
                    what = type(exc).__name__
                log.warning("telegram: getUpdates failed (%s); retrying in %.0fs", what, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = 1.0
            # Not holding, everything that came is new (also after Telegram restarts its update ids
            # at a random lower number, as it does after a week without updates).
            fresh = [u for u in updates if not holding or u.update_id >= self._next]
            for update in fresh:
                self._dispatch(update)
            if not fresh and holding and self._in_flight:
                await asyncio.wait(
                    self._tasks(),
                    timeout=IN_FLIGHT_WAIT,
                    return_when=asyncio.FIRST_COMPLETED,
                )

    def _dispatch(self, update: Update) -> None:
        self._next = update.update_id + 1
        task = asyncio.create_task(self._handle(update))
        self._in_flight[update.update_id] = (task, time.monotonic())

    def _tasks(self) -> list[asyncio.Task[None]]:
        return [task for task, _started in self._in_flight.values()]

    async def _handle(self, update: Update) -> None:
        try:
            await self.handle(update)
        except Exception as exc:  # handler errors go to the error handler; this is anything else
            log.error("telegram: update %s failed: %s", update.update_id, type(exc).__name__)
        finally:
            self._in_flight.pop(update.update_id, None)


async def process_update(application: Application, update: Update) -> None:
    """Run the application's handlers for one update, within its concurrency limit."""
    await application.update_processor.process_update(update, application.process_update(update))


def _seconds(delay: int | float | dtm.timedelta) -> float:
    return delay.total_seconds() if isinstance(delay, dtm.timedelta) else float(delay)

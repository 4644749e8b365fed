"""Sending under a platform's limits: which message goes next, and when.

Telegram lets one bot send about 30 messages a second in all and about one a second to one chat;
past that it answers 429 with `retry_after`. In a commune hall forty learners press at once, and
each press brings one to three messages plus the edit that closes the pressed keyboard. What the
learner notices is how long the next step takes. So, per bot:

- **Paced, not refused.** Messages leave at most `rate` a second in all and one per
  `chat_interval` per chat (counted from the previous one's answer, so that network jitter cannot
  bring two arrivals closer), so Telegram has no reason to refuse them; a 429 that comes anyway
  holds that chat for `retry_after` and the message is sent again, in its place.
- **Fair.** Each chat has its own queue, and the next message is taken from the chat that has
  waited longest (a chat just served goes behind the others), so one chat's burst — an organizer's
  report, a volunteer's class-wide notice — never holds back a learner's next step.
- **Fewer messages.** A turn's messages to one chat are merged where the step allows: a text
  without buttons joins the message after it when both fit in one short message (≤ 500
  characters) — the quiz verdict and the next question arrive as one. Not in «Chậm lại» mode
  (its short messages are the point), nor with pictures, files or a volunteer's words.
- **Never an old screen.** A queued screen (a message with buttons) that a later turn of the same
  chat has replaced with a newer screen is dropped (recorded as sent): the learner would only
  have to scroll past it.
- **In order.** A chat has at most one message in flight and its queue is first in, first out:
  a learner never sees a later screen before an earlier one. Edits that close a pressed keyboard
  are cosmetic: they go after the chat's messages and after every chat's messages, and are dropped
  if they could not go within `edit_max_wait`.

`Planner` is the decision, with no clock or I/O of its own (tests drive it with made-up times);
`bot.channels.outbox.OutboxPump` runs it.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core.replies import Delivery, Reply

SCREEN = re.compile(r"^(\d+)\.\d+$")
MERGE_LIMIT = 500  # characters: a merged message is still a short one (the lessons' own limit)


@dataclass(frozen=True)
class Budget:
    """A bot's sending limits, as this process should keep them."""

    rate: float = 28.0  # messages a second in all (Telegram: ~30; a margin for clock jitter)
    chat_interval: float = 1.05  # seconds between two messages to one chat (Telegram: ~1)
    max_in_flight: int = 16  # requests on the wire at once (28/s × a 0.3 s round trip: ~8)
    edit_max_wait: float = 20.0  # a keyboard-closing edit older than this is dropped
    # Keyboard-closing edits only while the last second used less than this share of `rate`: they
    # count against the same limit, and under load they would halve what learners' next steps get.
    edit_share: float = 0.5

    def share(self, workers: int) -> Budget:
        """This process's part when `workers` processes send for the same bot."""
        return Budget(
            rate=self.rate / max(1, workers),
            chat_interval=self.chat_interval,
            max_in_flight=self.max_in_flight,
            edit_max_wait=self.edit_max_wait,
            edit_share=self.edit_share,
        )


def screen_of(reply: Reply) -> int | None:
    """The screen version a reply's buttons belong to ("<version>.<index>"), None if no screen."""
    for button in reply.buttons:
        match = SCREEN.match(button.data)
        if match:
            return int(match.group(1))
    return None


def mergeable(first: Reply, second: Reply, limit: int = MERGE_LIMIT) -> bool:
    """May `first` be sent as the top of `second`, as one message?"""
    plain = (
        not first.buttons
        and not first.toast
        and not first.separate
        and not second.toast
        and not second.separate
        and first.sender == second.sender
        and (first.commands is None or second.commands in (None, first.commands))
    )
    media = (
        first.image,
        first.alt,
        second.alt,
        first.image_bytes,
        first.audio,
        first.document,
        second.image,
        second.image_bytes,
        second.audio,
        second.document,
    )
    return plain and not any(m is not None for m in media) and len(first.text) + 2 + len(second.text) <= limit


def merge(first: Reply, second: Reply) -> Reply:
    return Reply(
        text=f"{first.text}\n\n{second.text}",
        buttons=second.buttons,
        sender=second.sender,
        commands=second.commands or first.commands,  # a role's new command menu rides along
    )


@dataclass
class Job:
    """One request to the platform for one chat: a message (one or more merged deliveries) or a
    cosmetic call (closing a pressed keyboard)."""

    number: int
    chat: str
    queued_at: float
    delivery: Delivery | None = None  # the (merged) message to send
    outbox_ids: list[int] = field(default_factory=list)  # every outbox row it carries
    screen: int | None = None
    edit: Callable[[], Awaitable[Any]] | None = None  # for a cosmetic call instead of a message
    lease_until: float = 0.0  # when the outbox lease of its rows runs out (the pump renews it)

    @property
    def cosmetic(self) -> bool:
        return self.edit is not None


@dataclass
class _Chat:
    messages: deque[Job] = field(default_factory=deque)
    edits: deque[Job] = field(default_factory=deque)
    next_at: float = 0.0  # the chat's own limit: not before this
    served_at: float = float("-inf")  # when its last request went out
    busy: bool = False  # a request of this chat is on the wire
    held_until: float = float("-inf")  # the platform asked this chat to wait (429) until then


@dataclass
class Taken:
    """What `Planner.take` decided: requests to start now, and what to drop."""

    start: list[Job] = field(default_factory=list)
    dropped: list[Job] = field(default_factory=list)  # stale cosmetic calls


class Planner:
    def __init__(self, budget: Budget | None = None, merge_limit: int = MERGE_LIMIT):
        self.budget = budget or Budget()
        self.merge_limit = merge_limit
        self._chats: dict[str, _Chat] = {}
        self._numbers = itertools.count(1)
        self._next_at = 0.0  # the bot's overall limit: the next request not before this
        self.in_flight = 0
        self.sent = 0  # requests started, 429s not counted (the benchmark's messages per press)
        self.merged = 0  # deliveries that went out inside another message
        self.refused = 0  # requests the platform refused for now (429)
        self._recent: deque[float] = deque()  # when the requests of the last second started

    # --- what comes in ---------------------------------------------------------------------

    def add_turn(self, deliveries: list[Delivery], now: float, lease: float) -> list[Job]:
        """Queue one turn's messages (in order); returns queued jobs that a newer screen in this
        turn replaced: the caller records their rows as sent without sending them."""
        superseded: list[Job] = []
        jobs: list[Job] = []
        for delivery in deliveries:
            previous = jobs[-1] if jobs and jobs[-1].chat == delivery.external_id else None
            if (
                previous is not None
                and previous.delivery is not None
                and mergeable(previous.delivery.reply, delivery.reply, self.merge_limit)
            ):
                previous.delivery = Delivery(
                    previous.delivery.outbox_id,
                    delivery.user_id,
                    delivery.channel,
                    delivery.external_id,
                    merge(previous.delivery.reply, delivery.reply),
                    delivery.bot,
                    meta={**previous.delivery.meta, **delivery.meta},
                )
                if delivery.outbox_id:
                    previous.outbox_ids.append(delivery.outbox_id)
                previous.screen = screen_of(delivery.reply)
                self.merged += 1
                continue
            jobs.append(
                Job(
                    number=next(self._numbers),
                    chat=delivery.external_id,
                    queued_at=now,
                    delivery=delivery,
                    outbox_ids=[delivery.outbox_id] if delivery.outbox_id else [],
                    screen=screen_of(delivery.reply),
                    lease_until=lease,
                )
            )
        for job in jobs:
            chat = self._chat(job.chat)
            if job.screen is not None:
                kept = deque(j for j in chat.messages if j.screen is None or j.screen >= job.screen)
                superseded += [j for j in chat.messages if j not in kept]
                chat.messages = kept
            chat.messages.append(job)
        return superseded

    def add_edit(self, chat_id: str, edit: Callable[[], Awaitable[Any]], now: float) -> None:
        self._chat(chat_id).edits.append(Job(next(self._numbers), chat_id, now, edit=edit))

    def drop_chat(self, chat_id: str) -> list[Job]:
        """Forget a chat's queued messages (a network failure: the outbox lease will bring them
        back, in order); returns them."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        dropped = list(chat.messages)
        chat.messages.clear()
        return dropped

    def clear(self) -> list[Job]:
        """Forget every queued message and edit (stopping); returns the messages, whose outbox rows
        the caller gives back. Requests on the wire finish on their own (`done` forgets them)."""
        dropped = [job for chat in self._chats.values() for job in chat.messages]
        self._chats = {chat_id: chat for chat_id, chat in self._chats.items() if chat.busy}
        for chat in self._chats.values():
            chat.messages.clear()
            chat.edits.clear()
        return dropped

    def held(self, chat_id: str, now: float) -> bool:
        """Is this chat waiting out a platform's 429?"""
        chat = self._chats.get(chat_id)
        return chat is not None and chat.held_until > now

    def held_until(self, chat_id: str) -> float | None:
        chat = self._chats.get(chat_id)
        return chat.held_until if chat is not None and chat.held_until > float("-inf") else None

    def waiting_until(self) -> float | None:
        """The earliest moment a queued message may go (None: nothing queued)."""
        times = [chat.next_at for chat in self._chats.values() if chat.messages]
        return min(times) if times else None

    def _chat(self, chat_id: str) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat()
        return chat

    # --- what goes out -----------------------------------------------------------------------

    def take(self, now: float) -> Taken:
        """The requests that may start at `now`, fairest first."""
        taken = Taken()
        for chat_id, chat in list(self._chats.items()):
            while chat.edits and now - chat.edits[0].queued_at > self.budget.edit_max_wait:
                taken.dropped.append(chat.edits.popleft())
            if not (chat.messages or chat.edits or chat.busy) and chat.next_at <= now:
                del self._chats[chat_id]  # nothing to send, nothing to remember
        while self.in_flight < self.budget.max_in_flight and now >= self._next_at:
            job = self._pick(now)
            if job is None:
                break
            chat = self._chats[job.chat]
            (chat.edits if job.cosmetic else chat.messages).popleft()
            chat.busy = True
            chat.served_at = now
            chat.next_at = now + self.budget.chat_interval
            # Evenly spaced; a wake-up that came a little late may catch up half an interval.
            interval = 1.0 / self.budget.rate
            self._next_at = max(self._next_at + interval, now + interval / 2)
            self.in_flight += 1
            self.sent += 1
            self._recent.append(now)
            taken.start.append(job)
        return taken

    def _pick(self, now: float) -> Job | None:
        best: tuple[tuple[int, float, int], Job] | None = None
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        spare = len(self._recent) < self.budget.rate * self.budget.edit_share
        for chat in self._chats.values():
            if chat.busy or chat.next_at > now:
                continue
            if chat.messages:
                job, rank = chat.messages[0], 0
            elif chat.edits and spare:
                job, rank = chat.edits[0], 1
            else:
                continue
            # Messages before cosmetic edits; then whoever has waited longest, counting a chat
            # just served as waiting only since then (round robin over busy chats).
            key = (rank, max(job.queued_at, chat.served_at), job.number)
            if best is None or key < best[0]:
                best = (key, job)
        return best[1] if best else None

    def done(self, job: Job, now: float, retry_after: float | None = None) -> None:
        """A request finished. `retry_after`: the platform refused it for now; it goes back to
        the head of its chat's queue and the chat waits that long."""
        self.in_flight -= 1
        chat = self._chats.get(job.chat)
        if chat is None:  # forgotten meanwhile (`clear`)
            return
        chat.busy = False
        # The platform counts when a request arrives, somewhere between its start and its answer:
        # counting the chat's interval from the answer too keeps two arrivals that far apart.
        chat.next_at = max(chat.next_at, now + self.budget.chat_interval)
        if retry_after is not None:
            (chat.edits if job.cosmetic else chat.messages).appendleft(job)
            chat.next_at = max(chat.next_at, now + retry_after)
            chat.held_until = chat.next_at
            self.sent -= 1
            self.refused += 1

    def next_time(self, now: float) -> float | None:
        """When `take` may have something to start, if nothing else happens first (None: idle)."""
        times = [
            chat.next_at for chat in self._chats.values() if not chat.busy and (chat.messages or chat.edits)
        ]
        if not times or self.in_flight >= self.budget.max_in_flight:
            return None
        return max(min(times), self._next_at, now)

    # --- state -------------------------------------------------------------------------------

    def queued(self) -> list[Job]:
        return [job for chat in self._chats.values() for job in (*chat.messages, *chat.edits)]

    @property
    def idle(self) -> bool:
        return self.in_flight == 0 and not any(c.messages or c.edits for c in self._chats.values())

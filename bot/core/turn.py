"""One update being handled: the locked user row, the open transaction and what will be sent.

Choices on screen are kept in the user's `state` with a version number (`seq`). A button carries
only "<seq>.<index>", so its meaning always comes from the server's copy of the screen: a forged,
replayed or stale button cannot choose anything that is not on the learner's current screen.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.util import identity_key

from bot.config import Settings
from bot.core.people import name
from bot.core.replies import Button, Delivery, Reply
from bot.core.router import Router
from bot.core.words import Words
from bot.lessons import Catalog
from bot.store import Repository
from bot.store.models import User
from bot.text import ERASED, PERSON_REF

# A choice on screen: (label, action, is-navigation). Actions are short strings: "next", "opt:2",
# "open:<lesson-id>", "menu"…: the names the features register with `Router.action` (a name, then
# an optional ":argument").
ChoiceSpec = tuple[str, str, bool]


class TutorContext(Protocol):
    """What a turn needs of the tutor that runs it (bot.core.engine.Tutor is the one there is).
    A protocol, so that this module does not import the engine built on top of it."""

    catalog: Catalog
    settings: Settings
    words: Words
    router: Router
    link_base: str | None
    link_bases: dict[str | None, str]
    unit_bots: dict[str, str]
    default_bots: dict[str, str | None]
    keys: dict[str, bytes]  # server keys, loaded once (bot.core.codes)



# How long the process that handled an update owns its replies before any worker's outbox pump may
# send them instead (it died between commit and send). Short: the learner waits at most this long.
DIRECT_LEASE = timedelta(seconds=8)
MAX_NAME = 100  # users.display_name


@dataclass
class Outgoing:
    user: User
    reply: Reply
    external_id: str  # captured when queued: deleting one's data renames the row mid-turn


@dataclass
class Turn:
    tutor: TutorContext
    repo: Repository
    user: User
    now: datetime
    created: bool = False
    outgoing: list[Outgoing] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    # Slow work that must not hold the transaction (an Excel report): started once it committed.
    later: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @property
    def catalog(self) -> Catalog:
        return self.tutor.catalog

    def w(self, key: str, **values: Any) -> str:
        return self.tutor.words(key, **values)

    # --- conversation state --------------------------------------------------------------------

    @property
    def state(self) -> dict[str, Any]:
        if self.user.state is None:
            self.user.state = {}
        return self.user.state

    def set_state(self, key: str, value: Any) -> None:
        if value is None:
            self.state.pop(key, None)
        else:
            self.state[key] = value
        flag_modified(self.user, "state")

    @property
    def choices(self) -> list[ChoiceSpec]:
        return [tuple(c) for c in self.state.get("choices", [])]  # type: ignore[misc]

    @property
    def seq(self) -> int:
        return int(self.state.get("seq", 0))

    @property
    def screen(self) -> str:
        return str(self.state.get("screen", ""))

    # --- output --------------------------------------------------------------------------------

    def say(self, text: str, **media: Any) -> None:
        """A message without buttons; the buttons of the current screen stay valid."""
        self.outgoing.append(Outgoing(self.user, Reply(text=text, **media), self.user.external_id))

    def say_lines(self, header: str, lines: list[str], limit: int = 500) -> None:
        """A header and a list, packed into as few messages as fit under `limit` characters (as sent,
        with the names of the people they refer to filled in)."""
        message, length = header, self._sent_length(header)
        for line in lines:
            size = self._sent_length(line)
            if length + 1 + size > limit:
                self.say(message)
                message, length = line, size
            else:
                message, length = f"{message}\n{line}", length + 1 + size
        self.say(message)

    def _sent_length(self, text: str) -> int:
        """Length once names are filled in: those loaded in this transaction are known; any other
        counts as the longest a name can be."""
        identities = self.repo.session.sync_session.identity_map

        def name_length(match: re.Match[str]) -> str:
            user = identities.get(identity_key(User, int(match.group(1))))
            known = max(len(user.display_name or ""), len(ERASED)) if user is not None else MAX_NAME
            return "x" * known

        return len(PERSON_REF.sub(name_length, text))

    def toast(self, text: str) -> None:
        self.outgoing.append(Outgoing(self.user, Reply(text=text, toast=True), self.user.external_id))

    def show(self, screen: str, text: str, choices: list[ChoiceSpec], **media: Any) -> None:
        """A new screen: its buttons replace every earlier button (old ones become stale)."""
        seq = self.seq + 1
        self.state["seq"] = seq
        self.state["choices"] = [list(c) for c in choices]
        self.state["screen"] = screen
        flag_modified(self.user, "state")
        self.outgoing.append(
            Outgoing(
                self.user,
                Reply(text=text, buttons=self._buttons(seq, choices), **media),
                self.user.external_id,
            )
        )

    def extend_screen(self, text: str, choices: list[ChoiceSpec], screen: str | None = None) -> None:
        """Add a paragraph and buttons to the screen this turn is showing, in the same message and
        under the same version: how a listener adds its follow-up to the screen of the feature that
        emitted a signal (a certificate offer under a lesson's completion). The new buttons go after
        the screen's own main choices (whose numbers people already know) and before its navigation.
        With no screen shown in this turn, or no room left in the message, a new screen."""
        seq = self.seq
        for index in range(len(self.outgoing) - 1, -1, -1):
            item = self.outgoing[index]
            shown = (
                item.user is self.user
                and item.reply.buttons
                and item.reply.buttons[0].data.startswith(f"{seq}.")
            )
            if not shown:
                continue
            current = self.choices
            merged = [*(c for c in current if not c[2]), *choices, *(c for c in current if c[2])]
            body = f"{item.reply.text}\n\n{text}"
            if len(body) > 500:
                break
            self.state["choices"] = [list(c) for c in merged]
            flag_modified(self.user, "state")
            reply = dataclasses.replace(item.reply, text=body, buttons=self._buttons(seq, merged))
            self.outgoing[index] = Outgoing(item.user, reply, item.external_id)
            return
        self.show(screen or self.screen or "follow-up", text, [*choices, *self.choices])

    def reprompt(self, text: str) -> None:
        """Say something and offer the same choices again, under the same version (old buttons stay valid)."""
        choices = self.choices
        self.outgoing.append(
            Outgoing(
                self.user, Reply(text=text, buttons=self._buttons(self.seq, choices)), self.user.external_id
            )
        )

    @staticmethod
    def _buttons(seq: int, choices: list[ChoiceSpec]) -> tuple[Button, ...]:
        return tuple(Button(label, f"{seq}.{i}", nav) for i, (label, _action, nav) in enumerate(choices))

    def after_commit(self, job: Callable[[], Awaitable[None]]) -> None:
        """Run `job` in the background once this update is committed (off the user's row lock and
        the write lock); what it has to say it writes to the outbox itself."""
        self.later.append(job)

    def notify(self, user: User, reply: Reply) -> None:
        """A message for someone else (a volunteer, a learner): delivered on their own channel."""
        self.outgoing.append(Outgoing(user, reply, user.external_id))

    async def flush(self, actor_channel: str, actor_bot: str | None = None) -> list[Delivery]:
        """Write every outgoing message to the outbox, inside this transaction. Returns those the
        adapter that received the update sends now (its channel and bot): replies to the person
        go back through the bot they wrote to, anyone else hears from the bot they started with."""
        items = [
            item
            for item in self.outgoing
            # someone who deleted their data gets no more messages
            if item.user.deleted_at is None or item.user is self.user
        ]
        homes = self.tutor.default_bots
        routes = [
            (
                item.user.channel,
                actor_bot
                if item.user is self.user and actor_channel
                else item.user.bot or homes.get(item.user.channel),
            )
            for item in items
        ]
        rows = [
            {
                "user_id": item.user.id,
                "channel": channel,
                "bot": bot,
                "payload": item.reply.to_payload(),
                "claimed_until": self.now + DIRECT_LEASE
                if (channel, bot) == (actor_channel, actor_bot)
                else None,
                "is_reply": item.user is self.user,
            }
            for item, (channel, bot) in zip(items, routes, strict=True)
        ]
        ids = await self.repo.enqueue_many(rows, self.now)
        now_items = [
            (outbox_id, item, channel, bot)
            for outbox_id, item, (channel, bot) in zip(ids, items, routes, strict=True)
            if (channel, bot) == (actor_channel, actor_bot)
        ]
        named = await with_names(self.repo, [item.reply for _i, item, _c, _b in now_items])
        return [
            Delivery(outbox_id, item.user.id, channel, item.external_id, reply, bot)
            for (outbox_id, item, channel, bot), reply in zip(now_items, named, strict=True)
        ]


async def with_names(repo: Repository, replies: list[Reply]) -> list[Reply]:
    """Replies as sent: the people they refer to (bot.core.people.display) named, as of now."""
    wanted = set().union(*(reply.people() for reply in replies)) if replies else set()
    if not wanted:
        return replies
    names = {
        user_id: name(display_name, user_id, erased)
        for user_id, (display_name, erased) in (await repo.names_of(wanted)).items()
    }
    return [reply.with_names(names) for reply in replies]

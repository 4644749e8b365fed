"""`Tutor.handle(actor, event)`: the whole conversation logic behind every channel.

One update = one database transaction: mark the update as seen, lock the user's row (this orders
one learner's updates, across processes too), apply the event, write the replies to the outbox,
commit. Only then does the adapter send. No platform library is imported here.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

from bot.clock import utcnow
from bot.config import Settings
from bot.core import codes, privacy
from bot.core.events import Actor, Choice, Command, Event, Media, Start, Text
from bot.core.flood import ChatLimiter, Verdict
from bot.core.lesson_state import current_lesson
from bot.core.replies import Delivery, Reply
from bot.core.router import Route, Router
from bot.core.screens import show_home, show_screen, welcome
from bot.core.turn import Turn
from bot.core.words import Words
from bot.lessons import Catalog
from bot.store import Database
from bot.text import as_id, choice_by_label, global_word, match_choice, without_refs

log = logging.getLogger("hocvuso.tutor")

LONG_TEXT = 1000  # longer than any sensible answer: not parsed as a choice


class Tutor:
    def __init__(self, db: Database, catalog: Catalog, settings: Settings, router: Router):
        self.db = db
        self.catalog = catalog
        self.settings = settings
        self.words = Words(settings.address)
        # Every feature's routes, screens, code kinds and jobs (assembled by bot.app.build_router).
        self.router = router
        # Deep-link prefix for join links and QR codes ("https://t.me/<bot>?start="), set by the
        # Telegram channel once it knows the bot's username; None where links do not exist.
        self.link_base: str | None = None
        self.keys: dict[str, bytes] = {}
        self._background_tasks: set[asyncio.Task[None]] = set()
        self._organizers = set(settings.organizers)
        # Same-process FIFO per user, so two updates of one learner start in arrival order; the
        # database row lock is what actually serialises them (across processes too).
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        limits = settings.limits
        # Checked before anything else an update costs (tests swap its clock for a manual one).
        self.flood = ChatLimiter(limits.chat_messages_per_second, limits.chat_burst)

    @contextlib.asynccontextmanager
    async def system_turn(self, user_id: int, now: datetime | None = None) -> AsyncIterator[Turn | None]:
        """A turn the bot starts itself (a reminder, a re-check) for a user, under their row lock;
        its messages go to the outbox for the channel pumps. Yields None for a deleted user."""
        now = now or utcnow()
        async with self.db.transaction() as repo:
            user = await repo.lock_user_id(user_id)
            if user is None or user.deleted_at is not None:
                yield None
                return
            turn = Turn(tutor=self, repo=repo, user=user, now=now)
            yield turn
            await turn.flush(actor_channel="")
        for job in turn.later:  # committed
            self.spawn(job())

    def _lock(self, actor: Actor) -> asyncio.Lock:
        key = (actor.channel, actor.external_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def handle(self, actor: Actor, event: Event, update_id: str | int | None = None) -> list[Delivery]:
        """Apply one event; return the replies to send now (already stored in the outbox)."""
        # The console is the operator's own terminal (and scripts piped into it): not limited.
        verdict = Verdict.ADMIT if actor.channel == "console" else self.flood.admit(actor_key(actor))
        if verdict is not Verdict.ADMIT:
            return self._too_fast(actor, event, verdict)
        lock = self._lock(actor)
        later: list[Callable[[], Awaitable[None]]] = []
        async with lock:
            try:
                deliveries = await self._handle(actor, event, update_id, later)
                for job in later:  # committed: now the slow part, in the background
                    self.spawn(job())
                return deliveries
            except Exception:
                # One line for the operator (no message text), a friendly word for the user.
                log.exception(
                    "failed to handle %s from %s:%s",
                    type(event).__name__,
                    actor.channel,
                    _mask(actor.external_id),
                )
                return [Delivery(0, 0, actor.channel, actor.external_id, Reply(self.words("error")))]

    def _too_fast(self, actor: Actor, event: Event, verdict: Verdict) -> list[Delivery]:
        """A dropped update: no transaction, no outbox row. A pressed button is always answered
        (as a popup on Telegram, so its keyboard stays); typed text gets one notice per run."""
        if verdict is Verdict.DROP and not isinstance(event, Choice):
            return []
        reply = Reply(self.words("too_fast"), toast=isinstance(event, Choice))
        return [Delivery(0, 0, actor.channel, actor.external_id, reply, meta={"keep_keyboard": True})]

    def spawn(self, job: Coroutine[Any, Any, None]) -> None:
        """Background work started by a turn (Turn.after_commit); kept until done, errors logged."""
        task = asyncio.create_task(self._background(job))
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)

    async def _background(self, job: Coroutine[Any, Any, None]) -> None:
        try:
            await job
        except Exception as exc:
            log.error("background job failed: %s", type(exc).__name__)

    async def drain(self) -> None:
        """Wait for the background work in progress (shutdown, tests)."""
        while self._background_tasks:
            await asyncio.wait(set(self._background_tasks))

    async def _handle(
        self,
        actor: Actor,
        event: Event,
        update_id: str | int | None,
        later: list[Callable[[], Awaitable[None]]],
    ) -> list[Delivery]:
        now = utcnow()
        async with self.db.transaction() as repo:
            if update_id is not None and not await repo.claim_update(actor.channel, str(update_id), now):
                log.info("duplicate update %s on %s ignored", update_id, actor.channel)
                return []
            user, created = await repo.lock_user(
                actor.channel, actor.external_id, _clean_name(actor.name), now
            )
            turn = Turn(tutor=self, repo=repo, user=user, now=now, created=created, later=later)
            if created and f"{actor.channel}:{actor.external_id}" in self._organizers:
                user.role = "organizer"
                turn.set_state("organizer_by", "config")  # config is the truth for these (bot.app)
            await self._dispatch(turn, event)
            _sync_command_menu(turn)
            if user.reminders_unanswered:
                user.reminders_unanswered = 0  # the learner answered: reminders start counting again
            user.last_active_at = now
            if actor.name and not user.display_name and user.deleted_at is None:
                user.display_name = _clean_name(actor.name)
            return await turn.flush(actor.channel)

    # --- dispatch ------------------------------------------------------------------------------

    async def _dispatch(self, turn: Turn, event: Event) -> None:
        if not turn.state.get("welcomed") and not turn.created and isinstance(event, Choice):
            # Someone granted a role before they ever wrote, pressing a button the bot sent them (a
            # help request's «✍️ Trả lời»): greeted, and the button does what it says.
            turn.set_state("welcomed", True)
            turn.say(await welcome(turn))
        if isinstance(event, Command) and not turn.state.get("welcomed"):
            turn.set_state("welcomed", True)  # someone who starts with a command gets its answer
        if not turn.state.get("welcomed") and not isinstance(event, (Start, Command)):
            # First contact without /start (Zalo has no start button), or the first message of
            # someone granted a role before they ever wrote: welcome and home screen — or, if
            # the first message is a join code, the class or invitation it names.
            turn.set_state("welcomed", True)
            code = codes.looks_like_code(event.text) if isinstance(event, Text) else None
            if code is not None:
                await codes.redeem(turn, code, typed=True, first_contact=True)
                return
            turn.say(await welcome(turn))
            if isinstance(event, Text) and privacy.looks_secret(event.text):
                await privacy.warn(turn)
            await show_home(turn)
            return
        if isinstance(event, (Start, Command)):
            # A command (or /start) leaves whatever the screen was waiting for: the next sentence
            # is no longer a class name or an answer to forward to a learner.
            _leave_input(turn)
        if isinstance(event, Start):
            await self._start(turn, event.payload)
        elif isinstance(event, Command):
            route = self.router.commands.get(event.name)
            if route is None:
                await self._unknown(turn, turn.w("unknown_command"))
            else:
                await self._run(turn, route, event.args)
        elif isinstance(event, Choice):
            await self._choice(turn, event.data)
        elif isinstance(event, Text):
            await self._text(turn, event.text)
        elif isinstance(event, Media):
            await self._unknown(turn, turn.w("media"))
        else:  # pragma: no cover - the Event union is closed
            await self._unknown(turn, turn.w("unknown_text_no_choices"))

    async def _run(self, turn: Turn, route: Route, arg: str) -> None:
        if turn.user.role not in route.roles:
            # Server-side role check: a learner typing a volunteer command learns nothing from it.
            await self._unknown(turn, turn.w("unknown_command"))
            return
        await route.handler(turn, arg)

    async def perform(self, turn: Turn, action: str) -> None:
        turn.set_state("awaiting", None)  # choosing anything ends a pending free-text question
        name, _, arg = action.partition(":")
        route = self.router.actions.get(name)
        if route is None:
            log.warning("no route for action %r", name)
            await show_home(turn)
            return
        await self._run(turn, route, arg)

    async def _start(self, turn: Turn, payload: str | None) -> None:
        link = next(
            (
                (prefix, route)
                for prefix, route in self.router.links.items()
                if (payload or "").startswith(prefix)
            ),
            None,
        )
        # A volunteer invite is not a learner's first lesson: no learner welcome for it.
        if not turn.state.get("welcomed"):
            turn.set_state("welcomed", True)
            if link is None or link[1].welcome:
                turn.say(await welcome(turn))
        if payload:
            if link is not None:
                prefix, route = link
                await self._run(turn, route, payload[len(prefix) :])
                return
            turn.say(turn.w("deep_link_unknown"))
        if not turn.created and turn.user.lesson_id and turn.user.role == "learner":
            found = await current_lesson(turn)
            if found is not None:
                await show_screen(turn, "lesson", turn.w("welcome_back", title=found[0].title))
                return
        await show_home(turn)

    async def _choice(self, turn: Turn, data: str) -> None:
        data = data or ""
        seq, dot, index = data.partition(".")
        route = self.router.buttons.get(seq)
        if route is not None and len(data) <= 64:
            await self._run(turn, route, index)
            return
        if not (dot and as_id(seq) is not None and as_id(index) is not None and len(data) <= 64):
            log.info("forged callback data from %s ignored", turn.user.channel)
            turn.toast(turn.w("bad_button"))
            return
        choices = turn.choices
        if int(seq) != turn.seq or int(index) >= len(choices):
            turn.toast(turn.w("stale_button"))
            return
        await self.perform(turn, choices[int(index)][1])

    async def _text(self, turn: Turn, text: str) -> None:
        choices = turn.choices
        labelled = [(label, action) for label, action, _nav in choices]
        awaiting = bool(turn.state.get("awaiting"))
        # While a screen waits for free text (a class name, an answer), only an exact label or a
        # number picks a button; anything else is the text asked for.
        shown = choice_by_label(text, labelled, strict=awaiting)
        # Learners are guarded here; what volunteers type is guarded where it would be stored or
        # forwarded (their answers legitimately carry hotline numbers). What a button says is no
        # secret: «1900 1288» typed on a hotline quiz is the answer, not an OTP. Join codes never
        # hold four digits in a row, so "Z-48291" is a secret, not a code.
        if (
            turn.user.role == "learner"
            and shown is None
            and privacy.looks_secret(text, len(choices), known=lesson_numbers(turn))
        ):
            await privacy.warn(turn)
            return
        if len(text) > LONG_TEXT and not awaiting:
            await self._unknown(turn, turn.w("long_text"))
            return
        index = shown if shown is not None else match_choice(text, labelled, strict=awaiting)
        if index is not None:
            await self.perform(turn, choices[index][1])
            return
        if awaiting and global_word(text) == "menu":
            await self.perform(turn, "menu")  # «menu» leaves the question; it is never the answer
            return
        if awaiting and await self._pending_input(turn, text):
            return
        word = global_word(text)
        if word is not None and word in self.router.actions:
            await self.perform(turn, word)
            return
        code = codes.looks_like_code(text)
        if code is not None:
            await codes.redeem(turn, code, typed=True)
            return
        staff = turn.user.role in ("volunteer", "organizer")
        await self._unknown(turn, turn.w("unknown_text_staff" if staff else "unknown_text"))

    async def _pending_input(self, turn: Turn, text: str) -> bool:
        """A screen that waits for free text (a volunteer's answer, a class name) takes it first."""
        waiting = turn.state.get("awaiting")
        if not waiting:
            return False
        route = self.router.actions.get(f"input-{waiting}")
        if route is None or turn.user.role not in route.roles:
            turn.set_state("awaiting", None)
            return False
        await route.handler(turn, text)
        return True

    async def _unknown(self, turn: Turn, message: str) -> None:
        if turn.choices:
            turn.reprompt(message)
        else:
            await show_home(turn, intro=message)


def _leave_input(turn: Turn) -> None:
    """Forget a pending free-text question and its draft (a class being created, an answer)."""
    turn.set_state("awaiting", None)
    turn.set_state("draft", None)


def _sync_command_menu(turn: Turn) -> None:
    """When someone's role changed (an invitation accepted, a grant, the config), the first reply
    of this turn carries the new role's command menu for channels that have one (Telegram). The
    role last announced is kept in the state; learners have the default menu."""
    role = turn.user.role
    if turn.user.deleted_at is not None or turn.state.get("commands", "learner") == role:
        return
    for item in turn.outgoing:
        if item.user is turn.user and not item.reply.toast:
            item.reply = dataclasses.replace(item.reply, commands=role)
            turn.set_state("commands", None if role == "learner" else role)
            return


_LESSON_NUMBERS: dict[int, tuple[object, frozenset[str]]] = {}


def lesson_numbers(turn: Turn) -> frozenset[str]:
    """Numbers written in the lesson the learner is in (its steps and options): typing one back is
    no secret. Computed once per loaded lesson."""
    lesson = turn.catalog.lesson(turn.user.lesson_id) if turn.user.lesson_id else None
    if lesson is None:
        return frozenset()
    cached = _LESSON_NUMBERS.get(id(lesson))
    if cached is None or cached[0] is not lesson:
        texts = [step.text for step in lesson.steps]
        texts += [
            text
            for step in lesson.steps
            if step.quiz
            for option in step.quiz.options
            for text in (option.text, option.explain or "")
        ]
        if len(_LESSON_NUMBERS) > 1000:  # lessons reloaded many times: start over
            _LESSON_NUMBERS.clear()
        cached = _LESSON_NUMBERS[id(lesson)] = (lesson, privacy.numbers_in(texts))
    return cached[1]


def actor_key(actor: Actor) -> tuple[str, str]:
    return (actor.channel, actor.external_id)


def _clean_name(name: str | None) -> str | None:
    if not name:
        return None
    cleaned = " ".join(without_refs(name).split())[:100]
    return cleaned or None


def _mask(external_id: str) -> str:
    return external_id[:2] + "…" if len(external_id) > 4 else "…"

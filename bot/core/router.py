"""The registry the features fill (the aiogram habit, one router per feature) and the engine reads.

A feature registers what it answers — slash commands, button actions, deep-link prefixes, raw
buttons — with the roles allowed to use each (a command may carry a short description: it then
appears in the command menu of every role allowed to use it, see `command_menu`), and what it offers the others: named screens ("menu",
"vmenu", …) anyone can show, kinds of join code it redeems, and periodic jobs for the scheduler.
Features never import each other; they meet here. The engine merges every feature's router and
checks the role on the server before any handler runs.

This module sits at the bottom of the core: handlers are typed loosely (they take a `Turn`, which
is built on top of this registry) so that nothing here imports the rest of the core.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# handler(turn, argument): the argument is the rest of a command, an action's parameter, a link's
# payload after its prefix, or typed text for an `input-…` action. Always untrusted.
Handler = Callable[[Any, str], Awaitable[None]]
# screen(turn, intro) → shown? A screen may decline (e.g. "lesson" when there is no current lesson).
Screen = Callable[[Any, str | None], Awaitable[bool]]
# redeem(turn, code, typed, first_contact) → handled? Tried in registration order.
CodeKind = Callable[[Any, str, bool, bool], Awaitable[bool]]
# job(tutor, now) → how many things it did (reminders sent, requests escalated…).
Job = Callable[[Any, datetime], Awaitable[int]]

LEARNER = frozenset({"learner", "volunteer", "organizer"})
VOLUNTEER = frozenset({"volunteer", "organizer"})
ORGANIZER = frozenset({"organizer"})


@dataclass(frozen=True)
class Route:
    handler: Handler
    roles: frozenset[str] = LEARNER


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Job
    quiet_hours: bool  # True: not run outside the configured local hours (nobody is messaged at night)


@dataclass
class Router:
    commands: dict[str, Route] = field(default_factory=dict)
    actions: dict[str, Route] = field(default_factory=dict)
    links: dict[str, Route] = field(default_factory=dict)
    # Buttons outside the screen mechanism ("h.r12": answer help request 12). Their argument is
    # untrusted input: the handler checks it against the database and the user's scope.
    buttons: dict[str, Route] = field(default_factory=dict)
    screens: dict[str, Screen] = field(default_factory=dict)
    code_kinds: dict[str, CodeKind] = field(default_factory=dict)
    jobs: dict[str, PeriodicJob] = field(default_factory=dict)
    # Command name → its line in the command menu (Telegram's "/" menu), in registration order.
    descriptions: dict[str, str] = field(default_factory=dict)

    def command(
        self, *names: str, roles: frozenset[str] = LEARNER, menu: str | None = None
    ) -> Callable[[Handler], Handler]:
        """`menu`: the description under which the first name appears in the command menus."""

        def register(handler: Handler) -> Handler:
            for name in names:
                self.commands[name] = Route(handler, roles)
            if menu:
                self.descriptions[names[0]] = menu
            return handler

        return register

    def command_menu(self, role: str) -> list[tuple[str, str]]:
        """(command, description) for one role's menu: the commands of that role alone first
        (an organizer's own tools before the volunteer tools before the learner's), each group
        in registration order."""
        usable = [
            (name, text)
            for name, text in self.descriptions.items()
            if name in self.commands and role in self.commands[name].roles
        ]
        return sorted(usable, key=lambda item: len(self.commands[item[0]].roles))

    def action(self, *names: str, roles: frozenset[str] = LEARNER) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for name in names:
                self.actions[name] = Route(handler, roles)
            return handler

        return register

    def link(self, prefix: str, roles: frozenset[str] = LEARNER) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.links[prefix] = Route(handler, roles)
            return handler

        return register

    def button(self, prefix: str, roles: frozenset[str] = LEARNER) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.buttons[prefix] = Route(handler, roles)
            return handler

        return register

    def screen(self, name: str) -> Callable[[Screen], Screen]:
        def register(show: Screen) -> Screen:
            self.screens[name] = show
            return show

        return register

    def code_kind(self, name: str) -> Callable[[CodeKind], CodeKind]:
        def register(redeem: CodeKind) -> CodeKind:
            self.code_kinds[name] = redeem
            return redeem

        return register

    def job(self, name: str, quiet_hours: bool = False) -> Callable[[Job], Job]:
        def register(run: Job) -> Job:
            self.jobs[name] = PeriodicJob(name, run, quiet_hours)
            return run

        return register

    def include(self, other: Router) -> None:
        pairs: tuple[tuple[dict[str, Any], dict[str, Any]], ...] = (
            (self.commands, other.commands),
            (self.actions, other.actions),
            (self.links, other.links),
            (self.buttons, other.buttons),
            (self.screens, other.screens),
            (self.code_kinds, other.code_kinds),
            (self.jobs, other.jobs),
            (self.descriptions, other.descriptions),
        )
        for mine, theirs in pairs:
            clash = set(mine) & set(theirs)
            if clash:
                raise ValueError(f"route registered twice: {sorted(clash)}")
            mine.update(theirs)

"""A small registry, one per feature (the aiogram habit): slash commands, button actions and
deep-link prefixes, each with the roles allowed to use it. The engine merges them and checks the
role on the server side before any handler runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.tutor.turn import Turn

Handler = Callable[[Turn, str], Awaitable[None]]

LEARNER = frozenset({"learner", "volunteer", "organizer"})
VOLUNTEER = frozenset({"volunteer", "organizer"})
ORGANIZER = frozenset({"organizer"})


@dataclass(frozen=True)
class Route:
    handler: Handler
    roles: frozenset[str] = LEARNER


@dataclass
class Router:
    commands: dict[str, Route] = field(default_factory=dict)
    actions: dict[str, Route] = field(default_factory=dict)
    links: dict[str, Route] = field(default_factory=dict)
    # Buttons outside the screen mechanism ("h.r.12": answer help request 12). Their argument is
    # untrusted input: the handler checks it against the database and the user's scope.
    buttons: dict[str, Route] = field(default_factory=dict)

    def command(self, *names: str, roles: frozenset[str] = LEARNER) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for name in names:
                self.commands[name] = Route(handler, roles)
            return handler

        return register

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

    def include(self, other: Router) -> None:
        pairs = (
            (self.commands, other.commands),
            (self.actions, other.actions),
            (self.links, other.links),
            (self.buttons, other.buttons),
        )
        for mine, theirs in pairs:
            clash = set(mine) & set(theirs)
            if clash:
                raise ValueError(f"route registered twice: {sorted(clash)}")
            mine.update(theirs)

"""What a channel adapter hands to the tutor: who sent it and what it is. No platform types here."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import without_refs

MAX_TEXT = 4000  # longer input is cut before any processing; nothing is stored either way


@dataclass(frozen=True)
class Actor:
    channel: str  # "telegram" | "zalo" | "console"
    external_id: str  # chat/user id on that channel
    name: str | None = None  # display name offered by the platform
    via: str | None = None  # which of the channel's bots it came through (None: the only one)


@dataclass(frozen=True)
class Start:
    """The first contact or a deep link: `/start l-<lesson>`, `/start c-<class>`, `/start v-<invite>`."""

    payload: str | None = None


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Choice:
    """A pressed button. `data` is opaque and untrusted: it is checked against the stored screen."""

    data: str


@dataclass(frozen=True)
class Command:
    name: str  # without the slash, lower case
    args: str = ""


@dataclass(frozen=True)
class Media:
    kind: str  # sticker | photo | voice | video | document | location | contact | unsupported


Event = Start | Text | Choice | Command | Media

_COMMAND = re.compile(r"^/([A-Za-z_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.S)


def parse_text(text: str) -> Event:
    """Turn typed text into an event: `/start x` → Start, `/lenh args` → Command, else Text."""
    text = without_refs((text or "")[:MAX_TEXT]).strip()
    match = _COMMAND.match(text)
    if not match:
        return Text(text)
    name = match.group(1).lower()
    args = (match.group(2) or "").strip()
    if name == "start":
        return Start(args.split()[0][:64] if args else None)
    return Command(name, args)

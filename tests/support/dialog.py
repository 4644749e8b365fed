"""Transcript testing (the Zulip `verify_dialog` / goflow habit): events in, rendered replies out.

A transcript is plain text. `> text` is what the learner types; `> [sticker]` sends media;
`> [press N]` presses button N of the newest message that had buttons; `> [callback DATA]` sends raw
callback data. The lines after an input are the bot's replies, rendered as in the console (numbered
choices), replies separated by a blank line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.channels.console import render
from bot.core.engine import Tutor
from bot.core.events import Actor, Choice, Event, Media, parse_text
from bot.core.replies import Delivery, Reply


@dataclass
class Chat:
    """A scripted person talking to the tutor. Chats sharing an `inbox` see what the bot sends
    each other (a volunteer's notification, a reply forwarded to a learner)."""

    tutor: Tutor
    actor: Actor = field(default_factory=lambda: Actor("console", "learner-1", "Bà Lan"))
    last_buttons: list = field(default_factory=list)
    inbox: dict[str, list[Reply]] = field(default_factory=dict)

    async def send(self, event: Event, update_id: int | None = None) -> list[Reply]:
        deliveries: list[Delivery] = await self.tutor.handle(self.actor, event, update_id)
        for delivery in deliveries:
            self.inbox.setdefault(delivery.external_id, []).append(delivery.reply)
        mine = [d.reply for d in deliveries if d.external_id == self.actor.external_id]
        for reply in mine:
            if reply.buttons:
                self.last_buttons = list(reply.buttons)
        return mine

    def received(self) -> list[Reply]:
        """Everything delivered to this person so far (own replies and notifications)."""
        return self.inbox.get(self.actor.external_id, [])

    def person(self, external_id: str, name: str) -> Chat:
        return Chat(self.tutor, Actor(self.actor.channel, external_id, name), inbox=self.inbox)

    async def say(self, line: str) -> list[Reply]:
        if line.startswith("[press ") and line.endswith("]"):
            number = int(line[len("[press ") : -1])
            return await self.send(Choice(self.last_buttons[number - 1].data))
        if line.startswith("[callback ") and line.endswith("]"):
            return await self.send(Choice(line[len("[callback ") : -1]))
        if line.startswith("[") and line.endswith("]") and " " not in line:
            return await self.send(Media(line[1:-1]))
        return await self.send(parse_text(line))

    async def text(self, line: str) -> str:
        return "\n\n".join(render(r) for r in await self.say(line))


def parse_transcript(text: str) -> list[tuple[str, str]]:
    steps: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("> "):
            steps.append((line[2:], []))
        elif line.startswith("#") and not steps:
            continue
        elif steps:
            steps[-1][1].append(line)
    return [(said, "\n".join(lines).strip("\n")) for said, lines in steps]


async def run_transcript(chat: Chat, text: str) -> str:
    """Play the inputs of a transcript and return the transcript the bot actually produced."""
    out: list[str] = []
    header = [line for line in text.splitlines() if line.startswith("#")]
    if header:
        out.extend(header)
    for said, _expected in parse_transcript(text):
        out.append(f"> {said}")
        out.append(await chat.text(said))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"

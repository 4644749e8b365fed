"""`hocvuso chat`: the tutor in a terminal, one input line per message; choices print as numbered
lines. Works with piped stdin (scriptable); quits on end of input or /thoat."""

from __future__ import annotations

import asyncio
from typing import TextIO

from bot.clock import utcnow
from bot.core.engine import Tutor
from bot.core.events import Actor, Start, parse_text
from bot.core.replies import Delivery, Reply

QUIT = {"/thoat", "/thoát", "/quit", "/exit"}


def picture_line(reply: Reply) -> str:
    """What stands in for a lesson picture where it cannot be shown: its one-line description."""
    return f"🖼 {reply.alt}" if reply.alt else "🖼 (Bước này có hình minh họa.)"


def render(reply: Reply) -> str:
    """Text form of a reply, shared by the console and the Zalo channel (no buttons there)."""
    lines = [reply.text]
    if reply.image:
        lines.append(picture_line(reply))
    if reply.image_bytes is not None:
        lines.append("[Hình: mã QR]")
    if reply.audio:
        lines.append(f"[Âm thanh: {reply.audio}]")
    if reply.document is not None:
        lines.append(f"[Tệp: {reply.document.filename}]")
    for number, button in enumerate(reply.buttons, start=1):
        lines.append(f"  {number}. {button.label}")
    return "\n".join(lines)


class Console:
    def __init__(self, tutor: Tutor, user: str, out: TextIO):
        self.tutor = tutor
        self.actor = Actor("console", user, user)
        self.out = out

    async def send(self, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            if delivery.external_id == self.actor.external_id:
                print(render(delivery.reply), end="\n\n", file=self.out, flush=True)
        sent = [d.outbox_id for d in deliveries if d.outbox_id]
        files = [d.outbox_id for d in deliveries if d.outbox_id and d.reply.document is not None]
        if sent:
            async with self.tutor.db.transaction() as repo:
                await repo.mark_sent(sent, utcnow())
                await repo.drop_attachments(files)

    async def run(self, lines: TextIO) -> None:
        loop = asyncio.get_running_loop()
        await self.send(await self.tutor.handle(self.actor, Start()))
        while True:
            line = await loop.run_in_executor(None, lines.readline)
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            if text.lower() in QUIT:
                break
            print(
                f"> {text}" if not lines.isatty() else "",
                end="\n" if not lines.isatty() else "",
                file=self.out,
            )
            await self.send(await self.tutor.handle(self.actor, parse_text(text)))

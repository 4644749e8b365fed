"""`hocvuso chat`: the tutor in a terminal, one input line per message — a channel like the others,
for every role, so an organizer can try the volunteer tools without a bot token.

- Choices print as numbered lines and are answered by number or words. Buttons that sit outside the
  screen (a help request's «✍️ Trả lời», an assignment's «▶️ Học ngay») are numbered too: while they
  are the newest list printed, typing a number presses them, as tapping would on Telegram.
- Messages for other console users (a volunteer's answer, a join notice) stay in the outbox and are
  printed when that person next opens `hocvuso chat --user NAME`, or at once if their chat is open
  (each open chat delivers its own person's messages from the shared database).
- Pictures and files (QR codes, the Excel report) are saved under a folder (`./hocvuso-files/` by
  default) and the line says where.

Works with piped stdin (scriptable); quits on end of input or /thoat.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.clock import utcnow
from bot.core.engine import Tutor
from bot.core.events import Actor, Choice, Event, Start, parse_text
from bot.core.replies import Button, Delivery, Reply
from bot.core.turn import with_names

QUIT = {"/thoat", "/thoát", "/quit", "/exit"}
CHANNEL = "console"
SCREEN_BUTTON = re.compile(r"^\d+\.\d+$")  # "<screen version>.<index>": the tutor matches typed text itself
LEASE = timedelta(seconds=30)
POLL_SECONDS = 1.0
_UNSAFE_NAME = re.compile(r"[^\w.-]+")


def picture_line(reply: Reply) -> str:
    """What stands in for a lesson picture where it cannot be shown: its one-line description."""
    return f"🖼 {reply.alt}" if reply.alt else "🖼 (Bước này có hình minh họa.)"


def render(reply: Reply, image_path: str | None = None, document_path: str | None = None) -> str:
    """Text form of a reply (the console's; transcripts use it too): buttons as numbered lines."""
    lines = [reply.text] if reply.text else []
    if reply.image:
        lines.append(picture_line(reply))
    if reply.image_bytes is not None:
        label = reply.image_label or "mã QR"
        lines.append(f"[Hình: {label}, đã lưu ở {image_path}]" if image_path else f"[Hình: {label}]")
    if reply.audio:
        lines.append(f"[Âm thanh: {reply.audio}]")
    if reply.document is not None:
        saved = f", đã lưu ở {document_path}" if document_path else ""
        lines.append(f"[Tệp: {reply.document.filename}{saved}]")
    for number, button in enumerate(reply.buttons, start=1):
        lines.append(f"  {number}. {button.label}")
    return "\n".join(lines)


def safe_filename(name: str, default: str) -> str:
    """A file name that stays inside the folder whatever the reply carried."""
    cleaned = _UNSAFE_NAME.sub("-", Path(name).name).strip(".-")
    return cleaned[:100] or default


class Console:
    def __init__(self, tutor: Tutor, user: str, out: TextIO, files_dir: Path | None = None):
        self.tutor = tutor
        self.actor = Actor(CHANNEL, user, user)
        self.out = out
        self.files_dir = files_dir if files_dir is not None else Path("hocvuso-files")
        # Buttons outside the screen, while they are the newest numbered list printed.
        self.tool_buttons: list[Button] = []
        self._printing = asyncio.Lock()

    # --- output --------------------------------------------------------------------------------

    def _save(self, name: str, content: bytes) -> str:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / name
        path.write_bytes(content)
        return str(path)

    def show(self, reply: Reply) -> None:
        image_path = document_path = None
        if reply.image_bytes is not None:
            default = f"hinh-{hashlib.sha256(reply.image_bytes).hexdigest()[:10]}.png"
            image_path = self._save(safe_filename(reply.image_name or "", default), reply.image_bytes)
        if reply.document is not None:
            document_path = self._save(safe_filename(reply.document.filename, "tep"), reply.document.content)
        if reply.toast and not reply.text:
            return
        print(render(reply, image_path, document_path), end="\n\n", file=self.out, flush=True)
        if reply.buttons:
            screen = all(SCREEN_BUTTON.match(b.data) for b in reply.buttons)
            self.tool_buttons = [] if screen else list(reply.buttons)

    async def send(self, deliveries: list[Delivery]) -> None:
        """Print this person's replies and mark them sent; give everyone else's back to the outbox
        at once, for their own console to show (now if their chat is open, else when it opens)."""
        async with self._printing:
            mine, others = [], []
            for delivery in deliveries:
                if delivery.channel != CHANNEL or not delivery.outbox_id:
                    if delivery.external_id == self.actor.external_id:
                        self.show(delivery.reply)  # the error reply of a failed update has no row
                    continue
                (mine if delivery.external_id == self.actor.external_id else others).append(delivery)
            for delivery in mine:
                self.show(delivery.reply)
            if not (mine or others):
                return
            now = utcnow()
            async with self.tutor.db.transaction() as repo:
                await repo.mark_sent([d.outbox_id for d in mine], now)
                await repo.drop_attachments([d.outbox_id for d in mine if _has_file(d.reply)])
                for delivery in others:
                    await repo.release(delivery.outbox_id, now)

    async def deliver_waiting(self, header: str | None = None) -> int:
        """Print messages that wait for this person (from other people's turns, reminders)."""
        async with self._printing:
            now = utcnow()
            async with self.tutor.db.transaction() as repo:
                rows = await repo.claim_outbox(CHANNEL, now, LEASE, external_id=self.actor.external_id)
                rows = [row for row, _external in rows if not row.failed]
                # People named in a message are named as they are now (bot.core.people).
                replies = await with_names(repo, [Reply.from_payload(row.payload) for row in rows])
                waiting = [(row.id, reply) for row, reply in zip(rows, replies, strict=True)]
            if not waiting:
                return 0
            if header:
                print(header, end="\n\n", file=self.out, flush=True)
            for _outbox_id, reply in waiting:
                self.show(reply)
            async with self.tutor.db.transaction() as repo:
                await repo.mark_sent([outbox_id for outbox_id, _ in waiting], utcnow())
                await repo.drop_attachments([outbox_id for outbox_id, reply in waiting if _has_file(reply)])
            return len(waiting)

    async def _watch(self) -> None:
        """While the chat is open, show what others send this person as it arrives."""
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                await self.deliver_waiting()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a busy database: try again on the next round
                print(f"[hocvuso: {type(exc).__name__}]", file=self.out, flush=True)

    # --- input ---------------------------------------------------------------------------------

    def event_for(self, text: str) -> Event:
        """A typed number presses the newest printed button outside the screen, if any; anything
        else goes to the tutor as typed (it matches the screen's choices itself)."""
        number = int(text) if text.isascii() and text.isdigit() and len(text) <= 2 else 0
        if self.tool_buttons and 1 <= number <= len(self.tool_buttons):
            button = self.tool_buttons[number - 1]
            self.tool_buttons = []
            return Choice(button.data)
        return parse_text(text)

    async def run(self, lines: TextIO) -> None:
        loop = asyncio.get_running_loop()
        await self.send(await self.tutor.handle(self.actor, Start()))
        await self.deliver_waiting(header="📬 Tin nhắn mới:")
        watcher = asyncio.create_task(self._watch())
        try:
            while True:
                line = await loop.run_in_executor(None, lines.readline)
                if not line:
                    break
                text = line.strip()
                if not text:
                    continue
                if text.lower() in QUIT:
                    break
                if not lines.isatty():
                    print(f"> {text}", file=self.out)
                await self.send(await self.tutor.handle(self.actor, self.event_for(text)))
                if not lines.isatty():  # a script: what this line set going (a report) comes next
                    await self.tutor.drain()
                    await self.deliver_waiting()
            await self.tutor.drain()  # a report still being built is shown before the chat closes
            await self.deliver_waiting()
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher


def _has_file(reply: Reply) -> bool:
    """Files are not kept in the outbox once shown (reports list names)."""
    return reply.document is not None or reply.image_bytes is not None

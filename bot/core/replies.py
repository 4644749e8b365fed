"""What the tutor hands back: platform-neutral messages that each adapter renders its own way."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, replace
from typing import Any

from bot.text import ERASED, PERSON_REF, REF_OPEN


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # opaque callback data (≤ 64 bytes): "<screen version>.<index>"
    nav: bool = False  # navigation (repeat/back/help/menu): adapters may draw these smaller


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    image: str | None = None  # path relative to the lessons folder, or a generated file's name
    alt: str | None = None  # one line saying what `image` shows, for channels that cannot send it
    image_bytes: bytes | None = None  # generated picture (QR code, certificate)
    image_name: str | None = None  # a file name for the generated picture ("qr-lop-K2345M.png")
    image_label: str | None = None  # what a generated picture is, in words ("mã QR" when unset)
    audio: str | None = None
    document: Document | None = None
    toast: bool = False  # a short notice; Telegram shows it as the button's popup when it can
    sender: str | None = None  # "volunteer" when it carries a volunteer's words
    # Kept as a message of its own: a channel that merges short messages to save sends must not
    # merge this one («Chậm lại»: one sentence per message is the point).
    separate: bool = False
    # The role whose command menu this chat should show from now on ("volunteer"…): set by the
    # tutor when a person's role changed; channels with a command menu (Telegram) apply it.
    commands: str | None = None

    def people(self) -> set[int]:
        """User ids this reply names (bot.core.people.display), in its text or its buttons."""
        found = {int(m) for m in PERSON_REF.findall(self.text)}
        for button in self.buttons:
            found.update(int(m) for m in PERSON_REF.findall(button.label))
        return found

    def with_names(self, names: dict[int, str]) -> Reply:
        """This reply as sent: every reference replaced by the person's name (an id not in
        `names` — a person whose row is gone — reads «(đã xóa dữ liệu)»)."""
        if REF_OPEN not in self.text and not any(REF_OPEN in b.label for b in self.buttons):
            return self

        def named(text: str) -> str:
            return PERSON_REF.sub(lambda m: names.get(int(m.group(1)), ERASED), text)

        buttons = tuple(Button(named(b.label), b.data, b.nav) for b in self.buttons)
        return replace(self, text=named(self.text), buttons=buttons)

    def to_payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text}
        if self.buttons:
            data["buttons"] = [[b.label, b.data, int(b.nav)] for b in self.buttons]
        for key in ("image", "alt", "image_name", "image_label", "audio", "sender", "commands"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.toast:
            data["toast"] = True
        if self.separate:
            data["separate"] = True
        if self.image_bytes is not None:
            data["image_bytes"] = base64.b64encode(self.image_bytes).decode("ascii")
        if self.document is not None:
            data["document"] = {
                "filename": self.document.filename,
                "mime": self.document.mime,
                "content": base64.b64encode(self.document.content).decode("ascii"),
            }
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Reply:
        document = data.get("document")
        image_bytes = data.get("image_bytes")
        return cls(
            text=data.get("text", ""),
            buttons=tuple(Button(label, cb, bool(nav)) for label, cb, nav in data.get("buttons", [])),
            image=data.get("image"),
            alt=data.get("alt"),
            image_name=data.get("image_name"),
            image_label=data.get("image_label"),
            commands=data.get("commands"),
            audio=data.get("audio"),
            sender=data.get("sender"),
            toast=bool(data.get("toast")),
            separate=bool(data.get("separate")),
            image_bytes=base64.b64decode(image_bytes) if image_bytes else None,
            document=Document(document["filename"], base64.b64decode(document["content"]), document["mime"])
            if document
            else None,
        )


# Channels that cannot take an uploaded file (an Excel report, a QR picture): features offer another
# way to get it there.
FILELESS_CHANNELS = frozenset({"zalo"})


@dataclass
class Delivery:
    """A reply bound for one user, already written to the outbox (id) before it is sent."""

    outbox_id: int
    user_id: int
    channel: str
    external_id: str
    reply: Reply
    bot: str | None = None  # which of the channel's bots sends it (None: the default one)
    # Set when this reply answers a pressed button (Telegram answers the callback with it).
    meta: dict[str, Any] = field(default_factory=dict)

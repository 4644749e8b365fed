"""The tutor a developer would typically write instead, to measure this project against.

A python-telegram-bot application walking the same lessons with the same texts and buttons:
handlers read the learner's row, move them on, write the row and an answer record, commit (one
aiosqlite commit per update), then reply with `reply_text` (a step's picture with `reply_photo`,
uploaded once and then sent by its file id) — no outbox, no update-id dedupe, no
per-learner lock, no crash safety beyond the commit. `pickled=True` keeps the state in
`context.user_data` under PTB's `PicklePersistence` instead (written every 60 s and at shutdown,
not per update): an upper bound that is not durable.

It is a fair peer, not a straw man: it uses PTB's own objects, parses and answers the same way
(typed numbers or button words, with or without diacritics), sends a quiz's verdict and the next
step as the two messages a developer would, and runs on the same transport and load.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import aiosqlite
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    PicklePersistence,
    filters,
)

from bot.config import REPO_LESSONS
from bot.lessons import load_catalog

SCHEMA = """
CREATE TABLE IF NOT EXISTS learners (chat_id INTEGER PRIMARY KEY, lesson TEXT, step INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0, updated_at TEXT);
CREATE TABLE IF NOT EXISTS answers (id INTEGER PRIMARY KEY, chat_id INTEGER, lesson TEXT, step TEXT,
    answer TEXT, correct INTEGER, at TEXT);
"""


def fold(text: str) -> str:
    """Lower case without diacritics or emoji ("✅ Tiếp tục" → "tiep tuc")."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "So", "Cf"))
    return " ".join(kept.lower().split())


class PeerTutor:
    def __init__(self) -> None:
        catalog = load_catalog(REPO_LESSONS).catalog
        self.lessons = {lesson.id: lesson for lesson in catalog.lessons}
        self.media = catalog.media_path
        self.file_ids: dict[str, str] = {}  # a picture uploaded once, then sent by its file id

    async def send(self, message: Any, text: str, choices: list[str] | None, image: str | None) -> None:
        """As a developer would: a step's picture with its text as the caption, else the text."""
        markup = self.markup(choices) if choices else None
        if image is None or len(text) > 1024:
            await message.reply_text(text, reply_markup=markup)
            return
        cached = self.file_ids.get(image)
        photo = cached or Path(self.media(image)).read_bytes()
        sent = await message.reply_photo(photo, caption=text, reply_markup=markup)
        if not cached and sent.photo:
            self.file_ids[image] = sent.photo[-1].file_id

    def screen(self, lesson: Any, index: int) -> tuple[str, list[str], str | None]:
        step = lesson.steps[index]
        header = f"Bước {index + 1}/{len(lesson.steps)}"
        if step.kind == "quiz":
            return f"{header}\n❓ {step.quiz.ask}", [o.text for o in step.quiz.options], step.image
        if step.kind == "practice":
            return f"{header}\n✋ {step.practice}", ["✅ Xong", "Tôi chưa làm được"], step.image
        return f"{header}\n{step.say}", ["Tiếp tục"], step.image

    @staticmethod
    def markup(choices: list[str]) -> InlineKeyboardMarkup:
        rows = [[InlineKeyboardButton(c, callback_data=f"c{i}")] for i, c in enumerate(choices)]
        rows += [
            [
                InlineKeyboardButton("🔁 Nhắc lại", callback_data="r"),
                InlineKeyboardButton("🙋 Giúp", callback_data="h"),
            ],
            [InlineKeyboardButton("🏠 Menu", callback_data="m")],
        ]
        return InlineKeyboardMarkup(rows)

    def step(
        self, state: dict[str, Any], text: str
    ) -> tuple[list[tuple[str, list[str] | None, str | None]], tuple | None]:
        """(messages to send, answer record) for one typed text; `state` is changed in place."""
        if text.startswith("/start l-"):
            lesson = self.lessons.get(text.split("l-", 1)[1].strip())
            if lesson is None:
                return [("Không có bài này.", None, None)], None
            state.update(lesson=lesson.id, step=0, attempts=0)
            body, choices, image = self.screen(lesson, 0)
            intro = f"📘 {lesson.title}: {len(lesson.steps)} bước, khoảng {lesson.minutes} phút."
            return [(f"{intro}\n\n{body}", choices, image)], None
        lesson = self.lessons.get(state.get("lesson") or "")
        if lesson is None:
            return [("Bác gõ /start để bắt đầu.", None, None)], None
        index = state["step"]
        step = lesson.steps[index]
        body, choices, _image = self.screen(lesson, index)
        typed = fold(text)
        picked = next((i for i, c in enumerate(choices) if fold(c) == typed), None)
        if picked is None and typed.isdigit() and 1 <= int(typed) <= len(choices):
            picked = int(typed) - 1
        if picked is None:
            return [("Bác bấm một nút bên dưới nhé.", choices, None)], None
        out: list[tuple[str, list[str] | None, str | None]] = []
        correct = None
        if step.kind == "quiz":
            option = step.quiz.options[picked]
            correct = option.correct
            if not option.correct and state["attempts"] == 0:
                state["attempts"] = 1
                return [(f"❌ Chưa đúng. {option.explain}\nBác thử chọn lại nhé.", choices, None)], (
                    lesson.id,
                    step.id,
                    str(picked + 1),
                    False,
                )
            out.append(
                (
                    f"✅ Đúng rồi! {option.explain}" if option.correct else f"❌ Chưa đúng. {option.explain}",
                    None,
                    None,
                )
            )
        record = (lesson.id, step.id, str(picked + 1), correct)
        state["attempts"] = 0
        if index + 1 >= len(lesson.steps):
            state.update(lesson=None, step=0)
            out.append((f"🎉 Chúc mừng Bác đã học xong bài «{lesson.title}»!", ["📚 Chọn bài học"], None))
        else:
            state["step"] = index + 1
            out.append(self.screen(lesson, index + 1))
        return out, record


def typical_app(
    token: str, request: Any, database: str, base_url: str | None = None
) -> tuple[Application, Any]:
    """The peer on aiosqlite: one commit per update. Returns (application, close). With a
    `base_url` it polls with PTB's own Updater (its production path)."""
    tutor = PeerTutor()
    holder: dict[str, aiosqlite.Connection] = {}

    async def post_init(app: Application) -> None:
        db = await aiosqlite.connect(database)
        await db.execute("PRAGMA journal_mode=WAL")
        await db.executescript(SCHEMA)
        await db.commit()
        holder["db"] = db

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        db = holder["db"]
        chat = update.effective_chat.id
        async with db.execute(
            "SELECT lesson, step, attempts FROM learners WHERE chat_id = ?", (chat,)
        ) as cursor:
            row = await cursor.fetchone()
        state = {"lesson": row[0], "step": row[1], "attempts": row[2]} if row else {"step": 0, "attempts": 0}
        messages, record = tutor.step(state, update.effective_message.text or "")
        now = update.effective_message.date.isoformat()
        await db.execute(
            "INSERT INTO learners (chat_id, lesson, step, attempts, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(chat_id) DO UPDATE SET lesson = excluded.lesson, step = excluded.step, "
            "attempts = excluded.attempts, updated_at = excluded.updated_at",
            (chat, state.get("lesson"), state.get("step", 0), state.get("attempts", 0), now),
        )
        if record is not None:
            await db.execute(
                "INSERT INTO answers (chat_id, lesson, step, answer, correct, at) VALUES (?, ?, ?, ?, ?, ?)",
                (chat, *record, now),
            )
        await db.commit()
        for text, choices, image in messages:
            await tutor.send(update.effective_message, text, choices, image)

    builder = ApplicationBuilder().token(token).concurrent_updates(64).post_init(post_init)
    if base_url is None:
        builder = builder.request(request).get_updates_request(request).updater(None)
    else:
        builder = builder.base_url(base_url).request(request)

    async def post_shutdown(app: Application) -> None:
        await close()

    app = builder.post_shutdown(post_shutdown).build()
    app.add_handler(MessageHandler(filters.TEXT, on_text))

    async def close() -> None:
        if "db" in holder:
            await holder["db"].close()

    return app, close


def pickled_app(token: str, request: Any, path: str) -> tuple[Application, Any]:
    """The peer with PTB's PicklePersistence: state in memory, written now and then."""
    tutor = PeerTutor()

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        state = context.user_data.setdefault("tutor", {"step": 0, "attempts": 0})
        messages, record = tutor.step(state, update.effective_message.text or "")
        if record is not None:
            context.user_data.setdefault("answers", []).append(record)
        for text, choices, image in messages:
            await tutor.send(update.effective_message, text, choices, image)

    app = (
        ApplicationBuilder()
        .token(token)
        .request(request)
        .get_updates_request(request)
        .updater(None)
        .concurrent_updates(64)
        .persistence(PicklePersistence(filepath=Path(path)))
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, on_text))

    async def close() -> None:
        return None

    return app, close


def serve(base_url: str, token: str, database: str) -> None:
    """The typical peer on its own production path: PTB's Updater polling `base_url`."""
    from telegram.request import HTTPXRequest

    request = HTTPXRequest(connection_pool_size=256)
    app, _close = typical_app(token, request, database, base_url=base_url)
    app.run_polling(poll_interval=0.0, timeout=1, drop_pending_updates=False, close_loop=False)


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4])

"""Crash safety: `hocvuso run` is killed with SIGKILL at random points while a learner works through
two real lessons on Telegram, 20 times, and restarted each time. Afterwards every step the learner
saw is recorded exactly once, no button press went unanswered, and the learner always resumed at
the right step."""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.lessons import load_catalog
from bot.store import Database
from bot.store.models import StepEvent
from tests.conftest import REPO_LESSONS
from tests.support.proc import Running, hocvuso_env
from tests.support.telegram_standin import TOKEN, TelegramStandIn

LAN = 5150
KILLS = 20
LESSONS = ["bat-tat-mo-khoa", "chu-to-de-doc"]
pytestmark = pytest.mark.slow


def answer_label(step) -> str:
    if step.kind == "quiz":
        return step.quiz.options[step.quiz.correct_index].text
    return "✅ Xong" if step.kind == "practice" else "Tiếp tục"


async def test_sigkill_twenty_times_loses_and_duplicates_nothing(tmp_path: Path, db_url: str) -> None:
    catalog = load_catalog(REPO_LESSONS).catalog
    steps = [
        (lesson_id, i, step)
        for lesson_id in LESSONS
        for i, step in enumerate(catalog.lesson(lesson_id).steps)
    ]

    def which_step(text: str) -> tuple[str, int, object]:
        """The (lesson, index, step) a step message shows: its header and its text."""
        for lesson_id, index, step in steps:
            header = f"Bước {index + 1}/{len(catalog.lesson(lesson_id).steps)}\n"
            if (text.startswith(header) or f"\n\n{header}" in text) and step.text in text:
                return lesson_id, index, step
        raise AssertionError(f"not a step of the script: {text[:80]!r}")

    api = await TelegramStandIn().start()
    config = tmp_path / "c.yaml"
    config.write_text(f"telegram:\n  base_url: {api.base_url}\n  poll_timeout: 1\n", encoding="utf-8")
    env = hocvuso_env(db_url, REPO_LESSONS, HOCVUSO_TELEGRAM_TOKEN=TOKEN)
    seed = int(os.environ.get("HOCVUSO_CRASH_SEED") or random.randrange(1 << 30))
    rng = random.Random(seed)
    print(f"kill timings from HOCVUSO_CRASH_SEED={seed}")
    bot = Running(["run", "--config", str(config)], env)
    kills = 0
    seen: list[tuple[str, int]] = []  # (lesson, step index) in the order the learner saw them
    lost = 0  # presses that never got an answer

    def newest_screen() -> dict | None:
        """The newest message that came with buttons (pressed ones lose them: then None)."""
        for message in reversed(api.sent):
            if message["chat"]["id"] == LAN and message.get("_had_keyboard"):
                return message if message.get("reply_markup") else None
        return None

    try:
        await api.push_text(LAN, f"/start l-{LESSONS[0]}")
        finished = False
        for _ in range(400):
            screen = await api.wait_for(lambda s: newest_screen(), timeout=30)
            text = screen.get("text") or screen.get("caption") or ""  # a step with a picture: a caption
            if text.startswith(f"🎉 Chúc mừng Bác đã học xong bài «{catalog.lesson(LESSONS[1]).title}»"):
                finished = True
                break
            if text.startswith("🎉"):
                label = next(
                    b["text"]
                    for row in screen["reply_markup"]["inline_keyboard"]
                    for b in row
                    if b["callback_data"].split(".")[0].isdigit() and "Học bài tiếp" in b["text"]
                )
            else:
                lesson_id, index, step = which_step(text)
                if not seen or seen[-1] != (lesson_id, index):
                    # Resumes never go back: each newly shown step follows the one before it.
                    if seen and seen[-1][0] == lesson_id:
                        assert index == seen[-1][1] + 1, (
                            f"step order broken: {seen[-1]} then {(lesson_id, index)}"
                        )
                    seen.append((lesson_id, index))
                label = answer_label(step)
            before = len(api.sent)
            await api.press_label(LAN, label)
            if kills < KILLS:
                await asyncio.sleep(rng.uniform(0, 0.25))
                bot.kill()
                kills += 1
                bot = Running(["run", "--config", str(config)], env)
            try:
                await api.wait_for(
                    lambda s, n=before, old=screen: len(s.sent) > n and newest_screen() not in (None, old),
                    timeout=20,
                )
            except AssertionError:
                lost += 1  # the press was lost with the process: count it, look again, press again
                continue
        assert finished, f"lesson not finished after {kills} kills; seen {seen[-3:]}"
    finally:
        await bot.stop()
        await api.stop()
    assert kills == KILLS
    # Telegram keeps an update until the bot confirms it, and the bot confirms only what it handled.
    assert lost == 0, f"{lost} button presses lost with a killed process"

    db = Database(db_url)
    async with db.reader() as repo:
        events = (await repo.session.execute(select(StepEvent).order_by(StepEvent.id))).scalars().all()
    await db.close()
    for lesson_id in LESSONS:
        lesson = catalog.lesson(lesson_id)
        mine = [e for e in events if e.lesson_id == lesson_id]
        assert [e.step_id for e in mine if e.kind == "shown"] == [
            s.id for s in lesson.steps
        ]  # each exactly once
        assert [e.step_id for e in mine if e.kind == "answer"] == [s.id for s in lesson.steps]
        assert [e.kind for e in mine if e.kind in ("start", "complete")] == ["start", "complete"]
        assert all(e.correct for e in mine if e.kind == "answer" and e.correct is not None)
    assert seen == [(lesson_id, index) for lesson_id, index, _step in steps]

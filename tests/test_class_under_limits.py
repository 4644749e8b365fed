"""A class pressing at once, against a stand-in of Telegram that enforces its flood limits (about 30
messages a second per bot, about one a second per chat, 429 with `retry_after` past that), with the
bot as `hocvuso run` runs it (bot.cli.run.serve) over real HTTP.

What a learner would notice: every press brings the next screen, screens never come out of order,
and when Telegram says "retry after N seconds" for a chat, nothing goes to that chat sooner.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.lessons import load_catalog
from tests.conftest import LESSONS
from tests.support.telegram_cloud import CloudBot, Limits, Sent, TelegramCloud
from tests.test_bots import running

TOKEN = "333333:CLASStokenCLASStokenCLASStokenCLASStok"
FIRST_CHAT = 7100
LESSON = load_catalog(LESSONS).catalog.lesson("thu-nghiem")
STEP = re.compile(r"Bước (\d+)/\d+")


@pytest.fixture
async def cloud() -> AsyncIterator[TelegramCloud]:
    server = await TelegramCloud(Limits(per_bot=30.0, per_chat=1.0)).start()
    server.add_bot(TOKEN, "hocvuso_class_bot")
    yield server
    await server.stop()


def write_config(tmp_path: Path, cloud: TelegramCloud, budget: str) -> Path:
    config = tmp_path / "class.yaml"
    config.write_text(
        f"telegram:\n  token: {TOKEN}\n  base_url: {cloud.base_url}\n  poll_timeout: 1\n{budget}",
        encoding="utf-8",
    )
    return config


def screens(bot: CloudBot, chat: int) -> list[Sent]:
    """What the learner's phone shows with buttons, in arrival order."""
    return [s for s in bot.log if s.chat == chat and s.method.startswith("send") and s.buttons]


def step_of(sent: Sent) -> int:
    match = STEP.search(sent.text)
    return int(match.group(1)) if match else 0


def answer(step_number: int) -> str:
    step = LESSON.steps[step_number - 1]
    if step.kind == "quiz":
        return step.quiz.options[step.quiz.correct_index].text
    return "✅ Xong" if step.kind == "practice" else "Tiếp tục"


async def learn(cloud: TelegramCloud, bot: CloudBot, chat: int, steps: int) -> None:
    """Open the lesson and press the right button on each screen, `steps` times."""
    await cloud.push(bot, cloud.text_update(chat, f"/start l-{LESSON.id}"))
    for number in range(1, steps + 1):
        await cloud.wait_for(lambda n=number: any(step_of(s) == n for s in screens(bot, chat)), timeout=60)
        shown = next(s for s in screens(bot, chat) if step_of(s) == number)
        button = next(b for b in shown.buttons if b["text"] == answer(number))
        await cloud.push(bot, cloud.press_update(bot, chat, shown.message_id, button["callback_data"]))
    await cloud.wait_for(lambda: any(step_of(s) == steps + 1 for s in screens(bot, chat)), timeout=60)


async def class_at_once(cloud: TelegramCloud, learners: int, steps: int) -> CloudBot:
    bot = cloud.bots[TOKEN]
    await cloud.wait_for(lambda: bot.polled)
    chats = range(FIRST_CHAT, FIRST_CHAT + learners)
    await asyncio.gather(*(learn(cloud, bot, chat, steps) for chat in chats))
    for chat in chats:
        shown = [step_of(s) for s in screens(bot, chat)]
        # Each screen once, in the lesson's order: no later screen before an earlier one, none lost.
        assert shown == list(range(1, steps + 2)), (chat, shown)
    return bot


async def test_a_class_is_paced_under_the_limits_and_nothing_is_refused(
    cloud: TelegramCloud, db_url: str, tmp_path: Path
) -> None:
    async with running(db_url, write_config(tmp_path, cloud, "")):  # the default budget
        bot = await class_at_once(cloud, learners=8, steps=2)
    assert bot.refused == 0
    sends = sorted((chat, at) for chat, at, refused in bot.calls if refused is None)
    gaps = [b[1] - a[1] for a, b in itertools.pairwise(sends) if a[0] == b[0]]
    assert gaps and min(gaps) >= 1.0  # one message a second per chat at most


async def test_retry_after_is_honoured_for_the_chat_it_names(
    cloud: TelegramCloud, db_url: str, tmp_path: Path
) -> None:
    # A budget that ignores the per-chat limit: Telegram (the stand-in) refuses with 429.
    async with running(db_url, write_config(tmp_path, cloud, "  chat_interval: 0\n")):
        bot = await class_at_once(cloud, learners=4, steps=2)
    refusals = [(chat, at, wait) for chat, at, wait in bot.calls if wait is not None]
    assert refusals  # the limits were hit, so this test says something
    for chat, refused_at, wait in refusals:
        early = [at for c, at, _w in bot.calls if c == chat and refused_at < at < refused_at + wait]
        assert not early, f"chat {chat}: {len(early)} call(s) within retry_after={wait}s of a 429"

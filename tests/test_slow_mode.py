"""«Chậm lại»: one word away on every screen, the learner gets each step in short messages, a
sentence or so each, with the buttons on the last one; «bình thường» brings one message back."""

from __future__ import annotations

from bot.features.learning.flow import SLOW_CHUNK
from tests.conftest import REPO_LESSONS, make_tutor
from tests.support.dialog import Chat

LESSON = "bat-tat-mo-khoa"


def words(text: str) -> list[str]:
    return text.split()


async def test_slow_mode_splits_steps_until_turned_off(sqlite_url: str) -> None:
    tutor = await make_tutor(sqlite_url, REPO_LESSONS)
    try:
        chat = Chat(tutor)
        lesson = tutor.catalog.lesson(LESSON)
        await chat.say(f"/start l-{LESSON}")
        whole = (await chat.say("nhac lai"))[-1]  # the step alone, as one message
        assert whole.text.startswith("Bước 1/") and lesson.steps[0].text in whole.text

        replies = await chat.say("cham lai")  # typed without diacritics, on a lesson screen
        assert replies[0].text.startswith("🐢 Dạ, từ giờ cháu chia mỗi bước")
        chunks = replies[1:]
        assert len(chunks) >= 2
        assert all(len(r.text) <= SLOW_CHUNK for r in chunks)
        assert words(" ".join(r.text for r in chunks)) == words(whole.text)  # nothing lost
        assert chunks[-1].buttons and not any(r.buttons for r in chunks[:-1])

        # It stays on: the next step comes in short messages too.
        replies = await chat.say("1")  # «Tiếp tục»
        assert replies[0].text.startswith("Bước 2/")
        assert len(replies) >= 2 and all(len(r.text) <= SLOW_CHUNK for r in replies)
        assert words(" ".join(r.text for r in replies)) == words(
            f"Bước 2/{len(lesson.steps)} {lesson.steps[1].text}"
        )

        replies = await chat.say("Bình thường")
        assert replies[0].text.startswith("Dạ, cháu gửi mỗi bước gọn trong một tin")
        assert len(replies) == 2 and replies[1].text.startswith("Bước 2/") and replies[1].buttons
        assert lesson.steps[1].text in replies[1].text
    finally:
        await tutor.db.close()


async def test_slow_mode_outside_a_lesson_shows_the_menu(sqlite_url: str) -> None:
    tutor = await make_tutor(sqlite_url, REPO_LESSONS)
    try:
        chat = Chat(tutor)
        await chat.say("/start")
        replies = await chat.say("/chamlai")
        assert replies[0].text.startswith("🐢")
        assert replies[-1].buttons  # the menu, to choose a lesson
        replies = await chat.say(f"/start l-{LESSON}")
        assert len(replies) >= 3 and all(len(r.text) <= 500 for r in replies)
        assert replies[-1].buttons and len(replies[-1].text) <= SLOW_CHUNK
    finally:
        await tutor.db.close()

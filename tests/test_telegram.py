"""Telegram end to end: the real python-telegram-bot HTTP stack against a Bot API stand-in on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from bot.channels.telegram import TelegramChannel
from bot.config import TelegramSettings
from bot.core.engine import Tutor
from bot.core.events import Actor
from bot.store.models import Outbox
from tests.conftest import make_tutor
from tests.support.holds import turn_held
from tests.support.ports import on_free_port
from tests.support.telegram_standin import TOKEN, TelegramStandIn

LAN = 7001
SECRET = "s3cret-Token-s3cret-Token-s3cret-Token"


@pytest.fixture
async def standin() -> AsyncIterator[TelegramStandIn]:
    server = await TelegramStandIn().start()
    yield server
    await server.stop()


async def start_bot(tutor: Tutor, standin: TelegramStandIn, **settings: object) -> TelegramChannel:
    config = TelegramSettings.model_validate({"base_url": standin.base_url, "poll_timeout": 1, **settings})
    channel = TelegramChannel(tutor, config, TOKEN)
    await channel.start()
    return channel


@pytest.fixture
async def polling(
    db_url: str, standin: TelegramStandIn
) -> AsyncIterator[tuple[TelegramChannel, TelegramStandIn]]:
    tutor = await make_tutor(db_url)
    channel = await start_bot(tutor, standin)
    yield channel, standin
    await channel.stop()
    await tutor.db.close()


async def test_start_sets_vietnamese_commands(polling) -> None:
    _, api = polling
    described = {c["command"]: c["description"] for c in api.commands}
    assert described["hoc"] == "Học tiếp bài đang học"
    assert described["giupdo"] == "Nhờ người giúp"


async def test_learner_completes_a_lesson_by_pressing_buttons(polling) -> None:
    _, api = polling
    await api.push_text(LAN, "/start l-thu-nghiem")
    first = await api.wait_text(LAN, "Bước 1/4")
    rows = first["reply_markup"]["inline_keyboard"]
    assert rows[0] == [{"text": "Tiếp tục", "callback_data": rows[0][0]["callback_data"]}]
    assert [len(r) for r in rows] == [1, 2, 1]  # main choice alone; navigation two per row
    assert all(len(b["callback_data"].encode()) <= 64 for r in rows for b in r)

    await api.press_through(LAN)

    final = await api.wait_text(LAN, "🎉 Chúc mừng")
    assert "Bác trả lời đúng 1/1 câu hỏi." in final["text"]
    await api.wait_for(lambda s: len(s.callback_answers) == 4)
    # Each pressed keyboard is replaced by the choice made, so it cannot be pressed again: after
    # the replies (the next step comes first), within the chat's one-message-a-second limit.
    pressed = await api.wait_for(
        lambda s: "reply_markup" not in s.messages[(LAN, first["message_id"])]
        and s.messages[(LAN, first["message_id"])],
        timeout=20,
    )
    assert pressed["text"].endswith("➡️ Tiếp tục")


async def test_learner_completes_a_lesson_by_typing(polling) -> None:
    _, api = polling
    for text, expect in [
        ("/start l-thu-nghiem", "Bước 1/4"),
        ("tiep tuc", "Bước 2/4"),
        ("khong", "✅ Đúng rồi!"),
        ("xong", "Bước 4/4"),
        ("1", "🎉 Chúc mừng"),
    ]:
        await api.push_text(LAN, text)
        await api.wait_text(LAN, expect)


async def test_webhook_update_posted_twice_has_one_effect(db_url: str, standin: TelegramStandIn) -> None:
    """Telegram re-sends a webhook update it got no 200 for in time: the second has no effect."""
    tutor = await make_tutor(db_url)
    channel, _url = await start_webhook_bot(tutor, standin)
    try:
        await standin.push_text(LAN, "/start l-thu-nghiem")
        await standin.wait_text(LAN, "Bước 1/4")
        # Typed, not pressed: a replayed button is refused as stale anyway, typed words are not.
        typed = standin.text_update(LAN, "tiep tuc")
        await standin.push(typed)
        await standin.wait_text(LAN, "Bước 2/4")
        count = len(standin.sent)
        await standin.push(typed)  # answered 200 only once handled: any effect is visible now
        assert standin.webhook_responses == [200, 200, 200]
        assert len(standin.sent) == count
        await standin.push_text(LAN, "/tiendo")
        progress = await standin.wait_text(LAN, "📊")
        assert "bước 2/4" in progress["text"]  # «tiep tuc» moved the learner on once, not twice
    finally:
        await channel.stop()
        await tutor.db.close()


async def test_update_whose_confirmation_was_lost_has_one_effect(
    db_url: str, standin: TelegramStandIn
) -> None:
    """Handled and committed, but Telegram never got the next offset (the process died first): the
    next process is given the update again and must not apply it twice."""
    tutor = await make_tutor(db_url)
    channel = await start_bot(tutor, standin)
    try:
        await standin.push_text(LAN, "/start l-thu-nghiem")
        await standin.wait_text(LAN, "Bước 1/4")
        typed = await standin.push_text(LAN, "tiep tuc")
        await standin.wait_text(LAN, "Bước 2/4")
    finally:
        await channel.stop()
    count = len(standin.sent)
    standin.pending.insert(0, typed)  # Telegram still holds it: the confirmation was lost
    channel = await start_bot(tutor, standin)
    try:
        await standin.wait_for(lambda s: typed not in s.pending)  # fetched and confirmed again
        await standin.push_text(LAN, "/tiendo")
        progress = await standin.wait_text(LAN, "📊")
        assert "bước 2/4" in progress["text"]
        assert len(standin.sent) == count + 1  # the progress message only
    finally:
        await channel.stop()
        await tutor.db.close()


async def test_forged_and_stale_callbacks_change_nothing(polling) -> None:
    _, api = polling
    await api.push_text(LAN, "/start l-thu-nghiem")
    step1 = await api.wait_text(LAN, "Bước 1/4")
    sent_before = len(api.sent)
    forged = await api.press(LAN, step1["message_id"], "x" * 64)
    await api.wait_for(lambda s: forged["callback_query"]["id"] in s.callback_answers)
    assert "không dùng được" in api.callback_answers[forged["callback_query"]["id"]]["text"]
    assert len(api.sent) == sent_before
    # A real press moves on; replaying that same button afterwards is stale.
    data = step1["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await api.press(LAN, step1["message_id"], data)
    await api.wait_text(LAN, "Bước 2/4")
    replay = await api.press(LAN, step1["message_id"], data)
    await api.wait_for(lambda s: replay["callback_query"]["id"] in s.callback_answers)
    assert "đã cũ" in api.callback_answers[replay["callback_query"]["id"]]["text"]
    await api.push_text(LAN, "/tiendo")
    progress = await api.wait_text(LAN, "📊")
    assert "bước 2/4" in progress["text"]


async def test_sticker_gets_a_gentle_reprompt(polling) -> None:
    _, api = polling
    await api.push_text(LAN, "/start")
    await api.wait_text(LAN, "Bác muốn làm gì")
    await api.push_sticker(LAN)
    reply = await api.wait_text(LAN, "chỉ đọc được chữ")
    assert reply["reply_markup"]["inline_keyboard"]


async def test_flood_control_is_waited_out_not_dropped(polling) -> None:
    _, api = polling
    api.flood_next = 2  # the next two sends get 429 retry_after=1
    await api.push_text(LAN, "/start")
    await api.wait_text(LAN, "Bác muốn làm gì", timeout=30)
    # The welcome and the menu go as one message (merged): refused twice, then delivered once.
    assert sum(1 for m, _ in api.calls if m == "sendMessage") == 3
    assert sum("Chào Bác! Cháu là Học vụ số" in t for t in api.texts(LAN)) == 1


async def start_webhook_bot(tutor: Tutor, standin: TelegramStandIn) -> tuple[TelegramChannel, str]:
    """The channel in webhook mode on a free port (another one if it was taken meanwhile)."""

    async def start(port: int) -> tuple[TelegramChannel, str]:
        url = f"http://127.0.0.1:{port}/telegram"
        config = TelegramSettings.model_validate(
            {
                "base_url": standin.base_url,
                "mode": "webhook",
                "webhook": {"url": url, "port": port, "secret_token": SECRET},
            }
        )
        channel = TelegramChannel(tutor, config, TOKEN)
        try:
            await channel.start()
        except BaseException:
            await channel.stop()
            raise
        return channel, url

    return await on_free_port(start)


async def test_webhook_requires_the_secret_token(db_url: str, standin: TelegramStandIn) -> None:
    tutor = await make_tutor(db_url)
    channel, url = await start_webhook_bot(tutor, standin)
    try:
        assert standin.webhook == {"url": url, "secret_token": SECRET}
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 1,
                "chat": {"id": LAN, "type": "private"},
                "from": standin.person(LAN, "Lan"),
                "text": "/start",
            },
        }
        async with httpx.AsyncClient() as client:
            missing = await client.post(url, json=update)
            wrong = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
            right = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
        assert (missing.status_code, wrong.status_code, right.status_code) == (403, 403, 200)
        # Telegram got its 200 only after the update was handled: the welcome was committed to the
        # outbox by then (it goes out right after, paced by the send queue).
        async with tutor.db.reader() as repo:
            payloads = (await repo.session.execute(select(Outbox.payload))).scalars().all()
        assert any("Chào Bác!" in payload["text"] for payload in payloads)
        await standin.wait_text(LAN, "Bác muốn làm gì")
        # welcome + menu, once (as one message: the welcome has no buttons and both are short)
        assert len(standin.texts(LAN)) == 1 and standin.texts(LAN)[0].startswith("Chào Bác!")
        # The stand-in now posts as Telegram would: a whole lesson by buttons, over the webhook.
        await standin.push_text(LAN, "/start l-thu-nghiem")
        await standin.wait_text(LAN, "Bước 1/4")
        await standin.press_through(LAN)
        assert set(standin.webhook_responses) == {200}
    finally:
        await channel.stop()
        await tutor.db.close()


async def test_other_learners_are_served_while_one_waits(polling) -> None:
    channel, api = polling
    await api.push_text(8000, "/start")
    await api.wait_text(8000, "Bác muốn làm gì")
    async with turn_held(channel.tutor, Actor("telegram", "8000", "Lan")):
        await api.push_text(8000, "/start l-thu-nghiem")  # waits: an earlier update is being handled
        await asyncio.gather(*(api.push_text(8001 + i, "/start l-thu-nghiem") for i in range(4)))
        for i in range(4):
            await api.wait_text(8001 + i, "Bước 1/4")
        assert not any("Bước 1/4" in t for t in api.texts(8000))
    await api.wait_text(8000, "Bước 1/4")  # and then it is served


async def test_replies_left_unsent_by_a_crash_are_delivered_later(polling) -> None:
    """Committed but never sent (the process died in between): the outbox pump sends them."""
    from sqlalchemy import update

    from bot.core.events import Actor, Start
    from bot.store.models import Outbox

    channel, api = polling
    deliveries = await channel.tutor.handle(Actor("telegram", str(LAN), "Lan"), Start("l-thu-nghiem"))
    assert deliveries and not api.texts(LAN)
    async with channel.tutor.db.transaction() as repo:  # the lease of the dead process runs out
        await repo.session.execute(update(Outbox).values(claimed_until=None))
    assert await channel.pump.pump_once() == len(deliveries)
    await api.wait_text(LAN, "Bước 1/4")
    assert await channel.pump.pump_once() == 0  # sent exactly once


async def test_lesson_media_uploaded_once_then_sent_by_file_id(db_url: str, standin: TelegramStandIn) -> None:
    from tests.conftest import TESTS

    tutor = await make_tutor(db_url, TESTS / "data" / "media-lessons")
    channel = await start_bot(tutor, standin)
    try:
        for chat in (LAN, LAN + 1):
            await standin.push_text(chat, "/start l-co-hinh")
            photo = await standin.wait_text(chat, "Bác xem hình minh họa này.")
            assert photo["_method"] == "sendPhoto" and photo["reply_markup"]["inline_keyboard"]
            await standin.press_label(chat, "Tiếp tục")
            await standin.wait_for(
                lambda s, c=chat: any(m["_method"] == "sendVoice" and m["chat"]["id"] == c for m in s.sent)
            )
        assert standin.uploads == ["sendPhoto", "sendVoice"]  # the second learner got cached file ids
    finally:
        await channel.stop()
        await tutor.db.close()

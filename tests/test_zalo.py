"""Zalo end to end: the adapter's httpx client against a Zalo Bot API stand-in on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest

from bot.channels.zalo import ZaloChannel
from bot.config import ZaloSettings
from bot.core.engine import Tutor
from tests.conftest import make_tutor
from tests.support.ports import LogSeen, on_free_port, refusing_port
from tests.support.zalo_standin import TOKEN, ZaloStandIn

FIXED_NOW = datetime(2026, 11, 4, 3, 0)  # naive UTC, as stored: no test reads the wall clock

TU = "u-ba-tu"


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloStandIn]:
    server = await ZaloStandIn().start()
    yield server
    await server.stop()


@contextlib.asynccontextmanager
async def running(tutor: Tutor, api: ZaloStandIn, **settings: object) -> AsyncIterator[ZaloChannel]:
    config = ZaloSettings.model_validate(
        {"enabled": True, "base_url": api.base_url, "poll_timeout": 1, **settings}
    )
    channel = ZaloChannel(tutor, config, TOKEN)
    channel.quota_backoff = 0.5
    channel.pump.interval = 0.1
    try:
        await channel.start()
    except BaseException:
        await channel.stop()  # e.g. its webhook port was taken: free the client, try another port
        raise
    pump = asyncio.create_task(channel.pump.run())
    try:
        yield channel
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
        await channel.stop()


@pytest.fixture
async def tutor(db_url: str) -> AsyncIterator[Tutor]:
    t = await make_tutor(db_url)
    yield t
    await t.db.close()


async def test_lesson_by_typed_numbers_and_words_without_diacritics(tutor: Tutor, zalo: ZaloStandIn) -> None:
    async with running(tutor, zalo):
        await zalo.push_text(TU, "xin chao")
        menu = await zalo.wait_text(TU, "Bác muốn làm gì ạ?")
        assert "1. ▶️ Bắt đầu học: Bài thử nghiệm" in menu and "(Bác gõ số để chọn)" in menu
        for text, expect in [
            ("1", "Bước 1/4"),
            ("tiep tuc", "Bước 2/4"),
            ("khong", "✅ Đúng rồi!"),
            ("xong", "Bước 4/4"),
            ("1", "🎉 Chúc mừng"),
        ]:
            await zalo.push_text(TU, text)
            await zalo.wait_text(TU, expect)
        assert all(len(t) <= 2000 for t in zalo.texts(TU))


async def test_408_means_poll_again_at_once(tutor: Tutor, zalo: ZaloStandIn) -> None:
    zalo.instant_timeouts = 10  # ten "nothing yet" answers, each given at once
    async with running(tutor, zalo):
        await zalo.wait_for(lambda s: s.get_updates_calls >= 11)
        # Ten re-polls in a row take a few local round trips; a pause after each 408 (even a fifth
        # of the 1 s error backoff) would take two seconds or more.
        assert zalo.get_updates_at[10] - zalo.get_updates_at[0] < 2.0
        await zalo.push_text(TU, "/start")
        await zalo.wait_text(TU, "Bác muốn làm gì ạ?")
    assert zalo.timeouts >= 10


async def test_server_errors_back_off_and_recover(tutor: Tutor, zalo: ZaloStandIn) -> None:
    zalo.fail_next = 2
    async with running(tutor, zalo):
        await zalo.push_text(TU, "/start")
        await zalo.wait_text(TU, "Bác muốn làm gì ạ?", timeout=20)
    first, second, third = zalo.get_updates_at[:3]
    # Backs off 1 s after the first error, then 2 s (a sleep never ends early: a lower bound holds).
    assert second - first >= 0.95 and third - second >= 1.95


async def test_quota_exceeded_backs_off_and_keeps_the_message(tutor: Tutor, zalo: ZaloStandIn) -> None:
    zalo.quota_next = 2
    async with running(tutor, zalo):
        await zalo.push_text(TU, "/start")
        welcome = await zalo.wait_text(TU, "Chào Bác! Cháu là Học vụ số", timeout=20)
        await zalo.wait_text(TU, "Bác muốn làm gì ạ?", timeout=20)
    texts = zalo.texts(TU)
    joined = "\n".join(texts)  # one message or two (the welcome merges into the menu below it)
    assert welcome in texts and joined.index("Chào Bác!") < joined.index("muốn làm gì")  # order kept
    assert sum("Chào Bác! Cháu là Học vụ số" in t for t in texts) == 1  # delivered once


async def test_stickers_images_and_unsupported_are_acknowledged(tutor: Tutor, zalo: ZaloStandIn) -> None:
    async with running(tutor, zalo):
        await zalo.push_text(TU, "/start")
        await zalo.wait_text(TU, "Bác muốn làm gì ạ?")
        for event in ("message.sticker.received", "message.image.received", "message.unsupported.received"):
            before = len(zalo.texts(TU))
            await zalo.push_event(TU, event)
            await zalo.wait_for(lambda s, n=before: len(s.texts(TU)) > n)
            assert zalo.texts(TU)[-1].startswith("Cháu chỉ đọc được chữ thôi ạ.")


async def test_webhook_secret_and_both_body_shapes(tutor: Tutor, zalo: ZaloStandIn) -> None:
    async with contextlib.AsyncExitStack() as stack:

        async def start(port: int) -> str:
            url = f"http://127.0.0.1:{port}/zalo-hook"
            hook = {
                "url": url,
                "port": port,
                "path": "zalo-hook",
                "secret_token": "hook-secret-123-of-at-least-32-characters",
            }
            await stack.enter_async_context(running(tutor, zalo, mode="webhook", webhook=hook))
            return url

        url = await on_free_port(start)
        assert zalo.webhook == {"url": url, "secret_token": "hook-secret-123-of-at-least-32-characters"}
        update = {
            "event_name": "message.text.received",
            "message": {
                "from": {"id": TU, "display_name": "Bà Tư"},
                "chat": {"id": TU, "chat_type": "PRIVATE"},
                "text": "/start",
                "message_id": "x1",
                "date": 1,
            },
        }
        async with httpx.AsyncClient() as client:
            missing = await client.post(url, json=update)
            wrong = await client.post(
                url,
                json=update,
                headers={"X-Bot-Api-Secret-Token": "hook-secret-124-of-at-least-32-characters"},
            )
        assert (missing.status_code, wrong.status_code) == (403, 403)
        assert zalo.texts(TU) == []
        # The stand-in posts as Zalo does, alternating wrapped and unwrapped bodies.
        for text, expect in [
            ("/start l-thu-nghiem", "Bước 1/4"),
            ("1", "Bước 2/4"),
            ("khong", "Bước 3/4"),
            ("1", "Bước 4/4"),
            ("tiep", "🎉 Chúc mừng"),
        ]:
            await zalo.push_text(TU, text)
            await zalo.wait_text(TU, expect)
        assert set(zalo.webhook_responses) == {200}


async def test_long_volunteer_answer_is_split_and_reaches_zalo_from_another_channel(
    tutor: Tutor, zalo: ZaloStandIn
) -> None:
    from bot.core.events import Actor
    from tests.support.dialog import Chat

    async with tutor.db.transaction() as repo:
        await repo.upsert_unit("x", "Xã X", None, "xa")
        volunteer = await repo.grant("console", "tnv", "volunteer", "x", FIXED_NOW)
        volunteer.display_name = "Minh"
    async with running(tutor, zalo):
        await zalo.push_text(TU, "/start")
        await zalo.wait_text(TU, "Bác muốn làm gì ạ?")
        async with tutor.db.transaction() as repo:
            learner = await repo.user_by_external("zalo", TU)
            learner.unit_id = "x"
        await zalo.push_text(TU, "/giupdo")
        await zalo.wait_text(TU, "Cháu đã báo cho người giúp")
        minh = Chat(tutor, Actor("console", "tnv", "Minh"))
        sentence = "Bác mở ứng dụng Zalo, bấm vào ô tìm kiếm ở trên cùng rồi gõ tên người thân. "
        await minh.say(f"/traloi 1 {sentence * 40}")
        await zalo.wait_for(lambda s: len([t for t in s.texts(TU) if "Bác mở ứng dụng Zalo" in t]) >= 2)
        parts = [t for t in zalo.texts(TU) if "Bác mở ứng dụng Zalo" in t]
        assert parts[0].startswith("💬 Tình nguyện viên Minh trả lời Bác:")
        assert all(len(p) <= 2000 for p in parts)


async def test_token_never_logged(tutor: Tutor, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with refusing_port() as port, LogSeen("network error").watching("hocvuso.zalo") as logged:
        settings = ZaloSettings.model_validate(
            {"enabled": True, "base_url": f"http://127.0.0.1:{port}", "poll_timeout": 1}
        )
        channel = ZaloChannel(tutor, settings, TOKEN)
        task = asyncio.create_task(channel.poll())
        await asyncio.wait_for(logged.seen.wait(), 15)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await channel.client.close()
    assert "network error" in caplog.text
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text


@pytest.mark.parametrize("media_base_url", [None, "https://bot.example.vn/media"])
async def test_lesson_images_by_url_or_described(
    db_url: str, zalo: ZaloStandIn, media_base_url: str | None
) -> None:
    from tests.conftest import TESTS

    t = await make_tutor(db_url, TESTS / "data" / "media-lessons")
    try:
        async with running(t, zalo, media_base_url=media_base_url):
            await zalo.push_text(TU, "/start l-co-hinh")
            step = await zalo.wait_text(TU, "Bác xem hình minh họa này.")
            await zalo.push_text(TU, "1")
            await zalo.wait_text(TU, "Bác nghe lời chào.")
            if media_base_url:  # the voice message follows the step's text
                await zalo.wait_for(lambda s: any(m["method"] == "sendVoice" for m in s.sent))
            photos = [m for m in zalo.sent if m["method"] == "sendPhoto"]
            voices = [m for m in zalo.sent if m["method"] == "sendVoice"]
            media = "https://bot.example.vn/media/media"
            if media_base_url:
                assert photos == [{"method": "sendPhoto", "chat_id": TU, "photo": f"{media}/hinh.png"}]
                assert voices == [
                    {"method": "sendVoice", "chat_id": TU, "voice_url": f"{media}/loi-chao.ogg"}
                ]
                assert "🖼" not in step
            else:
                assert photos == [] and voices == []
                # No media URL: the picture's one-line description stands in for it, above the step.
                assert step.startswith("🖼 Hình bánh răng «Cài đặt», có vòng tròn đỏ chỗ cần chạm\n")
    finally:
        await t.db.close()


async def test_group_chats_are_ignored(tutor: Tutor, zalo: ZaloStandIn) -> None:
    """A group is not one learner: its messages get no answer and leave no user behind."""
    async with running(tutor, zalo):
        for member, text in [("u-a", "/start"), ("u-b", "1"), ("u-a", "giúp")]:
            await zalo.push(
                {
                    "event_name": "message.text.received",
                    "message": {
                        "from": {"id": member, "display_name": member, "is_bot": False},
                        "chat": {"id": "g-thon-3", "chat_type": "GROUP"},
                        "text": text,
                        "message_id": f"g-{member}-{text}",
                        "date": 1,
                    },
                }
            )
        await zalo.push_text(TU, "/start")  # a private chat after them is answered
        await zalo.wait_text(TU, "Bác muốn làm gì ạ?")
        assert {m["chat_id"] for m in zalo.sent} == {TU}
    async with tutor.db.reader() as repo:
        assert await repo.user_by_external("zalo", "g-thon-3") is None


async def test_baocao_on_zalo_says_how_to_get_the_file(tutor: Tutor, zalo: ZaloStandIn) -> None:

    async with tutor.db.transaction() as repo:
        await repo.upsert_unit("hn", "Hà Nội", None, "tinh")
        await repo.grant("zalo", TU, "organizer", "hn", FIXED_NOW)
    async with running(tutor, zalo):
        await zalo.push_text(TU, "/baocao", "Chị Hà")
        text = await zalo.wait_text(TU, "📥 Zalo không gửi được tệp Excel.")
        assert "hocvuso report --format xlsx --unit hn --out bao-cao.xlsx" in text
        assert "email" not in " ".join(zalo.texts(TU))

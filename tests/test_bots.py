"""Several Telegram bots in one deployment (one per province…): each learner stays with the bot they
started with, each unit's class links name its bot, and everything lives in one campaign database.
The bots run as `hocvuso run` runs them (bot.cli.run.serve) against a stand-in of Telegram that
knows several bots, over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli.run import missing_tokens, serve
from bot.config import ConfigError, load_settings
from bot.core.events import Actor
from bot.store.models import User
from tests.conftest import LESSONS, make_tutor
from tests.support.dialog import Chat
from tests.support.telegram_cloud import CloudBot, Limits, TelegramCloud
from tests.test_volunteers import make_class, make_volunteer, setup_units

MAIN = "111111:MAINtokenMAINtokenMAINtokenMAINtok"
HUE = "222222:HUEtokenHUEtokenHUEtokenHUEtokenHUE"
LAN = 4242


def write_config(tmp_path: Path, cloud: TelegramCloud, extra: str = "") -> Path:
    config = tmp_path / "bots.yaml"
    config.write_text(
        f"telegram:\n  token: {MAIN}\n  base_url: {cloud.base_url}\n  poll_timeout: 1\n"
        "  bots:\n    - name: hue\n      token_env: HVS_TG_HUE\n      units: [hue]\n" + extra,
        encoding="utf-8",
    )
    return config


@pytest.fixture
async def cloud() -> AsyncIterator[TelegramCloud]:
    server = await TelegramCloud(Limits(enabled=False)).start()
    server.add_bot(MAIN, "hocvuso_main_bot")
    server.add_bot(HUE, "hocvuso_hue_bot")
    yield server
    await server.stop()


@contextlib.asynccontextmanager
async def running(db_url: str, config: Path) -> AsyncIterator:
    settings = load_settings(config, env={"HVS_TG_HUE": HUE})
    tutor = await make_tutor(db_url, LESSONS, telegram=settings.telegram.model_dump())
    stop = asyncio.Event()
    task = asyncio.create_task(serve(tutor, settings, stop))
    try:
        yield tutor
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await tutor.db.close()


def texts(bot: CloudBot, chat: int) -> list[str]:
    return [sent.text for sent in bot.log if sent.chat == chat and sent.method == "sendMessage"]


async def test_a_learner_stays_with_the_bot_they_started_with(
    cloud: TelegramCloud, db_url: str, tmp_path: Path
) -> None:
    main, hue = cloud.bots[MAIN], cloud.bots[HUE]
    async with running(db_url, write_config(tmp_path, cloud)) as tutor:
        await cloud.push(hue, cloud.text_update(LAN, "/start l-thu-nghiem"))
        await cloud.wait_for(lambda: any("Bước 1/4" in t for t in texts(hue, LAN)))
        async with tutor.db.reader() as repo:
            learner = (
                await repo.session.execute(select(User).where(User.external_id == str(LAN)))
            ).scalar_one()
        assert learner.bot == "hue"

        # A message the bot starts itself (a reminder, a volunteer's answer) goes through their bot.
        async with tutor.system_turn(learner.id) as turn:
            turn.say("Nhắc Bác học tiếp nhé.")
        await cloud.wait_for(lambda: "Nhắc Bác học tiếp nhé." in texts(hue, LAN), timeout=20)

        # Writing to the other bot: that bot answers (the chat is with it), the learner stays a
        # learner of the first one, with the same progress.
        await cloud.push(main, cloud.text_update(LAN, "/hoc"))
        await cloud.wait_for(lambda: any("Bước 1/4" in t for t in texts(main, LAN)))
        async with tutor.system_turn(learner.id) as turn:
            turn.say("Nhắc lần nữa.")
        await cloud.wait_for(lambda: "Nhắc lần nữa." in texts(hue, LAN), timeout=20)
        async with tutor.db.reader() as repo:
            again = (
                await repo.session.execute(select(User).where(User.external_id == str(LAN)))
            ).scalar_one()
    assert again.bot == "hue" and again.id == learner.id
    assert "Nhắc lần nữa." not in texts(main, LAN) and "Nhắc Bác học tiếp nhé." not in texts(main, LAN)
    assert texts(main, LAN) and all("Bước 1/4" in t or "Chào" in t for t in texts(main, LAN))


async def test_each_bot_serves_its_own_webhook_path(
    cloud: TelegramCloud, db_url: str, tmp_path: Path, unused_tcp_port: int
) -> None:
    hook = f"http://127.0.0.1:{unused_tcp_port}/telegram"
    extra = (
        f"  mode: webhook\n  webhook:\n    url: {hook}\n    port: {unused_tcp_port}\n"
        "    secret_token: bots-secret-0123456789abcdef0123456789ab\n"
    )
    main, hue = cloud.bots[MAIN], cloud.bots[HUE]
    async with running(db_url, write_config(tmp_path, cloud, extra)):
        await cloud.wait_for(lambda: main.webhook and hue.webhook, timeout=20)
        assert main.webhook == {"url": hook, "secret_token": "bots-secret-0123456789abcdef0123456789ab"}
        assert hue.webhook == {"url": f"{hook}-hue", "secret_token": "bots-secret-0123456789abcdef0123456789ab"}
        await cloud.push(hue, cloud.text_update(LAN, "/start"))
        await cloud.push(main, cloud.text_update(LAN + 1, "/start"))
        await cloud.wait_for(lambda: texts(hue, LAN) and texts(main, LAN + 1))
    assert not texts(main, LAN) and not texts(hue, LAN + 1)  # each answered through its own bot
    assert set(main.webhook_statuses) == set(hue.webhook_statuses) == {200}


@pytest.mark.dates
async def test_a_units_class_link_names_its_bot(db_url: str, clock) -> None:
    tutor = await make_tutor(
        db_url,
        telegram={"token": MAIN, "bots": [{"name": "hue", "token": HUE, "units": ["hue"]}]},
    )
    try:
        await setup_units(tutor, clock.now)
        async with tutor.db.transaction() as repo:
            await repo.upsert_unit("hue-phu-vang", "Xã Phú Vang", "hue", "xa")
        # What the running bots tell the tutor once they know their usernames.
        tutor.default_bots["telegram"] = "main"
        tutor.link_bases.update(
            main="https://t.me/hocvuso_main_bot?start=", hue="https://t.me/hocvuso_hue_bot?start="
        )
        assert tutor.unit_bots == {"hue": "hue"}

        org_hue = Chat(tutor, Actor("console", "org-hue", "Anh Tâm"))
        invite = next(r.text for r in await org_hue.say("/moi hue-phu-vang") if "Lời mời" in r.text)
        assert "https://t.me/hocvuso_hue_bot?start=v-" in invite  # a commune under Huế: Huế's bot
        in_hue = await make_volunteer(org_hue, "tnv-hue", "Hoa", "hue-phu-vang")
        created, _ = await make_class(in_hue, "Lớp Phú Vang")
        assert "https://t.me/hocvuso_hue_bot?start=c-" in created

        org_hn = Chat(tutor, Actor("console", "org-hn", "Chị Hà"))
        in_hn = await make_volunteer(org_hn, "tnv-hn", "Minh", "hn-phuc-xa")
        created, _ = await make_class(in_hn, "Lớp Phúc Xá")
        assert "https://t.me/hocvuso_main_bot?start=c-" in created  # no bot of its own: the default
    finally:
        await tutor.db.close()


def test_several_bots_in_the_config(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "telegram:\n  token: 1:a\n  bots:\n    - {name: hue, token_env: HVS_TG_HUE, units: [hue]}\n"
        "    - {name: da-nang, token_env: HVS_TG_DN}\n",
        encoding="utf-8",
    )
    settings = load_settings(config, env={"HVS_TG_HUE": "2:b"})
    assert [(b.name, b.token) for b in settings.telegram.all_bots()] == [
        ("main", "1:a"),
        ("hue", "2:b"),
        ("da-nang", None),
    ]
    assert missing_tokens(settings) == ["telegram.bots: bot 'da-nang' has no token: set HVS_TG_DN"]

    config.write_text("telegram:\n  bots:\n    - {name: hue}\n    - {name: hue}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config, env={})
    assert "telegram.bots: Value error, bot names must differ: hue" in str(info.value)

    config.write_text("telegram:\n  bots:\n    - {name: Huế}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config, env={})
    assert "telegram.bots.0.name" in str(info.value)

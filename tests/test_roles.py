"""Issue 14 item 6: each role has its own welcome and first screen; `/id` tells anyone their channel
and id; `hocvuso admin grant` refuses what is no chat id; the config is the truth for the organizers
it names, on every start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import apply_config_organizers
from bot.config import Settings
from bot.core.events import Actor
from tests.conftest import LESSONS
from tests.support.dialog import Chat
from tests.support.proc import ROOT, hocvuso_env
from tests.test_volunteers import make_volunteer, setup_units


@pytest.mark.dates
async def test_each_role_is_welcomed_as_what_it_is(tutor, clock) -> None:
    await setup_units(tutor, clock.now)
    org = Chat(tutor, Actor("console", "org-hn", "Chị Hà"))
    replies = await org.say("/start")
    assert replies[0].text.startswith("Chào bạn! Bạn là cán bộ phụ trách Hà Nội trong Học vụ số.")
    assert "Chào Bác" not in "\n".join(r.text for r in replies)
    assert replies[-1].text == "📋 Việc của cán bộ. Bạn chọn một việc:"
    minh = await make_volunteer(org, "tnv-minh", "Minh", "hn-phuc-xa")
    replies = await minh.say("/start")
    assert replies[-1].text == "🧑‍🏫 Việc của tình nguyện viên. Bạn chọn một việc:"
    # Someone granted a role before they ever wrote gets that role's welcome on first contact.
    async with tutor.db.transaction() as repo:
        await repo.grant("console", "tnv-new", "volunteer", "hn-an-khanh", clock.now)
    replies = await org.person("tnv-new", "Khánh").say("xin chào")
    assert replies[0].text.startswith("Chào bạn! Bạn là tình nguyện viên của Xã An Khánh trong Học vụ số.")
    assert replies[-1].text.startswith("🧑‍🏫 Việc của tình nguyện viên.")
    # Learners keep theirs.
    replies = await org.person("lan", "Bà Lan").say("/start")
    assert replies[0].text.startswith("Chào Bác! Cháu là Học vụ số")


async def test_text_not_understood_is_answered_in_each_roles_own_address(tutor, clock) -> None:
    await setup_units(tutor, clock.now)
    org = Chat(tutor, Actor("console", "org-hn", "Chị Hà"))
    minh = await make_volunteer(org, "tnv-minh", "Minh", "hn-phuc-xa")
    lan = org.person("lan", "Bà Lan")
    await lan.say("/start")
    for chat, expected in ((org, "Chưa rõ ý bạn."), (minh, "Chưa rõ ý bạn."), (lan, "Cháu chưa hiểu ý Bác.")):
        replies = await chat.say("abc xyz")
        assert replies[0].text.startswith(expected), replies[0].text
        assert ("Bác" in replies[0].text) is (chat is lan)


async def test_id_shows_ones_own_channel_and_id(tutor) -> None:
    lan = Chat(tutor, Actor("console", "lan", "Bà Lan"))
    await lan.say("/start")
    replies = await lan.say("/id")
    assert replies[0].text == (
        "🆔 Bác dùng máy tính (console), mã: lan\n"
        "Để cấp quyền, người quản trị gõ: hocvuso admin grant volunteer console:lan"
    )
    assert replies[0].buttons  # the menu's choices stay on screen


def grant(db: Path, person: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "admin", "grant", "organizer", person],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=hocvuso_env(f"sqlite+aiosqlite:///{db}", LESSONS),
        cwd=ROOT,
        timeout=120,
    )


def test_admin_grant_refuses_a_username_and_says_how_to_find_the_id(tmp_path: Path) -> None:
    proc = grant(tmp_path / "a.db", "telegram:@ha_tinhdoan")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "hocvuso: 'telegram:@ha_tinhdoan' is not a Telegram chat id: use the numeric id, like "
        "telegram:123456789 (the person sends /id to the bot, which answers with the exact value to use)"
    )
    assert "Traceback" not in proc.stderr
    ok = grant(tmp_path / "a.db", "telegram:123456789")
    assert ok.returncode == 0 and ok.stdout.startswith("OK: telegram:123456789 is now organizer")


@pytest.mark.dates
async def test_the_config_is_the_truth_for_the_organizers_it_names(tutor, clock) -> None:
    base = tutor.settings.model_dump()
    await apply_config_organizers(
        tutor.db, Settings.model_validate({**base, "organizers": ["console:a", "console:b"]})
    )
    async with tutor.db.transaction() as repo:
        await repo.grant("console", "by-hand", "organizer", None, clock.now)  # `hocvuso admin grant`
    # Removed from the config: a learner on the next start. Granted by hand: not the config's.
    await apply_config_organizers(tutor.db, Settings.model_validate({**base, "organizers": ["console:b"]}))
    async with tutor.db.reader() as repo:
        roles = {name: (await repo.user_by_external("console", name)).role for name in ("a", "b", "by-hand")}
    assert roles == {"a": "learner", "b": "organizer", "by-hand": "organizer"}

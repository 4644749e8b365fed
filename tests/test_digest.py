"""The Monday digest: from 08:00 local time on Monday, once a week, each organizer gets the past
week of their scope and the units behind their targets; /bantin turns it off and on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core.scheduler import Scheduler
from bot.store.models import Outbox, User
from tests.conftest import make_tutor
from tests.support.campaign import actor, press, setup_province, volunteer
from tests.support.clock import LOCAL, Clock, local
from tests.support.dialog import Chat

pytestmark = pytest.mark.dates


def next_monday(clock: Clock, hour: int, minute: int = 0) -> tuple:
    """The first Monday `hour:minute` (local) after the clock's start, as naive UTC, and its date."""
    day = clock.local_now.date() + timedelta(days=1)
    while day.weekday() != 0:
        day += timedelta(days=1)
    return local(day.year, day.month, day.day, hour, minute), day


async def digests(tutor) -> dict[str, list[str]]:
    async with tutor.db.reader() as repo:
        rows = (
            await repo.session.execute(
                select(User.external_id, Outbox.payload).join(User, User.id == Outbox.user_id)
            )
        ).all()
    found: dict[str, list[str]] = {}
    for external_id, payload in rows:
        if payload.get("text", "").startswith("📰 Bản tin tuần"):
            found.setdefault(external_id, []).append(payload["text"])
    return found


@pytest.fixture
async def campaign(db_url: str, clock: Clock):
    start = clock.local_now.date() - timedelta(days=10)
    settings = {
        "name": "Bình dân học vụ số",
        "start": start.isoformat(),
        "end": (start + timedelta(days=30)).isoformat(),
        "targets": {"people_supported": 100},
        "unit_targets": {
            "qn-a": {"people_supported": 100, "classes_held": 2},
            "qn-b": {"people_supported": 2},
        },
    }
    tutor = await make_tutor(db_url, campaign=settings)
    await setup_province(tutor, clock.now)
    org = Chat(tutor, actor("org-qn", "Chị Thảo"))
    a1 = await volunteer(org, "a1", "Anh Một", "qn-a")
    b1 = await volunteer(org, "b1", "Bình", "qn-b")
    # This week: 3 people helped in Xã A, 2 in Phường B (Phường B meets its target, Xã A does not).
    for chat, kind, people, place in (
        (a1, "🪪 VNeID", "3", "🏛 Trung tâm"),
        (b1, "📱 Thao tác", "2", "🏠 Tại nhà"),
    ):
        await chat.say("/hotro")
        await press(chat, kind)
        await chat.say(people)
        await press(chat, place)
    yield tutor, org
    await tutor.db.close()


async def test_the_digest_goes_out_on_monday_from_eight_once_a_week(campaign, clock) -> None:
    tutor, org = campaign
    # Thái Nguyên's organizer turns it off.
    tn = org.person("org-tn", "Anh Nguyên")
    replies = await tn.say("/bantin")
    assert replies[0].text.startswith("🔔 Bản tin thứ Hai (8:00) đang bật")
    replies = await press(tn, "🔕 Tắt bản tin")
    assert replies[0].text.startswith("🔕 Đã tắt bản tin thứ Hai.")

    scheduler = Scheduler(tutor)
    monday_0759, monday = next_monday(clock, 7, 59)
    clock.set(monday_0759)
    assert (await scheduler.tick(clock.now))["digest"] == 0  # not before 08:00
    clock.advance(minutes=1)
    assert (await scheduler.tick(clock.now))["digest"] == 2  # Quảng Ninh's two organizers
    clock.advance(hours=3)
    assert (await scheduler.tick(clock.now))["digest"] == 0  # once a week
    clock.advance(days=1)
    assert (await scheduler.tick(clock.now))["digest"] == 0  # never on Tuesday
    sent = await digests(tutor)
    assert sorted(sent) == ["org-a", "org-qn"]

    week = f"{monday - timedelta(days=7):%d/%m}–{monday - timedelta(days=1):%d/%m}"
    (text,) = sent["org-qn"]
    assert len(text) <= 500
    lines = text.splitlines()
    assert lines[0] == f"📰 Bản tin tuần {week} — Quảng Ninh"
    assert lines[1].startswith(
        "Tuần qua: 0 buổi học (0 lượt dự), 5 lượt người dân được hỗ trợ (3 tại trung tâm), 0 ra quân"
    )
    # Behind: Xã A (no class held of 2, 3 people of 100, while a third of the period is gone);
    # Phường B met its target; Quảng Ninh has no targets of its own.
    assert lines[2].startswith("⚠️ Chậm so với chỉ tiêu (chiến dịch đã qua ")
    assert lines[3:] == ["• Xã A: lớp đã tổ chức 0% · người dân được hỗ trợ 3%"]
    (commune,) = sent["org-a"]
    assert commune.splitlines()[0].endswith("— Xã A") and "3 lượt người dân được hỗ trợ" in commune
    assert "Phường B" not in commune and "Toàn chiến dịch" not in commune

    # Next Monday again; turned back on, Thái Nguyên gets its own (with nothing behind there).
    await tn.say("/bantin")
    replies = await press(tn, "🔔 Bật bản tin")
    assert replies[0].text.startswith("🔔 Đã bật bản tin thứ Hai")
    clock.set(monday_0759 + timedelta(days=7, minutes=1))
    assert (await scheduler.tick(clock.now))["digest"] == 3
    tn_text = (await digests(tutor))["org-tn"][0]
    assert tn_text.splitlines()[1].startswith("Tuần qua: 0 buổi học (0 lượt dự), 0 lượt người dân")
    assert tn_text.splitlines()[2] == "✅ Các đơn vị có chỉ tiêu đều đúng tiến độ."
    assert monday.weekday() == 0 and clock.local_now.astimezone(LOCAL).weekday() == 0


async def test_the_digest_button_turns_it_off(campaign, clock) -> None:
    tutor, org = campaign
    monday_0800, _ = next_monday(clock, 8)
    clock.set(monday_0800)
    await Scheduler(tutor).tick(clock.now)
    # The digest is the organizer's newest screen: its «Tắt» button is pressed as typed «2».
    replies = await org.say("2")
    assert replies[0].text.startswith("🔕 Đã tắt bản tin thứ Hai.")
    clock.set(monday_0800 + timedelta(days=7))
    assert (await Scheduler(tutor).tick(clock.now))["digest"] == 2  # Xã A's and Thái Nguyên's
    sent = await digests(tutor)
    assert (len(sent["org-qn"]), len(sent["org-a"]), len(sent["org-tn"])) == (1, 2, 2)

"""Issue 14 items 5 and 7, through the tutor: an assigned lesson opens even before its prerequisite
(and the volunteer is told what the learner skips); wording where links do not exist; a class time
in the past is asked about once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core.events import Actor, Choice
from bot.store.models import Class
from tests.support.clock import LOCAL
from tests.support.dialog import Chat
from tests.test_volunteers import make_class, make_volunteer, setup_units

pytestmark = pytest.mark.dates


@pytest.fixture
async def world(tutor, clock):
    await setup_units(tutor, clock.now)
    org = Chat(tutor, Actor("console", "org-hn", "Chị Hà"))
    minh = await make_volunteer(org, "tnv-minh", "Minh", "hn-phuc-xa")
    return tutor, org, minh


async def test_an_assignment_waives_the_prerequisite_for_its_learners(world) -> None:
    _tutor, _org, minh = world
    _text, klass = await make_class(minh)
    lan = minh.person("lan", "Bà Lan")
    await lan.say(klass.short_code)
    replies = await minh.say(f"/giaobai bai-hai {klass.short_code}")
    assert replies[-1].text.startswith(
        "📌 Đã giao bài «Bài thứ hai» cho lớp «Lớp điện thoại thôn 3». Bài này thường học sau «Bài thử nghiệm»; "
        "vì bạn giao, học viên mở được ngay"
    )
    note = lan.received()[-1]
    assert note.text.startswith("📌 Tình nguyện viên Minh giao cho Bác bài «Bài thứ hai».")
    menu = (await lan.say("menu"))[-1]
    assert menu.buttons[0].label == "📌 Bài được giao: Bài thứ hai"
    opened = await lan.say("1")
    assert opened[-1].text.startswith("📖 Bài: Bài thứ hai") and "Bước 1/2" in opened[-1].text
    # «▶️ Học ngay» under the notice opens it too; someone it was not assigned to still meets the lock.
    assert (await lan.send(Choice(note.buttons[0].data)))[-1].text.startswith("Bước 1/2")
    hoa = minh.person("hoa", "Bà Hoa")
    await hoa.say("/start")
    locked = await hoa.send(Choice(note.buttons[0].data))
    assert locked[-1].text.startswith("Bài «Bài thứ hai» cần học trước bài «Bài thử nghiệm»")


async def test_no_link_means_no_send_this_link_and_codes_on_lines_of_their_own(world) -> None:
    _tutor, org, minh = world
    invite = next(r for r in await org.say("/moi hn-an-khanh") if "Lời mời" in r.text)
    assert "Gửi link này" not in invite.text and "Trên Zalo" not in invite.text
    assert invite.text.splitlines()[-1].startswith("Người được mời nhắn cho bot và gõ mã: ")
    _text, klass = await make_class(minh, "Zalo cho người cao tuổi")
    created = (await minh.say("/lop"))[-1]
    await minh.say("1")
    shown = [r for r in minh.received() if r.text.startswith("🏫 Lớp «Zalo cho người cao tuổi»")][-1]
    assert (
        created.buttons
        and shown.text.splitlines()[-1] == f"Học viên nhắn cho bot và gõ mã: {klass.short_code}"
    )
    # With links (Telegram), each link ends its own line: no full stop glued to it.
    minh.tutor.link_base = "https://t.me/hocvuso_test_bot?start="
    try:
        await minh.say("/lop")
        shown = (await minh.say("1"))[-1]
    finally:
        minh.tutor.link_base = None
    lines = shown.text.splitlines()
    assert f"https://t.me/hocvuso_test_bot?start=c-{klass.code}" in lines


async def test_a_class_time_in_the_past_is_asked_about_once(world, clock) -> None:
    tutor, _org, minh = world
    gone = (clock.local_now - timedelta(days=3)).replace(hour=8, minute=0)
    later = (clock.local_now + timedelta(days=3)).replace(hour=8, minute=0)
    await minh.say("/taolop")
    await minh.say("Lớp Zalo thôn 5")
    await minh.say("bo qua")
    asked = (await minh.say(gone.strftime("%d/%m/%Y 8:00")))[-1]
    assert asked.text == f"Ngày giờ {gone:%H:%M %d/%m/%Y} đã qua rồi. Bạn vẫn muốn ghi ngày giờ này cho lớp?"
    assert [b.label for b in asked.buttons] == [
        f"Đúng, ghi {gone:%H:%M %d/%m/%Y}",
        "✏️ Gõ lại ngày giờ",
        "✖️ Hủy",
    ]
    async with tutor.db.reader() as repo:
        assert (await repo.session.execute(select(Class))).first() is None  # not created yet
    await minh.say("2")  # ✏️ Gõ lại
    created = (await minh.say(later.strftime("%d/%m/%Y 8:00")))[-1]
    assert created.text.startswith(f"✅ Đã tạo lớp «Lớp Zalo thôn 5» ({later:%H:%M %d/%m/%Y})")
    # A past time kept on purpose is kept.
    await minh.say("/taolop")
    await minh.say("Lớp buổi trước")
    await minh.say("bo qua")
    await minh.say(gone.strftime("%d/%m/%Y 8:00"))
    created = (await minh.say("1"))[-1]
    assert created.text.startswith(f"✅ Đã tạo lớp «Lớp buổi trước» ({gone:%H:%M %d/%m/%Y})")
    assert gone.tzinfo == LOCAL

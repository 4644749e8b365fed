"""Issue 14 item 4, through the tutor: becoming a volunteer is a decision, not an accident. An
invitation asks first; a learner keeps their progress; a volunteer of another unit is told what
happens to their classes; the organizer hears who accepted; invitations can be listed, revoked,
and never give more uses than their limit, even under concurrent joins on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.core.events import Actor
from bot.store.models import Class, Invite, User
from tests.support.dialog import Chat
from tests.test_volunteers import code_in, make_class, make_volunteer, setup_units

pytestmark = pytest.mark.dates  # invitations expire: the frozen clock


@pytest.fixture
async def world(tutor, clock):
    await setup_units(tutor, clock.now)
    org = Chat(tutor, Actor("console", "org-hn", "Chị Hà"))
    return tutor, org


async def new_invite(org: Chat, unit: str) -> str:
    replies = await org.say(f"/moi {unit}")
    return code_in(next(r.text for r in replies if "Lời mời" in r.text))


async def role_of(tutor, external_id: str) -> tuple[str, str | None]:
    async with tutor.db.reader() as repo:
        user = await repo.user_by_external("console", external_id)
    return user.role, user.unit_id


async def uses_of(tutor, code: str) -> int:
    async with tutor.db.reader() as repo:
        return (await repo.invite_by_code(code.replace("-", ""))).uses  # shown as ABCD-EFGH-JKMN


async def test_a_learner_mid_lesson_is_asked_and_keeps_their_progress(world) -> None:
    tutor, org = world
    code = await new_invite(org, "hn-phuc-xa")
    lan = org.person("lan", "Bà Lan")
    await lan.say("/start l-thu-nghiem")
    await lan.say("1")  # now on step 2
    asked = (await lan.say(code))[-1]
    assert asked.text.startswith(
        "✉️ Lời mời của Chị Hà: bạn sẽ trở thành tình nguyện viên của Phường Phúc Xá."
    )
    assert "Các bài bạn đang học vẫn được giữ nguyên." in asked.text
    assert [b.label for b in asked.buttons] == ["✅ Đồng ý", "Không, cảm ơn"]
    assert await role_of(tutor, "lan") == ("learner", None)  # nothing changed yet
    back = await lan.say("2")  # Không, cảm ơn: back to the step
    assert back[0].text == "Dạ, không có gì thay đổi."
    assert back[-1].text.startswith("Bước 2/4")
    assert await role_of(tutor, "lan") == ("learner", None)
    assert await uses_of(tutor, code) == 0

    await lan.say(code)
    replies = await lan.say("1")  # ✅ Đồng ý
    assert replies[0].text.startswith("🎉 Chào mừng bạn trở thành tình nguyện viên của Phường Phúc Xá!")
    assert await role_of(tutor, "lan") == ("volunteer", "hn-phuc-xa")
    assert org.received()[-1].text.startswith(
        "✉️ Bà Lan đã nhận lời mời làm tình nguyện viên của Phường Phúc Xá (còn 19 lượt"
    )
    menu = (await lan.say("menu"))[-1]
    assert menu.buttons[0].label == "▶️ Học tiếp: Bài thử nghiệm"  # the lesson is still there
    assert (await lan.say("1"))[-1].text.startswith("Bước 2/4")

    # Typing the code again changes nothing and uses nothing up.
    replies = await lan.say(code)
    assert replies[0].text.startswith("Bạn đã là tình nguyện viên của Phường Phúc Xá rồi.")
    assert await uses_of(tutor, code) == 1


async def test_a_volunteer_moving_units_is_asked_and_told_what_happens_to_their_classes(world) -> None:
    tutor, org = world
    minh = await make_volunteer(org, "tnv-minh", "Minh", "hn-phuc-xa")
    _text, klass = await make_class(minh)
    await minh.person("lan", "Bà Lan").say(klass.short_code)
    other = await new_invite(org, "hn-an-khanh")
    asked = (await minh.say(other))[-1]
    assert asked.text == (
        "✉️ Lời mời của Chị Hà: chuyển bạn từ Phường Phúc Xá sang làm tình nguyện viên của Xã An Khánh.\n"
        "1 lớp và 1 học viên của bạn vẫn ở Phường Phúc Xá và vẫn do bạn phụ trách, cho đến khi cán bộ "
        "chuyển họ cho người khác. Bạn có muốn chuyển không?"
    )
    assert [b.label for b in asked.buttons] == ["✅ Chuyển sang Xã An Khánh", "Không, ở lại Phường Phúc Xá"]
    await minh.say("2")
    assert await role_of(tutor, "tnv-minh") == ("volunteer", "hn-phuc-xa")
    await minh.say(other)
    replies = await minh.say("1")
    assert replies[0].text.startswith("✅ Từ nay bạn là tình nguyện viên của Xã An Khánh.")
    assert await role_of(tutor, "tnv-minh") == ("volunteer", "hn-an-khanh")
    assert "chuyển từ Phường Phúc Xá" in org.received()[-1].text
    async with tutor.db.reader() as repo:
        row = await repo.class_(klass.id)
    assert (row.unit_id, row.volunteer_id) == ("hn-phuc-xa", klass.volunteer_id)  # as announced


async def test_organizers_list_and_revoke_invitations(world, clock) -> None:
    tutor, org = world
    first = await new_invite(org, "hn-phuc-xa")
    second = await new_invite(org, "hn-an-khanh")
    minh = org.person("tnv-minh", "Minh")
    await minh.say(first)
    await minh.say("1")
    listing = (await org.say("/loimoi"))[-1]
    assert listing.text.startswith("📨 Lời mời còn dùng được (2):")
    assert f"• {first} · Phường Phúc Xá · còn 19/20 lượt · hết hạn " in listing.text
    assert f"• {second} · Xã An Khánh · còn 20/20 lượt" in listing.text
    labels = [b.label for b in listing.buttons]
    assert f"🗑 Thu hồi {second}" in labels and f"🗑 Thu hồi {first}" in labels
    replies = await org.say(str(labels.index(f"🗑 Thu hồi {second}") + 1))
    assert replies[-1].text.startswith(f"🗑 Đã thu hồi lời mời {second} (Xã An Khánh).")
    stranger = org.person("stranger", "Người lạ")
    replies = await stranger.say(second)
    assert any("không đúng hoặc đã hết hạn" in r.text for r in replies)
    assert await role_of(tutor, "stranger") == ("learner", None)
    # Another province's organizer sees none of Hà Nội's invitations and cannot revoke them.
    hue = org.person("org-hue", "Anh Huế")
    assert "Không có lời mời nào" in (await hue.say("/loimoi"))[-1].text
    replies = await hue.say(f"/thuhoi {first}")
    assert "Không tìm thấy lời mời này" in replies[-1].text
    assert await uses_of(tutor, first) == 1


async def test_a_volunteer_rotates_a_class_code(world) -> None:
    tutor, org = world
    minh = await make_volunteer(org, "tnv-minh", "Minh", "hn-phuc-xa")
    _text, klass = await make_class(minh)
    lan = minh.person("lan", "Bà Lan")
    await lan.say(klass.short_code)
    shown = (await minh.say("/lop"))[-1]
    await minh.say("1")  # the class
    rotated = (await minh.say("🔄 Đổi mã lớp"))[-1]
    assert shown.buttons and rotated.text.startswith("🔄 Đã đổi mã lớp «Lớp điện thoại thôn 3».")
    new_code = code_in(rotated.text)
    assert new_code != klass.short_code
    replies = await minh.person("hoa", "Bà Hoa").say(klass.short_code)
    assert any("không đúng hoặc đã hết hạn" in r.text for r in replies)
    replies = await minh.person("tu", "Bà Tư").say(new_code)
    assert any("Bác đã vào lớp «Lớp điện thoại thôn 3»" in r.text for r in replies)
    async with tutor.db.reader() as repo:
        names = sorted(u.display_name for u in await repo.enrolled(klass.id))
    assert names == ["Bà Lan", "Bà Tư"]  # who was in stays in


@pytest.mark.postgres
async def test_concurrent_joins_never_take_more_uses_than_the_limit(pg_server, clock) -> None:
    from tests.conftest import fresh_pg_url, make_tutor

    tutor = await make_tutor(fresh_pg_url(pg_server))
    try:
        await setup_units(tutor, clock.now)
        org = Chat(tutor, Actor("console", "org-hn", "Chị Hà"))
        code = await new_invite(org, "hn-phuc-xa")
        stored = code.replace("-", "")  # shown in groups of four, stored without the dashes
        async with tutor.db.transaction() as repo:
            invite = await repo.invite_by_code(stored)
            invite.max_uses = 3
        people = [org.person(f"p{i}", f"Người {i}") for i in range(10)]

        async def join(person: Chat) -> None:
            await person.say(code)
            await person.say("1")  # ✅ Đồng ý

        await asyncio.gather(*(join(person) for person in people))
        async with tutor.db.reader() as repo:
            volunteers = (
                await repo.session.execute(
                    select(func.count()).select_from(User).where(User.role == "volunteer")
                )
            ).scalar_one()
            uses = (
                await repo.session.execute(select(Invite.uses).where(Invite.short_code == stored))
            ).scalar_one()
        assert (volunteers, uses) == (3, 3)
        refused = [p for p in people if any("hết lượt hoặc hết hạn" in r.text for r in p.received())]
        assert len(refused) == 7
    finally:
        await tutor.db.close()


async def test_classes_in_the_list_of_a_volunteer(world) -> None:
    """Not «Lớp Lớp …», and no unexplained «(2)» in the assign menu."""
    tutor, org = world
    minh = await make_volunteer(org, "tnv-minh", "Minh", "hn-phuc-xa")
    _text, klass = await make_class(minh)
    for external, name in [("lan", "Bà Lan"), ("hoa", "Bà Hoa")]:
        await minh.person(external, name).say(klass.short_code)
    menu = (await minh.say("/giaobai"))[-1]
    assert menu.buttons[0].label == "🏫 Lớp điện thoại thôn 3 · 2 học viên"
    async with tutor.db.reader() as repo:
        assert (await repo.session.execute(select(func.count()).select_from(Class))).scalar_one() == 1

"""/hotro: support given face to face, in four taps, counts only; /hoantac within 10 minutes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.store.models import Class, SupportEntry
from tests.support.campaign import actor, press, setup_province, volunteer
from tests.support.dialog import Chat

pytestmark = pytest.mark.dates  # the undo window and "today" run on the frozen clock


@pytest.fixture
async def people(sqlite_tutor, clock):
    tutor = sqlite_tutor
    await setup_province(tutor, clock.now)
    org = Chat(tutor, actor("org-qn", "Chị Thảo"))
    return tutor, org, await volunteer(org, "a1", "Anh Một", "qn-a")


async def entries(tutor) -> list[tuple]:
    async with tutor.db.reader() as repo:
        rows = (await repo.session.execute(select(SupportEntry).order_by(SupportEntry.id))).scalars()
        return [(e.kind, e.people, e.place, e.unit_id, e.session_id, e.event_id, e.learner_id) for e in rows]


async def log(chat: Chat, kind: str, people: str, place: str) -> str:
    await chat.say("/hotro")
    await press(chat, kind)
    await chat.say(people)
    return (await press(chat, place))[-1].text


async def test_undo_works_for_ten_minutes_and_only_on_the_last_entry(people, clock) -> None:
    tutor, _org, a1 = people
    await log(a1, "🪪 VNeID", "1", "🏠 Tại nhà")
    await log(a1, "💳 Thanh toán", "2", "🏛 Trung tâm")
    clock.advance(minutes=9, seconds=59)
    replies = await a1.say("/hoantac")
    assert replies[0].text.startswith(
        "↩️ Đã xóa lượt vừa ghi: 2 người · thanh toán · tại trung tâm phục vụ HCC."
    )
    assert await entries(tutor) == [("vneid", 1, "home", "qn-a", None, None, None)]
    # The first entry is now the last, but it was made 9:59 ago: one more second and it is kept.
    clock.advance(seconds=2)
    replies = await a1.say("/hoantac")
    assert replies[0].text.startswith("Không có lượt hỗ trợ nào bạn ghi trong 10 phút qua để hoàn tác.")
    assert len(await entries(tutor)) == 1
    # The button under a fresh entry undoes it too.
    await log(a1, "🤖 Dùng công cụ AI", "3", "🏠 Tại nhà")
    replies = await press(a1, "↩️ Hoàn tác")
    assert replies[0].text.startswith("↩️ Đã xóa lượt vừa ghi: 3 người · công cụ AI")
    assert len(await entries(tutor)) == 1


async def test_four_taps_typed_numbers_and_cancelling(people) -> None:
    tutor, _org, a1 = people
    # Typed numbers as Zalo and the console show them: «1» from the main menu, then 1, 1, 2.
    await a1.say("/menu")
    replies = await press(a1, "🤝 Ghi lượt hỗ trợ người dân")  # tap 1
    assert replies[-1].text == "🤝 Ghi lượt hỗ trợ người dân. Bạn đã giúp việc gì?"
    await a1.say("1")  # tap 2: VNeID
    await a1.say("1")  # tap 3: 1 person (the default)
    replies = await a1.say("2")  # tap 4: at home or elsewhere (no session, no event today)
    assert replies[-1].text.startswith(
        "✅ Đã ghi: 1 người · VNeID · tại nhà, nơi khác.\nHôm nay bạn đã ghi 1 lượt"
    )
    # More than five people: typed; a word that is no number is asked again; «hủy» cancels.
    await a1.say("/hotro")
    await a1.say("2")
    replies = await a1.say("mười hai")
    assert replies[0].text.startswith("Bạn bấm hoặc gõ một con số từ 1 đến 500")
    replies = await a1.say("12")
    assert replies[-1].text.startswith("🤝 dịch vụ công, 12 người. Ở đâu?")
    await a1.say("/hotro")
    await a1.say("3")
    replies = await a1.say("hủy")
    assert replies[0].text.startswith("Dạ, chưa ghi gì.")
    await a1.say("/hotro")
    await a1.say("4")
    replies = await a1.say("0")
    assert replies[0].text.startswith("Bạn bấm hoặc gõ một con số")
    assert await entries(tutor) == [("vneid", 1, "home", "qn-a", None, None, None)]


async def test_places_follow_what_the_volunteer_is_doing(people, clock) -> None:
    tutor, org, a1 = people
    for line in ("/taolop", "Lớp thôn 1", "bỏ qua", "bỏ qua"):
        await a1.say(line)
    async with tutor.db.reader() as repo:
        class_code = (await repo.session.execute(select(Class.short_code))).scalar_one()
    lan = org.person("lan", "Bà Lan")
    await lan.say(class_code)
    await a1.say("/buoihoc")
    await press(a1, "▶️ Bắt đầu buổi học ngay")
    await org.say("/taoraquan")
    await press(org, "🏛 Trực tại trung tâm")
    await press(org, "📅 Hôm nay")
    await org.say("Trung tâm xã A")
    await org.say("qn-a")
    await press(org, "✔️ Xong")
    await a1.say("/raquan")
    await press(a1, "🏛 Trực trung tâm")
    await press(a1, "✅ Tôi có mặt")
    await a1.say("/hotro")
    await press(a1, "🏛 Dịch vụ công")
    replies = await a1.say("1")
    labels = [b.label for b in replies[-1].buttons]
    assert labels == [
        "🏫 Buổi học Lớp thôn 1",
        "🏛 Trực trung tâm: Trung tâm xã A",
        "🏠 Tại nhà, nơi khác",
        "✖️ Hủy",
    ]
    await press(a1, "🏫 Buổi học")
    # Optionally, the person helped is a learner in the bot: one tap more.
    await press(a1, "👤 Gắn với học viên")
    replies = await press(a1, "👤 Bà Lan")
    assert replies[0].text.startswith("👤 Đã gắn lượt hỗ trợ với học viên Bà Lan.")
    await a1.say("/hotro")
    await press(a1, "🪪 VNeID")
    await a1.say("2")
    await press(a1, "🏛 Trực trung tâm")
    rows = await entries(tutor)
    assert [(kind, n, place, unit) for kind, n, place, unit, *_ in rows] == [
        ("dvc", 1, "session", "qn-a"),
        ("vneid", 2, "center", "qn-a"),
    ]
    assert rows[0][4] is not None and rows[0][6] is not None  # the session, and Bà Lan
    assert rows[1][5] is not None and rows[1][6] is None  # the shift; nobody named
    # The next day neither the session (open 12 hours at most) nor yesterday's shift is offered.
    clock.advance(days=1)
    await a1.say("/hotro")
    await press(a1, "🏛 Dịch vụ công")
    replies = await a1.say("1")
    assert [b.label for b in replies[-1].buttons] == [
        "🏛 Trung tâm phục vụ hành chính công",
        "🏠 Tại nhà, nơi khác",
        "✖️ Hủy",
    ]


async def test_only_counts_are_stored_about_the_people_helped(people) -> None:
    """The entry's columns are what the privacy section promises: what, how many, where, who logged
    it, and a learner only when the volunteer names one of their own learners."""
    assert [c.name for c in SupportEntry.__table__.columns] == [
        "id",
        "volunteer_id",
        "kind",
        "place",
        "people",
        "unit_id",
        "session_id",
        "event_id",
        "learner_id",
        "created_at",
    ]
    tutor, _org, a1 = people
    await log(a1, "➕ Việc khác", "1", "🏠 Tại nhà")
    assert await entries(tutor) == [("other", 1, "home", "qn-a", None, None, None)]

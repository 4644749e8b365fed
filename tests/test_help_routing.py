"""Issue 14 items 2 and 3, through the tutor: typed text goes only where the volunteer meant it to go,
and no help request is lost — it always reaches a person, follows the learner when they move."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.events import Actor, Choice
from bot.core.scheduler import Scheduler
from bot.store.models import HelpRequest
from tests.conftest import make_tutor
from tests.support.dialog import Chat
from tests.test_volunteers import make_class, make_volunteer, setup_units

pytestmark = pytest.mark.dates  # invitations expire; the world is built on the frozen clock


@pytest.fixture
async def world(tutor, clock):
    await setup_units(tutor, clock.now)
    org = Chat(tutor, Actor("console", "org-hn", "Chị Hà"))
    minh = await make_volunteer(org, "tnv-minh", "Minh", "hn-phuc-xa")
    _text, klass = await make_class(minh)
    lan = minh.person("lan", "Bà Lan")
    await lan.say(klass.short_code)
    await lan.say("/start l-thu-nghiem")
    return tutor, org, minh, lan


def answers_to(learner: Chat) -> list[str]:
    return [r.text for r in learner.received() if r.text.startswith("💬")]


async def press_answer(volunteer: Chat) -> None:
    """Press «✍️ Trả lời» under the newest help request the volunteer received."""
    note = next(r for r in reversed(volunteer.received()) if r.text.startswith("🙋"))
    await volunteer.send(Choice(note.buttons[0].data))


async def test_a_command_start_or_menu_ends_answer_mode(world) -> None:
    _tutor, _org, minh, lan = world
    await lan.say("giúp")
    for leave in ["/start", "/tnvmenu", "menu"]:
        await press_answer(minh)
        await minh.say(leave)
        replies = await minh.say("Tối nay mình đi đá bóng nhé")  # meant for a friend, not for Bà Lan
        assert answers_to(lan) == [], leave
        assert not any(r.text.startswith("Bạn sẽ gửi") for r in replies), leave


async def test_a_typed_answer_is_seen_once_before_it_goes(world) -> None:
    _tutor, _org, minh, lan = world
    await lan.say("giúp")
    await press_answer(minh)
    preview = (await minh.say("Bác bấm nút Tiếp tục ạ"))[-1]
    assert preview.text.startswith("Bạn sẽ gửi cho Bà Lan (yêu cầu #")
    assert "«Bác bấm nút Tiếp tục ạ»" in preview.text
    assert [b.label for b in preview.buttons] == ["📤 Gửi", "✏️ Sửa", "✖️ Hủy"]
    assert answers_to(lan) == []
    await minh.say("2")  # ✏️ Sửa
    await minh.say("Bác bấm nút «Tiếp tục» màu xanh ạ")
    assert answers_to(lan) == []
    done = await minh.say("1")  # 📤 Gửi
    assert answers_to(lan) == ["💬 Tình nguyện viên Minh trả lời Bác:\nBác bấm nút «Tiếp tục» màu xanh ạ"]
    # Resolving is one number away on every channel: it is a choice of the screen shown next.
    assert done[-1].text.startswith("✅ Đã gửi câu trả lời cho Bà Lan.")
    await minh.say("1")  # ✅ Đã giải quyết
    assert lan.received()[-1].text.startswith("✅ Tình nguyện viên Minh đã giải quyết")

    # «Hủy» sends nothing; with previews turned off the answer goes at once.
    await lan.say("giúp")
    await press_answer(minh)
    await minh.say("Câu này chưa đúng")
    await minh.say("3")  # ✖️ Hủy
    assert len(answers_to(lan)) == 1
    assert (await minh.say("/xemtruoc tat"))[0].text.startswith("Từ nay câu trả lời của bạn được gửi ngay")
    await press_answer(minh)
    await minh.say("Bác mở Cài đặt ạ")
    assert answers_to(lan)[-1].endswith("Bác mở Cài đặt ạ")


async def test_help_requests_are_a_screen_answered_by_number(world) -> None:
    _tutor, _org, minh, lan = world
    await lan.say("giúp")
    listing = (await minh.say("/yeucau"))[-1]
    assert listing.text.startswith("🙋 Yêu cầu giúp đỡ đang chờ (1)")
    assert listing.buttons[0].label.startswith("🙋 #") and "Bà Lan" in listing.buttons[0].label
    request = (await minh.say("1"))[-1]
    assert "Bài: Bài thử nghiệm" in request.text
    assert [b.label for b in request.buttons][:2] == ["✍️ Trả lời", "✅ Đã giải quyết"]
    await minh.say("1")
    await minh.say("Bác bấm Tiếp tục ạ")
    await minh.say("1")
    assert answers_to(lan) == ["💬 Tình nguyện viên Minh trả lời Bác:\nBác bấm Tiếp tục ạ"]


async def test_a_learner_without_a_class_reaches_the_campaigns_organizers(tutor, clock) -> None:
    await setup_units(tutor, clock.now)
    async with tutor.db.transaction() as repo:
        await repo.grant("console", "org-all", "organizer", None, clock.now)
    lan = Chat(tutor, Actor("console", "lan", "Bà Lan"))
    await lan.say("/start l-thu-nghiem")
    replies = await lan.say("giúp")
    assert replies[0].text.startswith("🙋 Cháu đã báo cho người giúp.")
    boss = lan.person("org-all", "Anh Tuấn")
    note = boss.received()[-1]
    assert note.text.startswith("🙋 Bà Lan cần giúp (yêu cầu #")
    assert "Chưa có tình nguyện viên nào phụ trách học viên này" in note.text
    assert [r for r in lan.person("org-hn", "Chị Hà").received() if "cần giúp" in r.text] == []
    await boss.send(Choice(note.buttons[0].data))
    await boss.say("Bác bấm Tiếp tục ạ")
    await boss.say("1")
    assert answers_to(lan) == ["💬 Tình nguyện viên Anh Tuấn trả lời Bác:\nBác bấm Tiếp tục ạ"]


async def test_a_commune_without_volunteers_goes_to_the_nearest_organizer_up_the_tree(tutor, clock) -> None:
    await setup_units(tutor, clock.now)  # organizers of Hà Nội (province) and Huế; none for the commune
    async with tutor.db.transaction() as repo:
        await repo.grant("console", "org-all", "organizer", None, clock.now)
        await repo.grant("console", "lan", "learner", "hn-an-khanh", clock.now)
    lan = Chat(tutor, Actor("console", "lan", "Bà Lan"))
    await lan.say("/start l-thu-nghiem")
    await lan.say("giúp")
    told = {
        name: [r for r in lan.person(name, name).received() if "cần giúp" in r.text]
        for name in ("org-hn", "org-hue", "org-all")
    }
    assert [len(told[name]) for name in ("org-hn", "org-hue", "org-all")] == [1, 0, 0]


async def test_nobody_at_all_the_learner_is_told_so_with_the_hotline(sqlite_url, clock) -> None:
    tutor = await make_tutor(sqlite_url, campaign={"hotline": "1900 1234"})
    try:
        lan = Chat(tutor, Actor("console", "lan", "Bà Lan"))
        await lan.say("/start l-thu-nghiem")
        replies = await lan.say("giúp")
        assert replies[0].text == (
            "🙋 Cháu đã ghi lại câu hỏi của Bác, nhưng lúc này chưa có tình nguyện viên hay cán bộ nào "
            "nhận được. Bác gọi tổng đài 1900 1234 để được giúp ngay nhé."
        )
        # Nobody to escalate to either: no escalation is counted for a message nobody got.
        assert (await Scheduler(tutor).tick(clock.advance(hours=3)))["escalated"] == 0
    finally:
        await tutor.db.close()


async def test_moving_a_learner_moves_their_open_request_and_tells_both_volunteers(world) -> None:
    tutor, org, minh, lan = world
    await lan.say("giúp")
    khanh = await make_volunteer(org, "tnv-khanh", "Khánh", "hn-an-khanh")
    async with tutor.db.reader() as repo:
        lan_row = await repo.user_by_external("console", "lan")
        khanh_row = await repo.user_by_external("console", "tnv-khanh")
        request = (await repo.session.execute(select(HelpRequest))).scalar_one()
    replies = await org.say(f"/chuyen {lan_row.id} {khanh_row.id}")
    assert replies[0].text == (
        "✅ Đã chuyển Bà Lan sang tình nguyện viên Khánh. "
        "1 yêu cầu giúp đỡ đang mở của học viên cũng chuyển theo."
    )
    assert khanh.received()[-1].text == (
        "👤 Bạn được giao kèm học viên Bà Lan. Gõ /hocvien để xem. "
        "Học viên có 1 yêu cầu giúp đỡ đang chờ bạn: gõ /yeucau."
    )
    assert minh.received()[-1].text.startswith(
        "👤 Học viên Bà Lan đã được chuyển sang tình nguyện viên Khánh."
    )
    # The old volunteer can no longer answer it; the new one can.
    replies = await minh.say(f"/traloi {request.id} Bác ơi")
    assert "Không tìm thấy" in replies[0].text
    assert "Bà Lan" in (await khanh.say("/yeucau"))[-1].buttons[0].label
    await khanh.say(f"/traloi {request.id} Bác bấm Tiếp tục ạ")
    assert answers_to(lan) == ["💬 Tình nguyện viên Khánh trả lời Bác:\nBác bấm Tiếp tục ạ"]


async def test_chuyen_takes_only_a_learner_and_a_volunteer_who_still_exists(world) -> None:
    tutor, org, _minh, _lan = world
    khanh = await make_volunteer(org, "tnv-khanh", "Khánh", "hn-an-khanh")
    gone = await make_volunteer(org, "tnv-gone", "Đã nghỉ", "hn-an-khanh")
    async with tutor.db.reader() as repo:
        ids = {
            name: (await repo.user_by_external("console", name)).id
            for name in ("lan", "tnv-minh", "tnv-khanh", "tnv-gone")
        }
    gone_id = ids["tnv-gone"]
    await gone.say("/xoadulieu")
    await gone.say("1")
    replies = await org.say(f"/chuyen {ids['tnv-minh']} {ids['tnv-khanh']}")  # a volunteer as a learner
    assert replies[0].text.startswith(f"#{ids['tnv-minh']} không phải học viên")
    replies = await org.say(f"/chuyen {ids['lan']} {ids['lan']}")  # a learner as the volunteer
    assert replies[0].text.startswith(f"#{ids['lan']} không phải tình nguyện viên")
    replies = await org.say(f"/chuyen {ids['lan']} {gone_id}")  # a volunteer who erased their data
    assert replies[0].text.startswith(f"#{gone_id} không phải tình nguyện viên")
    async with tutor.db.reader() as repo:
        assert (await repo.paired_volunteer(ids["lan"])).external_id == "tnv-minh"
        assert await repo.paired_volunteer(ids["tnv-minh"]) is None
    assert not [r for r in khanh.received() if "giao kèm" in r.text]

"""Who may do what with the campaign tools: every new command refused to a learner (as an unknown
command), organizer-only ones refused to volunteers, and out-of-scope organizers and volunteers
refused — by the server, whatever screen or button they hold."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.core.events import Choice
from bot.store.models import (
    Attendance,
    Certificate,
    ClassPartner,
    ClassSession,
    OutreachEvent,
    SupportEntry,
    Team,
    TeamMember,
    User,
    VolunteerCheckin,
)
from tests.support.campaign import (
    actor,
    code_in,
    latest_event,
    latest_session,
    press,
    setup_province,
    volunteer,
)
from tests.support.dialog import Chat

pytestmark = pytest.mark.dates  # sessions open for hours, check-ins on the day: the frozen clock

UNKNOWN = "Cháu chưa biết lệnh này"


async def count(tutor, model) -> int:
    async with tutor.db.reader() as repo:
        return (await repo.session.execute(select(func.count()).select_from(model))).scalar_one()


@pytest.fixture
async def province(tutor, clock):
    """Quảng Ninh: a team in Xã A led by Anh Một, his class with a session going on, an outreach
    day of the team today; Chị Hai (Xã A, in the team), Bình (Phường B) and Thái Nguyên's people."""
    await setup_province(tutor, clock.now)
    org = Chat(tutor, actor("org-qn", "Chị Thảo"))
    a1 = await volunteer(org, "a1", "Anh Một", "qn-a")
    a2 = await volunteer(org, "a2", "Chị Hai", "qn-a")
    b1 = await volunteer(org, "b1", "Bình", "qn-b")
    await org.say("/taodoihinh Đội hình xã A")
    team_code = code_in(await org.say("qn-a"))
    await press(org, "👤 Anh Một")
    await a2.say(team_code)
    for line in ("/taolop", "Lớp xã A", "bỏ qua", "bỏ qua"):
        await a1.say(line)
    await a1.say("/buoihoc")
    await press(a1, "▶️ Bắt đầu buổi học ngay")
    await a1.say("/taoraquan")
    await press(a1, "📣 Ra quân")
    await press(a1, "📅 Hôm nay")
    await a1.say("bỏ qua")
    event_code = code_in(await press(a1, "✔️ Xong"))
    org_tn = org.person("org-tn", "Anh Nguyên")
    tn_volunteer = await volunteer(org_tn, "tn1", "Thái", "tn")
    return {
        "org": org,
        "a1": a1,
        "a2": a2,
        "b1": b1,
        "org_tn": org_tn,
        "tn1": tn_volunteer,
        "team_code": team_code,
        "event_code": event_code,
    }


async def test_a_learner_gets_none_of_the_campaign_tools(tutor, province) -> None:
    lan = province["org"].person("lan", "Bà Lan")
    await lan.say("/start")
    before = {m: await count(tutor, m) for m in (Team, ClassSession, OutreachEvent, SupportEntry)}
    for command in (
        "/doihinh",
        "/taodoihinh Đội của tôi",
        "/themdoihinh 1 2",
        "/buoihoc",
        "/hotro",
        "/hoantac",
        "/taoraquan",
        "/raquan",
        "/bantin",
    ):
        replies = await lan.say(command)
        assert replies[0].text.startswith(UNKNOWN), command
    # The volunteers' codes tell a learner what they are for, and do nothing.
    replies = await lan.say(province["team_code"])
    assert "Mã này để tình nguyện viên vào đội hình" in replies[0].text
    replies = await lan.say(province["event_code"])
    assert "Mã này để tình nguyện viên điểm danh" in replies[0].text
    async with tutor.db.reader() as repo:
        row = await repo.user_by_external("console", "lan")
        assert row.role == "learner"
        member = await repo.session.get(TeamMember, row.id)
        checked = (
            await repo.session.execute(
                select(func.count()).select_from(VolunteerCheckin).where(VolunteerCheckin.user_id == row.id)
            )
        ).scalar_one()
    assert member is None and checked == 0
    assert {m: await count(tutor, m) for m in before} == before


async def test_organizer_tools_are_refused_to_volunteers(tutor, province) -> None:
    a2 = province["a2"]
    for command in ("/taodoihinh Đội mới", "/themdoihinh 1 2", "/bantin"):
        replies = await a2.say(command)
        assert replies[0].text.startswith(UNKNOWN), command
    # Creating an outreach day: organizers and team leaders only (Chị Hai is a member, not the leader).
    replies = await a2.say("/taoraquan")
    assert replies[0].text.startswith("Chỉ cán bộ Đoàn hoặc đội trưởng đội hình mới tạo được")
    # A session code is for learners; a volunteer scanning it is not checked in.
    session = await latest_session(tutor)
    replies = await a2.say(session.short_code)
    assert "Mã này để học viên điểm danh buổi học Lớp xã A." in replies[0].text
    assert await count(tutor, Team) == 1 and await count(tutor, OutreachEvent) == 1


async def test_an_organizer_of_another_province_reaches_nothing_here(tutor, province) -> None:
    org_tn = province["org_tn"]
    async with tutor.db.reader() as repo:
        team = (await repo.session.execute(select(Team))).scalar_one()
        a2 = await repo.user_by_external("console", "a2")
        b1 = await repo.user_by_external("console", "b1")
    replies = await org_tn.say("/doihinh")
    assert "Chưa có đội hình nào trong phạm vi của bạn" in replies[0].text
    replies = await org_tn.say(f"/themdoihinh {team.id} {b1.id}")
    assert replies[0].text.startswith("Không tìm thấy")
    # Creating a team or an outreach day in Xã A: the unit is not theirs.
    await org_tn.say("/taodoihinh Đội lạ")
    replies = await org_tn.say("qn-a")
    assert "Không có đơn vị «qn-a» trong phạm vi của bạn" in replies[0].text
    await org_tn.say("/taoraquan")
    await press(org_tn, "📣 Ra quân")
    await press(org_tn, "📅 Hôm nay")
    await org_tn.say("bỏ qua")
    replies = await org_tn.say("qn-a")
    assert "Không có đơn vị «qn-a» trong phạm vi của bạn" in replies[0].text
    replies = await org_tn.say("/raquan")
    assert replies[0].text.startswith("Chưa có hoạt động")
    # Quảng Ninh's own organizer adds Bình (Phường B) to Xã A's team? No: outside the team's unit.
    replies = await province["org"].say(f"/themdoihinh {team.id} {b1.id}")
    assert replies[0].text.startswith("Không tìm thấy")
    replies = await province["org"].say(f"/themdoihinh {team.id} {a2.id}")
    assert "Đã thêm Chị Hai vào đội hình «Đội hình xã A»" in replies[0].text
    async with tutor.db.reader() as repo:
        assert await repo.session.get(TeamMember, b1.id) is None
    assert await count(tutor, Team) == 1 and await count(tutor, OutreachEvent) == 1


async def test_volunteers_outside_a_unit_cannot_join_or_check_in(tutor, province) -> None:
    tn1, b1 = province["tn1"], province["b1"]
    replies = await tn1.say(province["team_code"])
    assert "Đội hình «Đội hình xã A» thuộc Xã A, ngoài đơn vị của bạn." in replies[0].text
    replies = await b1.say(province["event_code"])  # Phường B's volunteer, Xã A's outreach day
    assert "Hoạt động này thuộc Xã A, ngoài đơn vị và đội hình của bạn." in replies[0].text
    replies = await b1.say("/raquan")
    assert replies[0].text.startswith("Chưa có hoạt động")
    # Another commune's volunteer has none of Anh Một's classes or sessions.
    replies = await b1.say("/buoihoc")
    assert "Bạn chưa có lớp nào" in replies[0].text
    assert await count(tutor, TeamMember) == 2 and await count(tutor, VolunteerCheckin) == 0


async def forge(tutor, external_id: str, actions: list[str], **state: object) -> list[str]:
    """Put these actions on the user's stored screen (as if it had shown them) and return the
    callback data of each: the handlers behind must still refuse what is not the user's."""
    async with tutor.db.transaction() as repo:
        user = await repo.user_by_external("console", external_id)
        seq = int(user.state.get("seq", 0)) + 1
        user.state = {**user.state, **state, "seq": seq, "choices": [[a, a, False] for a in actions]}
    return [f"{seq}.{index}" for index in range(len(actions))]


async def test_forged_screens_cannot_reach_other_units(tutor, province) -> None:
    """Buttons only ever carry a position on the user's own stored screen; even a screen forged in
    the database (or one shown before the user moved unit) acts on nothing outside their reach,
    because every handler checks its target again."""
    lan = province["org"].person("lan", "Bà Lan")
    session = await latest_session(tutor)
    await lan.say(session.short_code)  # Lan checks in to Anh Một's session
    event = await latest_event(tutor)
    async with tutor.db.reader() as repo:
        team = (await repo.session.execute(select(Team))).scalar_one()
        a2 = await repo.user_by_external("console", "a2")
        lan_row = await repo.user_by_external("console", "lan")
    class_id = session.class_id
    attempts = {
        "b1": [
            f"session-end:{session.id}",
            f"walkin-add:{session.id}",
            f"walkin-set:{session.id}",
            f"roster:{session.id}",
            f"tick:{session.id}.{lan_row.id}.0",
            f"session-start:{class_id}",
            f"session-plan:{class_id}",
            f"sessions-class:{class_id}",
            f"session-qr:{session.id}",
            f"partners:c{class_id}",
            f"partner-toggle:c{class_id}.ccb",
            f"event-checkin:{event.id}",
            f"event-qr:{event.id}",
            f"partners:e{event.id}",
            f"partner-toggle:e{event.id}.lhpn",
            f"team:{team.id}",
            f"team-qr:{team.id}",
            f"team-move:{team.id}",
        ],
        "org-tn": [
            f"team-add-to:{team.id}.{a2.id}",
            f"team-leader:{team.id}.{a2.id}",
            f"team-lead-pick:{team.id}",
            f"team-add:{team.id}",
            f"session-end:{session.id}",
            f"partners:e{event.id}",
        ],
    }
    refusals = ("Không tìm thấy", "ngoài đơn vị")
    for who, actions in attempts.items():
        chat = province["org"].person(who, who)
        for action in actions:  # each refusal shows a new screen: forge the next one afresh
            (data,) = await forge(tutor, who, [action])
            replies = await chat.send(Choice(data))
            assert any(r in reply.text for reply in replies for r in refusals), (who, action, replies[0].text)
    # A support entry can only name the user's own open session.
    data = await forge(
        tutor, "b1", [f"support-place:session.{session.id}"], support={"kind": "vneid", "people": 3}
    )
    replies = await province["b1"].send(Choice(data[0]))
    assert replies[0].text.startswith("Không tìm thấy")
    after = await latest_session(tutor)
    assert (after.walk_ins, after.ended_at) == (0, None)
    assert await count(tutor, ClassPartner) == 0 and await count(tutor, VolunteerCheckin) == 0
    assert await count(tutor, SupportEntry) == 0 and await count(tutor, TeamMember) == 2
    async with tutor.db.reader() as repo:
        assert (await repo.session.execute(select(Team.leader_id))).scalar_one() != a2.id
        present = (await repo.session.execute(select(func.count()).select_from(Attendance))).scalar_one()
    assert present == 1  # Lan, checked in by herself; nobody else ticked or unticked


async def test_certificates_and_undo_are_ones_own(tutor, province, clock) -> None:
    a1, a2 = province["a1"], province["a2"]
    await a1.say("/hotro")
    await press(a1, "🪪 VNeID")
    await press(a1, "1 người")
    await press(a1, "🏠 Tại nhà")
    # Chị Hai's undo does not reach Anh Một's entry.
    replies = await a2.say("/hoantac")
    assert replies[0].text.startswith("Không có lượt hỗ trợ nào bạn ghi trong 10 phút qua")
    assert await count(tutor, SupportEntry) == 1
    lan = province["org"].person("lan", "Bà Lan")
    for line in ("/start l-thu-nghiem", "1", "khong", "xong", "1"):
        await lan.say(line)
    await press(lan, "🎓 Nhận giấy chứng nhận")
    hoa = province["org"].person("hoa", "Bà Hoa")
    replies = await hoa.say("/chungnhan")
    assert "Bác chưa có giấy chứng nhận nào" in replies[0].text
    async with tutor.db.reader() as repo:
        owner = (await repo.session.execute(select(Certificate.user_id))).scalar_one()
        lan_row = (await repo.session.execute(select(User).where(User.external_id == "lan"))).scalar_one()
    assert owner == lan_row.id

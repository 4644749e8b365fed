"""Volunteers and classes through the tutor: invites, QR classes, joining, assignments, help,
reminders and re-checks — and the authorization negatives."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.core.events import Actor, Choice, Start
from bot.core.scheduler import Scheduler
from bot.store.models import Class, Enrollment, HelpRequest, Invite, Outbox, Pairing, Recheck, StepEvent, User
from tests.support.clock import LOCAL, local, next_local, start_instant
from tests.support.dialog import Chat

# Invites expire, codes are rate-limited per 15 minutes, reminders keep hours, re-checks fall due:
# every test here runs on the frozen clock (and again under .ci/run's other clock settings).
pytestmark = pytest.mark.dates

PNG = b"\x89PNG\r\n\x1a\n"


async def setup_units(tutor, now: datetime) -> None:
    async with tutor.db.transaction() as repo:
        await repo.upsert_unit("hn", "Hà Nội", None, "tinh")
        await repo.upsert_unit("hn-phuc-xa", "Phường Phúc Xá", "hn", "xa")
        await repo.upsert_unit("hn-an-khanh", "Xã An Khánh", "hn", "xa")
        await repo.upsert_unit("hue", "Huế", None, "tinh")
        await repo.grant("console", "org-hn", "organizer", "hn", now)
        await repo.grant("console", "org-hue", "organizer", "hue", now)


def code_in(text: str) -> str:
    match = re.search(r"gõ mã: ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}|[A-Z0-9]{6})\b", text)
    assert match, text
    return match.group(1)


async def make_volunteer(org: Chat, external_id: str, name: str, unit: str) -> Chat:
    replies = await org.say(f"/moi {unit}")
    invite_text = next(r.text for r in replies if "Lời mời" in r.text)
    volunteer = org.person(external_id, name)
    replies = await volunteer.say(f"/ma {code_in(invite_text)}")
    assert "bạn sẽ trở thành tình nguyện viên" in replies[0].text  # asked first, nothing changed yet
    replies = await volunteer.say("1")  # ✅ Đồng ý
    assert "trở thành tình nguyện viên" in replies[0].text
    return volunteer


def class_day() -> datetime:
    """Three weeks after the frozen clock's start, 08:00 local: a class time still to come whatever
    instant the clock starts at (a past one is asked about)."""
    return (start_instant() + timedelta(days=21)).astimezone(LOCAL).replace(hour=8, minute=0)


async def make_class(volunteer: Chat, name: str = "Lớp điện thoại thôn 3") -> tuple[str, Class]:
    day = class_day()
    await volunteer.say("/taolop")
    await volunteer.say(name)
    await volunteer.say("Nhà văn hóa thôn 3")
    replies = await volunteer.say(day.strftime("%d/%m/%Y 8:00"))
    created = replies[-1]
    assert created.text.startswith(f"✅ Đã tạo lớp «{name}» (Nhà văn hóa thôn 3, {day:%H:%M %d/%m/%Y})")
    assert created.image_bytes is not None and created.image_bytes.startswith(PNG)
    async with volunteer.tutor.db.reader() as repo:
        klass = (await repo.session.execute(select(Class).where(Class.name == name))).scalar_one()
    assert klass.short_code in created.text
    return created.text, klass


@pytest.fixture
async def world(tutor, clock):
    await setup_units(tutor, clock.now)
    org = Chat(tutor, Actor("console", "org-hn", "Chị Hà (Tỉnh đoàn)"))
    volunteer = await make_volunteer(org, "tnv-minh", "Minh", "hn-phuc-xa")
    return tutor, org, volunteer


async def test_full_campaign_flow(world) -> None:
    tutor, _org, minh = world
    _text, klass = await make_class(minh)
    assert len(klass.code) >= 12  # ≥ 64 random bits in the link code

    # Two learners join: one by the deep link, one by typing the short code.
    lan = minh.person("lan", "Bà Lan")
    replies = await lan.send(Start(f"c-{klass.code}"))
    assert any("Bác đã vào lớp «Lớp điện thoại thôn 3»" in r.text and "Minh" in r.text for r in replies)
    hoa = minh.person("hoa", "Bà Hoa")
    await hoa.say("/start")
    replies = await hoa.say(klass.short_code.lower())
    assert any("Bác đã vào lớp" in r.text for r in replies)
    assert [r.text for r in minh.received() if "đã vào lớp" in r.text] == [
        "👋 Bà Lan đã vào lớp «Lớp điện thoại thôn 3».",
        "👋 Bà Hoa đã vào lớp «Lớp điện thoại thôn 3».",
    ]
    async with tutor.db.reader() as repo:
        enrolled = (await repo.session.execute(select(func.count()).select_from(Enrollment))).scalar_one()
        pairs = (await repo.session.execute(select(func.count()).select_from(Pairing))).scalar_one()
    assert (enrolled, pairs) == (2, 2)

    # The volunteer assigns a lesson to the class: both learners are told, and it is offered first.
    await minh.say(f"/giaobai thu-nghiem {klass.short_code}")
    for learner in (lan, hoa):
        note = learner.received()[-1]
        assert note.text.startswith("📌 Tình nguyện viên Minh giao cho Bác bài «Bài thử nghiệm».")
        assert note.buttons[0].data == "l.thu-nghiem"
    menu = (await lan.say("/menu"))[-1]
    assert menu.buttons[0].label == "📌 Bài được giao: Bài thử nghiệm"

    # Help mid-step: the volunteer receives the context and answers through the bot.
    await lan.send(Choice(note.buttons[0].data))
    await lan.say("1")
    await lan.say("co")  # a wrong answer on the quiz
    await lan.say("giúp")
    request_note = minh.received()[-1]
    assert request_note.text.startswith("🙋 Bà Lan cần giúp (yêu cầu #")
    assert "Bài: Bài thử nghiệm" in request_note.text
    assert "Bước 2/4: Có nên đưa mã OTP cho người lạ không?" in request_note.text
    assert "Trả lời gần nhất: 1. Có (chưa đúng)" in request_note.text
    await minh.send(Choice(request_note.buttons[0].data))  # ✍️ Trả lời
    preview = await minh.say("Bác nhớ: không bao giờ đưa mã OTP cho ai nhé.")
    assert preview[0].text.startswith("Bạn sẽ gửi cho Bà Lan")  # seen once before it goes
    assert not lan.received()[-1].text.startswith("💬")
    await minh.say("1")  # 📤 Gửi
    answer = lan.received()[-1]
    assert (
        answer.text == "💬 Tình nguyện viên Minh trả lời Bác:\nBác nhớ: không bao giờ đưa mã OTP cho ai nhé."
    )
    await minh.send(Choice(request_note.buttons[1].data))  # ✅ Đã giải quyết
    async with tutor.db.reader() as repo:
        request = (await repo.session.execute(select(HelpRequest))).scalar_one()
    assert request.status == "resolved" and request.answered_at and request.resolved_at

    # The volunteer's list shows both learners with class, lesson and step.
    await minh.say("/hocvien")
    listing = next(r.text for r in reversed(minh.received()) if r.text.startswith("👥 Học viên"))
    assert "Bà Lan · Lớp điện thoại thôn 3 · «Bài thử nghiệm» bước 2/4" in listing  # not «lớp Lớp …»
    assert "Bà Hoa · Lớp điện thoại thôn 3 · chưa học bài nào" in listing


async def test_learner_cannot_use_volunteer_or_organizer_commands(world) -> None:
    tutor, _org, minh = world
    lan = minh.person("lan", "Bà Lan")
    await lan.say("/start")
    for command in [
        "/taolop",
        "/hocvien",
        "/lop",
        "/giaobai thu-nghiem ABC123",
        "/moi hn",
        "/tnv",
        "/chuyen 1 2",
        "/traloi 1 hi",
        "/xong 1",
    ]:
        replies = await lan.say(command)
        assert replies[0].text.startswith("Cháu chưa biết lệnh này"), command
    replies = await lan.send(Choice("h.r1"))  # a forged volunteer button
    assert replies[0].text.startswith("Cháu chưa biết lệnh này")
    async with tutor.db.reader() as repo:
        assert (await repo.session.execute(select(func.count()).select_from(Class))).scalar_one() == 0
        assert (await repo.session.execute(select(func.count()).select_from(Invite))).scalar_one() == 1


async def test_volunteer_is_limited_to_own_learners_and_requests(world) -> None:
    tutor, org, minh = world
    _text, klass = await make_class(minh)
    lan = minh.person("lan", "Bà Lan")
    await lan.send(Start(f"c-{klass.code}"))
    await lan.say("/giupdo")
    async with tutor.db.reader() as repo:
        request = (await repo.session.execute(select(HelpRequest))).scalar_one()
    # A volunteer of another commune sees none of this.
    khanh = await make_volunteer(org, "tnv-khanh", "Khánh", "hn-an-khanh")
    replies = await khanh.say("/hocvien")
    assert "chưa kèm học viên nào" in replies[0].text
    replies = await khanh.say("/yeucau")
    assert "Không có yêu cầu" in replies[0].text
    replies = await khanh.say(f"/traloi {request.id} xin chào")
    assert replies[0].text.startswith("Không tìm thấy")
    replies = await khanh.send(Choice(f"h.d{request.id}"))
    assert replies[0].text.startswith("Không tìm thấy")
    replies = await khanh.say(f"/giaobai thu-nghiem {klass.short_code}")
    assert "Không tìm thấy" in replies[0].text
    assert not [r for r in lan.received() if "Khánh" in r.text]
    async with tutor.db.reader() as repo:
        request = (await repo.session.execute(select(HelpRequest))).scalar_one()
    assert request.status == "open"
    # An organizer of another province cannot move the learner or invite into Hà Nội.
    async with tutor.db.reader() as repo:
        khanh_row = await repo.user_by_external("console", "tnv-khanh")
    hue = org.person("org-hue", "Anh Huế")
    replies = await hue.say(f"/chuyen {request.learner_id} {khanh_row.id}")
    assert replies[0].text.startswith(f"#{request.learner_id} không phải học viên trong phạm vi của bạn")
    replies = await hue.say("/moi hn-phuc-xa")
    assert "Không có đơn vị «hn-phuc-xa» trong phạm vi của bạn." in replies[0].text


async def test_forged_expired_and_used_up_codes_change_nothing(world, clock) -> None:
    tutor, org, _minh = world
    stranger = org.person("stranger", "Người lạ")
    await stranger.say("/start")
    replies = await stranger.say("/ma ZZ99ZZ")
    assert "không đúng hoặc đã hết hạn" in replies[0].text
    replies = await stranger.send(Start("v-notarealcode"))
    assert any("không đúng hoặc đã hết hạn" in r.text for r in replies)
    # An expired invite and a used-up one are refused.
    await org.say("/moi hn-an-khanh")
    async with tutor.db.transaction() as repo:
        invites = (await repo.session.execute(select(Invite).order_by(Invite.created_at))).scalars().all()
        expired, used = invites[-1], invites[0]
        expired.expires_at = clock.now - timedelta(minutes=1)
        used.uses = used.max_uses
    for invite in (expired, used):
        replies = await stranger.send(Start(f"v-{invite.code}"))
        assert any("không đúng hoặc đã hết hạn" in r.text for r in replies)
    async with tutor.db.reader() as repo:
        user = (await repo.session.execute(select(User).where(User.external_id == "stranger"))).scalar_one()
    assert user.role == "learner"


async def test_typed_codes_are_rate_limited(world) -> None:
    _tutor, _org, minh = world
    _text, klass = await make_class(minh)
    guesser = minh.person("guesser", "Đoán mò")
    await guesser.say("/start")
    for guess in ["AB12CD", "EF34GH", "JK56MN", "PQ78RS", "TU92VW"]:
        await guesser.say(guess)
    replies = await guesser.say(klass.short_code)  # even the right code is refused for a while
    assert "nhập sai mã nhiều lần" in replies[0].text


async def test_organizer_moves_a_learner_to_another_volunteer(world) -> None:
    tutor, org, minh = world
    _text, klass = await make_class(minh)
    lan = minh.person("lan", "Bà Lan")
    await lan.send(Start(f"c-{klass.code}"))
    khanh = await make_volunteer(org, "tnv-khanh", "Khánh", "hn-an-khanh")
    async with tutor.db.reader() as repo:
        lan_row = await repo.user_by_external("console", "lan")
        khanh_row = await repo.user_by_external("console", "tnv-khanh")
    replies = await org.say(f"/chuyen {lan_row.id} {khanh_row.id}")
    assert replies[0].text == "✅ Đã chuyển Bà Lan sang tình nguyện viên Khánh."
    assert khanh.received()[-1].text.startswith("👤 Bạn được giao kèm học viên Bà Lan.")
    assert lan.received()[-1].text == "Từ nay tình nguyện viên Khánh sẽ giúp Bác học ạ."
    await lan.say("/giupdo")  # now goes to the new volunteer
    assert khanh.received()[-1].text.startswith("🙋 Bà Lan cần giúp")


def december(day: int, hour: int) -> datetime:
    """A naive-UTC time for `hour` o'clock in Hồ Chí Minh City on 2026-12-<day>."""
    return local(2026, 12, day, hour)


async def test_reminders_only_inside_hours_once_per_period_and_stop_after_three(tutor, clock) -> None:
    clock.set(december(1, 9))
    lan = Chat(tutor, Actor("console", "lan", "Bà Lan"))
    await lan.say("/start l-thu-nghiem")
    await lan.say("1")
    async with tutor.db.transaction() as repo:
        user = await repo.user_by_external("console", "lan")
        user.last_active_at = december(1, 9)
    scheduler = Scheduler(tutor)

    async def nudges() -> int:
        async with tutor.db.reader() as repo:
            outbox = (await repo.session.execute(select(Outbox.payload))).scalars().all()
        return sum(1 for p in outbox if p.get("text", "").startswith("⏰"))

    assert (await scheduler.tick(december(4, 22)))["reminded"] == 0  # 22:00: quiet hours
    assert (await scheduler.tick(december(4, 6)))["reminded"] == 0  # 06:00: too early
    assert (await scheduler.tick(december(4, 9)))["reminded"] == 1
    assert (await scheduler.tick(december(4, 15)))["reminded"] == 0  # at most one per idle period
    assert (await scheduler.tick(december(6, 10)))["reminded"] == 1
    assert (await scheduler.tick(december(8, 11)))["reminded"] == 1
    assert (await scheduler.tick(december(10, 12)))["reminded"] == 0  # three unanswered: stop
    assert await nudges() == 3
    # Answering resets the count; "tạm dừng" pauses reminders altogether.
    replies = await lan.say("tam dung")
    assert replies[0].text.startswith("Dạ, cháu tạm dừng nhắc học.")
    async with tutor.db.transaction() as repo:
        user = await repo.user_by_external("console", "lan")
        assert user.reminders_paused and user.reminders_unanswered == 0
        user.last_active_at = december(10, 9)
    assert (await scheduler.tick(december(14, 10)))["reminded"] == 0
    await lan.say("tiếp tục nhắc")
    async with tutor.db.transaction() as repo:
        user = await repo.user_by_external("console", "lan")
        user.last_active_at = december(10, 9)
    assert (await scheduler.tick(december(14, 10)))["reminded"] == 1
    # The nudge is a screen of its own: typing its first choice continues the lesson.
    replies = await lan.say("1")
    assert replies[-1].text.startswith("Bước 2/4")


async def test_help_escalates_to_the_units_organizers(world, clock) -> None:
    tutor, _org, minh = world
    _text, klass = await make_class(minh)
    lan = minh.person("lan", "Bà Lan")
    await lan.send(Start(f"c-{klass.code}"))
    await lan.say("/giupdo")
    scheduler = Scheduler(tutor)
    assert (await scheduler.tick(clock.advance(minutes=30)))["escalated"] == 0
    assert (await scheduler.tick(clock.advance(minutes=95)))["escalated"] == 1
    assert (await scheduler.tick(clock.advance(minutes=175)))["escalated"] == 0  # once
    async with tutor.db.reader() as repo:
        rows = (
            await repo.session.execute(select(Outbox, User.external_id).join(User, User.id == Outbox.user_id))
        ).all()
    escalations = [ext for row, ext in rows if row.payload.get("text", "").startswith("⚠️ Yêu cầu giúp đỡ")]
    assert escalations == ["org-hn"]  # Hà Nội's organizer, not Huế's


async def test_rechecks_at_3_7_30_days_are_recorded(tutor, clock) -> None:
    lan = Chat(tutor, Actor("console", "lan", "Bà Lan"))
    for line in ["/start l-thu-nghiem", "1", "khong", "xong", "1"]:
        await lan.say(line)
    done_at = clock.now
    async with tutor.db.reader() as repo:
        due = (await repo.session.execute(select(Recheck).order_by(Recheck.number))).scalars().all()
    assert [r.due_at - done_at for r in due] == [timedelta(days=3), timedelta(days=7), timedelta(days=30)]
    scheduler = Scheduler(tutor)
    assert (await scheduler.tick(clock.advance(days=2, hours=23)))["rechecks"] == 0  # not due yet
    # The first 10:00 in Hồ Chí Minh City after it falls due: inside the hours learners are asked.
    clock.set(next_local(due[0].due_at, 10))
    assert (await scheduler.tick(clock.now))["rechecks"] == 1
    async with tutor.db.reader() as repo:
        user = await repo.user_by_external("console", "lan")
    question = user.state["choices"]
    # The lesson's options (in this learner's order), then «Để sau»; each names the option itself.
    assert sorted(label for label, _action, _nav in question[:3]) == [
        "Có",
        "Có, nếu họ nói là nhân viên ngân hàng",
        "Không",
    ]
    assert question[3][0] == "Để sau"
    assert {action for label, action, _nav in question[:3] if label == "Không"} == {f"recheck:{due[0].id}.2"}
    replies = await lan.say("khong")
    assert replies[0].text.startswith("✅ Đúng rồi!")
    async with tutor.db.reader() as repo:
        event = (
            await repo.session.execute(select(StepEvent).where(StepEvent.kind == "recheck"))
        ).scalar_one()
    assert (event.step_id, event.answer, event.correct) == ("cau-hoi", "2", True)


async def test_codes_are_never_otp_shaped_and_otp_shaped_text_is_no_code(world) -> None:
    """A typed code never holds four digits in a row, so the privacy guard comes first for text
    that does: «Z-48291» typed by a learner is an OTP to warn about, not a class code to try."""
    from bot.core import codes

    generated = [codes.short_code(length) for length in (6, 12) for _ in range(2000)]
    assert not [code for code in generated if re.search(r"\d{4}", code)]
    assert all(codes.looks_like_code(code) == code for code in generated)
    _tutor, _org, minh = world
    _text, klass = await make_class(minh)
    hoa = minh.person("hoa", "Bà Hoa")
    await hoa.say("/start")
    replies = await hoa.say("Z-48291")
    assert replies[0].text.startswith("⚠️ Tin nhắn của Bác có vẻ chứa mã OTP")
    replies = await hoa.say(klass.short_code.lower())  # the class's own code still joins
    assert any("Bác đã vào lớp" in r.text for r in replies)


async def test_ids_that_are_not_plain_numbers_get_the_usage_line(world) -> None:
    """ "²" passes str.isdigit() but is no number; a 25-digit id overflows BIGINT (found by fuzzing)."""
    _tutor, org, minh = world
    huge = "9" * 25
    for command, usage in [
        ("/xong ²", "Cách dùng: /xong"),
        (f"/xong {huge}", "Cách dùng: /xong"),
        ("/traloi ² cảm ơn", "Cách dùng: /traloi"),
        (f"/traloi #{huge} cảm ơn", "Cách dùng: /traloi"),
    ]:
        replies = await minh.say(command)
        assert replies[0].text.startswith(usage), command
    replies = await org.say(f"/chuyen ² {huge}")
    assert replies[0].text.startswith("Cách dùng: /chuyen")
    lan = minh.person("lan", "Bà Lan")
    await lan.say("/start l-thu-nghiem")
    for forged in ("1.²", f"{huge}.0", "²²"):
        replies = await lan.send(Choice(forged))
        assert "Nút này không dùng được nữa" in replies[0].text, forged
        assert not any("trục trặc" in r.text for r in replies)


async def test_learner_list_shows_a_lesson_just_finished(world) -> None:
    _tutor, _org, minh = world
    _text, klass = await make_class(minh)
    lan = minh.person("lan", "Bà Lan")
    await lan.send(Start(f"c-{klass.code}"))
    for line in ("/start l-thu-nghiem", "tiep tuc", "khong", "xong", "tiep tuc"):
        await lan.say(line)
    assert lan.received()[-1].text.startswith("🎉 Chúc mừng Bác đã học xong bài «Bài thử nghiệm»!")
    await minh.say("/hocvien")
    listing = next(r.text for r in reversed(minh.received()) if r.text.startswith("👥 Học viên"))
    assert "Bà Lan · Lớp điện thoại thôn 3 · đã học xong «Bài thử nghiệm» · vừa xong" in listing

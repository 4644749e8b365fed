"""The privacy guard's gaps (issue 13, item 6): what it catches, what it lets through, and that a
volunteer's answer, a class name or a class place carrying such data is refused, not relayed and
not stored. README: «Never store CCCD numbers, OTPs or passwords.»"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.events import Actor, Start
from bot.core.privacy import looks_secret
from bot.store.models import Class, Outbox, User
from tests.conftest import make_tutor
from tests.support.dialog import Chat
from tests.test_volunteers import code_in, make_class, setup_units

pytestmark = pytest.mark.dates

PRIVACY_LESSONS = Path(__file__).parent / "data" / "privacy-lessons"

# (text, why it must be caught). Choice count 3 throughout, as on a quiz screen.
CAUGHT = [
    ("001234567890", "a CCCD number"),
    ("001 234 567 890", "in groups"),
    ("0012.3456.7890", "with dots"),
    ("001-234-567-890", "with dashes"),
    ("０１２３４５６７８９０１", "in full-width digits"),
    ("0912345678 001234567890", "beside a phone number"),
    ("số định danh của tôi 001234567890, sđt 0912345678", "inside a sentence"),
    ("không không một hai ba bốn năm sáu bảy tám chín không", "spelled out in words"),
    ("Khong khong mot hai ba bon nam sau bay tam chin khong", "spelled, without diacritics"),
    ("một hai ba bốn năm sáu", "an OTP spelled out"),
    ("482913", "an OTP"),
    ("mã OTP: 918273", "an OTP with its name"),
    ("1234", "a PIN"),
    ("Z-48291", "an OTP-shaped code"),
    ("mật khẩu là hoalanxinh", "a password of letters only"),
    ("mật khẩu Zalo của tôi là hoalan", "a password, a few words after «mật khẩu»"),
    ("pass: hoalan", "a password after a colon"),
    ("mk = hoalan", "a password after an equals sign"),
    ("mật khẩu tạm Lan@1955", "a password with a symbol"),
    ("pass la Abc@12345", "as before the fix"),
    ("4111 1111 1111 1111", "a card number"),
    ("4111111111111111", "a card number in one piece"),
    ("9704 1234 5678 9012 345", "a 19-digit domestic card"),
    ("Cháu ơi " + "bác kể chuyện này dài lắm. " * 30 + "OTP 482913", "after the 500th character"),
]
ALLOWED = [
    ("K7M2PQ", "a class code"),
    ("ABCD-EFGH-JKM2", "an invitation code"),
    ("2", "a choice number"),
    ("113", "an emergency number"),
    ("Gọi 115 ạ", "an emergency number in words"),
    ("1900 1288", "a hotline"),
    ("1900.1288", "a hotline with a dot"),
    ("Bác gọi 1800 599 920 nhé", "a toll-free hotline"),
    ("0912 345 678", "a phone number"),
    ("học lúc 10.30 ngày 12.11.2026", "a time and a date"),
    ("giá 500.000 đồng", "a sum of money"),
    ("Tôi tên là Nguyễn Thị Lan ở Hà Nội", "a name and a place"),
    ("mật khẩu là gì vậy cháu", "a question about passwords"),
    ("Tôi quên mật khẩu rồi!", "a remark about a password"),
    ("mã OTP là mã gì", "a question about OTPs"),
    ("năm nay tôi bảy mươi tuổi", "an age in words"),
    ("ba bốn người", "numbers in ordinary speech"),
    ("tiếp tục", "an answer"),
]


@pytest.mark.parametrize(("text", "why"), CAUGHT, ids=[why for _, why in CAUGHT])
def test_caught(text: str, why: str) -> None:
    assert looks_secret(text, 3), why


@pytest.mark.parametrize(("text", "why"), ALLOWED, ids=[why for _, why in ALLOWED])
def test_allowed(text: str, why: str) -> None:
    assert not looks_secret(text, 3), why


def test_a_volunteer_may_write_a_year_but_not_an_otp() -> None:
    assert not looks_secret("Bác sinh năm 1955 thì chọn 1955 nhé", learner=False)
    assert looks_secret("Bác sinh năm 1955 thì chọn 1955 nhé", learner=True)  # learners: any PIN
    assert looks_secret("Bác nhập 482913 vào ô mã", learner=False)


async def test_a_lessons_own_numbers_are_no_secret(db_url: str) -> None:
    tutor = await make_tutor(db_url, PRIVACY_LESSONS)
    try:
        chat = Chat(tutor)
        await chat.say("/start l-otp-mau")
        replies = await chat.say("246810")  # the example OTP the step shows
        assert not replies[0].text.startswith("⚠️")
        replies = await chat.say("135790")  # any other six digits are
        assert replies[0].text.startswith("⚠️ Tin nhắn của Bác có vẻ chứa mã OTP")
    finally:
        await tutor.db.close()


ANSWER = "Bác ơi, số định danh 001234567890, mật khẩu tạm Lan@1955, OTP 482913 nhé"


async def stored(tutor) -> str:
    async with tutor.db.reader() as repo:
        payloads = (await repo.session.execute(select(Outbox.payload))).scalars().all()
        classes = (await repo.session.execute(select(Class.name, Class.place))).all()
        states = (await repo.session.execute(select(User.state))).scalars().all()
    return json.dumps([payloads, [list(c) for c in classes], states], ensure_ascii=False)


async def test_volunteer_texts_carrying_secrets_are_refused(tutor, clock) -> None:
    await setup_units(tutor, clock.now)
    org = Chat(tutor, Actor("console", "org-hn", "Chị Hà"))
    invite = next(r.text for r in await org.say("/moi hn-phuc-xa") if "Lời mời" in r.text)
    minh = org.person("tnv-minh", "Minh")
    await minh.say(f"/ma {code_in(invite)}")
    await minh.say("1")  # ✅ Đồng ý
    _text, klass = await make_class(minh)
    lan = minh.person("lan", "Bà Lan")
    await lan.send(Start(f"c-{klass.code}"))
    await lan.say("/giupdo")
    async with tutor.db.reader() as repo:
        request_id = (await repo.session.execute(select(Outbox.payload))).scalars().all()
    request = next(p for p in request_id if "cần giúp (yêu cầu #" in p.get("text", ""))
    number = request["buttons"][0][1][3:]  # "h.r12"
    # Typed as a command…
    replies = await minh.say(f"/traloi {number} {ANSWER}")
    assert replies[0].text.startswith("⚠️ Nội dung này có vẻ chứa số định danh")
    # …or on the answer screen, which keeps waiting for a better answer.
    await minh.say(f"[callback h.r{number}]")
    replies = await minh.say(ANSWER)
    assert replies[0].text.startswith("⚠️ Nội dung này có vẻ chứa số định danh")
    replies = await minh.say("Bác bấm vào «Quên mật khẩu», rồi gọi 1900 1288 nếu cần nhé")
    assert replies[0].text.startswith("Bạn sẽ gửi cho Bà Lan")  # the preview
    replies = await minh.say("1")  # 📤 Gửi
    assert replies[0].text.startswith("✅ Đã gửi câu trả lời")
    to_lan = [r.text for r in lan.received() if r.text.startswith("💬")]
    assert to_lan == ["💬 Tình nguyện viên Minh trả lời Bác:\nBác bấm vào «Quên mật khẩu», rồi gọi 1900 1288 nếu cần nhé"]
    # A class name or place with such data is refused the same way, and the question stays.
    await minh.say("/taolop")
    replies = await minh.say("Lớp của bà Lan CCCD 001234567890")
    assert replies[0].text.startswith("⚠️ Nội dung này")
    await minh.say("Lớp thôn 5")
    replies = await minh.say("Nhà bà Lan, mật khẩu wifi: hoalan123")
    assert replies[0].text.startswith("⚠️ Nội dung này")
    everything = await stored(tutor)
    for secret in ("001234567890", "Lan@1955", "482913", "hoalan123"):
        assert secret not in everything

"""Privacy: what a learner types is never logged or stored; /xoadulieu erases personal data."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from bot.clock import utcnow
from bot.core.events import Actor, Start
from bot.logs import RedactTokens
from bot.store.models import HelpRequest, Outbox, Pairing, StepEvent, User
from tests.support.dialog import Chat

SECRETS = [
    "0912 345 678",
    "482913",
    "mật khẩu là Lan@1955",
    "079123456789",
    "Tôi tên là Nguyễn Thị Lan ở Hà Nội",
]


async def test_typed_texts_never_reach_the_log_or_the_database(
    tutor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="hocvuso")
    chat = Chat(tutor)
    await chat.say("/start l-thu-nghiem")
    for text in SECRETS:
        await chat.say(text)
    assert not any(s in caplog.text for s in SECRETS)
    async with tutor.db.reader() as repo:
        answers = (await repo.session.execute(select(StepEvent.answer))).scalars().all()
        payloads = (await repo.session.execute(select(Outbox.payload))).scalars().all()
        state = (await repo.session.execute(select(User.state))).scalar_one()
    stored = repr(answers) + repr(payloads) + repr(state)
    assert not any(s in stored for s in SECRETS)


@pytest.mark.parametrize("text", ["482913", "0123 4567 8910", "mã OTP: 918273", "pass la Abc@12345"])
async def test_secrets_get_a_warning_and_are_not_forwarded(tutor, text: str) -> None:
    async with tutor.db.transaction() as repo:
        await repo.upsert_unit("x", "Xã X", None, "xa")
        await repo.grant("console", "tnv", "volunteer", "x", utcnow())
    chat = Chat(tutor)
    await chat.say("/start")
    async with tutor.db.transaction() as repo:
        learner = await repo.user_by_external("console", "learner-1")
        volunteer = await repo.user_by_external("console", "tnv")
        repo.add(Pairing(learner_id=learner.id, volunteer_id=volunteer.id, since=utcnow()))
    replies = await chat.say(text)
    assert replies[0].text.startswith("⚠️ Tin nhắn của Bác có vẻ chứa mã OTP, mật khẩu hoặc số căn cước.")
    await chat.say("/giupdo")
    note = chat.inbox["tnv"][-1].text
    assert text not in note and "".join(text.split()) not in note


async def test_delete_my_data_keeps_only_anonymous_counts(tutor) -> None:
    async with tutor.db.transaction() as repo:
        await repo.upsert_unit("x", "Xã X", None, "xa")
        await repo.grant("console", "tnv", "volunteer", "x", utcnow())
    chat = Chat(tutor, Actor("console", "lan-123", "Nguyễn Thị Lan"))
    async with tutor.db.transaction() as repo:
        from bot.store.models import Class

        volunteer = await repo.user_by_external("console", "tnv")
        repo.add(
            Class(
                code="joincodejoin",
                short_code="AB12CD",
                name="Lớp",
                volunteer_id=volunteer.id,
                unit_id="x",
                created_at=utcnow(),
            )
        )
    await chat.send(Start("c-joincodejoin"))
    for line in ["/start l-thu-nghiem", "1", "/giupdo"]:
        await chat.say(line)
    async with tutor.db.reader() as repo:
        events_before = (await repo.session.execute(select(func.count()).select_from(StepEvent))).scalar_one()
    await chat.say("/xoadulieu")
    replies = await chat.say("có")
    assert replies[0].text.startswith("Cháu đã xóa dữ liệu của Bác.")
    async with tutor.db.reader() as repo:
        user = (await repo.session.execute(select(User).where(User.role == "learner"))).scalar_one()
        events_after = (await repo.session.execute(select(func.count()).select_from(StepEvent))).scalar_one()
        helps = (await repo.session.execute(select(func.count()).select_from(HelpRequest))).scalar_one()
        pairs = (await repo.session.execute(select(func.count()).select_from(Pairing))).scalar_one()
    assert user.display_name is None and user.external_id.startswith("deleted-") and user.state == {}
    assert user.deleted_at is not None and user.unit_id == "x"  # still counted in the commune's figures
    assert (helps, pairs) == (0, 0)
    assert events_after == events_before  # anonymous rows stay for the campaign's counts
    # Writing again starts a new, empty profile.
    replies = await chat.say("/start")
    assert replies[0].text.startswith("Chào Bác! Cháu là Học vụ số")


def test_log_filter_removes_tokens_and_phone_numbers() -> None:
    record = logging.LogRecord(
        "httpx",
        logging.WARNING,
        __file__,
        1,
        "POST https://api.telegram.org/bot123456789:AAHtestTOKENforHocVuSoStandInXYZabcde/sendMessage for %s",
        ("0912 345 678",),
        None,
    )
    RedactTokens().filter(record)
    assert record.getMessage() == "POST https://api.telegram.org/bot<token>/sendMessage for <phone>"


@pytest.mark.parametrize(
    ("text", "choices", "secret"),
    [
        ("079123456789", 0, True),  # a 12-digit personal ID number
        ("0791 2345 6789", 0, True),  # the same, grouped
        ("482913", 3, True),  # an OTP
        ("1234", 3, True),  # a PIN: four digits are enough
        ("12345678", 3, True),  # eight digits still a code
        ("123", 3, False),  # three digits are not a code
        ("0912345678", 3, False),  # a 10-digit phone number is not a secret
        ("123456789", 3, False),  # nine digits: neither a code nor an ID number
        ("0003", 3, False),  # a choice number with leading zeros is an answer
        ("0004", 3, True),  # but not one past the last choice
        ("mat khau cua toi la abc@xyz", 0, True),  # a password word and something password-like
        ("mật khẩu là Hoa#hong", 0, True),
        ("ma pin la ab12", 0, True),
        ("mật khẩu là hoa hồng", 0, True),  # a plain word given as the password is one
        ("mật khẩu là gì vậy", 0, False),  # a question about passwords gives none
        ("otp", 0, False),  # the word alone
        ("Bác quên mật khẩu rồi", 0, False),
        ("x " * 150 + "mật khẩu là Hoa#hong", 0, True),  # far into a long message still counts
        # The words themselves, punctuated, are not a password: «mật!», «khẩu!», «OTP!», «mã!», «là!».
        ("mật! khẩu của tôi", 0, False),
        ("Bác quên mật khẩu!", 0, False),
        ("Mã OTP! của tôi", 0, False),
        ("mã! otp của tôi", 0, False),
        ("otp là! gì vậy", 0, False),
        ("x" * 496 + " 4829", 3, True),  # anywhere in the text, however long
        ("x " * 3000 + "079123456789", 0, True),
    ],
)
def test_what_looks_secret(text: str, choices: int, secret: bool) -> None:
    from bot.core.privacy import looks_secret

    assert looks_secret(text, choices) is secret


async def test_a_secret_with_no_screen_open_still_gets_the_warning(tutor) -> None:
    from sqlalchemy.orm.attributes import flag_modified

    chat = Chat(tutor)
    await chat.say("/start")
    async with tutor.db.transaction() as repo:
        user = await repo.user_by_external("console", "learner-1")
        assert user is not None
        user.state = {"welcomed": True}  # no choices on screen (e.g. after a plain message)
        flag_modified(user, "state")
    replies = await chat.say("482913")
    assert [r.text[:2] for r in replies] == ["⚠️"] and not replies[0].buttons

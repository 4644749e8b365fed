"""Code guessing (issue 13, item 3): the limit on wrong typed codes holds across /xoadulieu (it keys on
a keyed hash of the platform identity, not on the profile), a bot-wide cap stops many identities
guessing together, and invitation codes are long enough that guessing them is hopeless."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from bot.core.events import Actor
from bot.store.models import Class, User
from tests.support.dialog import Chat
from tests.test_volunteers import code_in, make_class, make_volunteer, setup_units

pytestmark = pytest.mark.dates

WRONG = ["AB2CDE", "EF3GHJ", "JK5MNP", "PQ7RST", "TU9VWX", "XY2ZAB", "CD3EFG"]


@pytest.fixture
async def world(tutor, clock):
    await setup_units(tutor, clock.now)
    org = Chat(tutor, Actor("console", "org-hn", "Chị Hà"))
    minh = await make_volunteer(org, "tnv-minh", "Minh", "hn-phuc-xa")
    _text, klass = await make_class(minh)
    return tutor, org, klass


async def test_erasing_ones_data_does_not_reset_the_guess_limit(world, clock) -> None:
    """Five wrong codes, /xoadulieu for a fresh profile, five more…: before the fix every round got
    its five guesses and, after the fourth reset, the real code joined the class."""
    tutor, org, klass = world
    guesser = org.person("5550001234", "Đoán mò")
    tried = 0
    for _round in range(4):
        await guesser.say("/start")
        for guess in WRONG[:5]:
            replies = await guesser.say(guess)
            tried += not any("nhập sai mã nhiều lần" in r.text for r in replies)
        await guesser.say("/xoadulieu")
        await guesser.say("có")
    await guesser.say("/start")
    replies = await guesser.say(klass.short_code)  # even the right code is refused for a while
    assert "nhập sai mã nhiều lần" in replies[0].text
    assert tried == 5  # the first five; a fresh profile brought no fresh guesses
    async with tutor.db.reader() as repo:
        rows = (await repo.session.execute(select(User).where(User.external_id == "5550001234"))).scalars()
        assert [u.unit_id for u in rows] == [None]  # not in the class
    clock.advance(minutes=16)
    replies = await guesser.say(klass.short_code)
    assert any("Bác đã vào lớp" in r.text for r in replies)


async def test_many_identities_guessing_together_hit_the_bot_wide_cap(
    world, clock, caplog: pytest.LogCaptureFixture
) -> None:
    _tutor, org, klass = world
    caplog.set_level(logging.WARNING, logger="hocvuso")
    for number in range(30):  # thirty "people", one wrong guess each: no one of them is limited
        await org.person(f"bot-{number}", "x").say(WRONG[number % len(WRONG)])
    honest = org.person("hoa", "Bà Hoa")
    replies = await honest.say(klass.short_code)
    assert "chưa nhận mã gõ tay được" in replies[-1].text
    for number in range(30, 40):
        await org.person(f"bot-{number}", "x").say(WRONG[0])
    warnings = [r for r in caplog.records if "wrong join codes" in r.getMessage()]
    assert len(warnings) == 1  # one line for the operator, not one per refusal
    clock.advance(minutes=1, seconds=1)
    replies = await honest.say(klass.short_code)
    assert any("Bác đã vào lớp" in r.text for r in replies)


async def test_invitation_codes_are_long(world) -> None:
    tutor, org, _klass = world
    replies = await org.say("/moi hn-an-khanh")
    code = code_in(next(r.text for r in replies if "Lời mời" in r.text))
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    async with tutor.db.reader() as repo:
        classes = (await repo.session.execute(select(Class.short_code))).scalars().all()
    assert [len(c) for c in classes] == [6]  # a class's code stays short: learners type it
    # A volunteer may type it in any case, with or without the dashes.
    khanh = org.person("tnv-khanh", "Khánh")
    replies = await khanh.say(code.replace("-", " ").lower())
    assert "trở thành tình nguyện viên" in replies[0].text


async def test_the_failures_table_holds_no_platform_id(world) -> None:
    from bot.store.models import CodeFailure

    tutor, org, _klass = world
    guesser = org.person("5550001234", "Đoán mò")
    for guess in WRONG[:3]:
        await guesser.say(guess)
    async with tutor.db.reader() as repo:
        failures = (await repo.session.execute(select(CodeFailure.who))).scalars().all()
    assert len(failures) == 3 and len(set(failures)) == 1
    assert re.fullmatch(r"[0-9a-f]{64}", failures[0]) and "5550001234" not in failures[0]


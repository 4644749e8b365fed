"""Durable progress on both backends: what a learner did survives a restart, exactly once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.core.events import Actor, Choice, Start, Text
from bot.store.models import MediaCache, Outbox, Progress, StepEvent, User
from tests.conftest import make_tutor
from tests.support.dialog import Chat
from tests.support.holds import turn_held

FIXED_NOW = datetime(2026, 11, 4, 3, 0)  # naive UTC, as stored: no test reads the wall clock


async def test_migrations_are_current(tutor) -> None:
    current, head = await tutor.db.schema_status()
    assert current == head and head


async def test_progress_survives_a_new_process(db_url: str) -> None:
    first = await make_tutor(db_url)
    chat = Chat(first)
    await chat.say("/start l-thu-nghiem")
    await chat.say("1")  # step 2 (quiz) is now shown
    await first.db.close()

    second = await make_tutor(db_url)
    replies = await Chat(second).say("/hoc")
    assert replies[-1].text.startswith("Bước 2/4\n❓ Có nên đưa mã OTP")
    async with second.db.reader() as repo:
        row = (await repo.session.execute(select(Progress))).scalar_one()
        assert (row.lesson_id, row.step_id, row.step_index, row.status) == (
            "thu-nghiem",
            "cau-hoi",
            1,
            "in_progress",
        )
    await second.db.close()


async def test_every_answer_is_an_event(tutor) -> None:
    chat = Chat(tutor)
    for line in ["/start l-thu-nghiem", "1", "co", "khong", "xong", "1"]:
        await chat.say(line)
    async with tutor.db.reader() as repo:
        events = (await repo.session.execute(select(StepEvent).order_by(StepEvent.id))).scalars().all()
    summary = [(e.kind, e.step_id, e.answer, e.correct, e.attempt) for e in events]
    assert summary == [
        ("start", "chao", None, None, 1),
        ("shown", "chao", None, None, 1),
        ("answer", "chao", "next", None, 1),
        ("shown", "cau-hoi", None, None, 1),
        ("answer", "cau-hoi", "1", False, 1),
        ("answer", "cau-hoi", "2", True, 2),
        ("shown", "thuc-hanh", None, None, 1),
        ("answer", "thuc-hanh", "done", None, 1),
        ("shown", "ket", None, None, 1),
        ("answer", "ket", "next", None, 1),
        ("complete", "ket", None, None, 1),
    ]


async def test_repeated_update_id_has_no_second_effect(tutor) -> None:
    chat = Chat(tutor)
    await chat.send(Start("l-thu-nghiem"), update_id=100)
    first = await chat.send(Text("1"), update_id=101)
    again = await chat.send(Text("1"), update_id=101)
    assert first and again == []
    async with tutor.db.reader() as repo:
        row = (await repo.session.execute(select(Progress))).scalar_one()
    assert row.step_id == "cau-hoi"


async def test_replies_are_in_the_outbox_before_they_are_sent(tutor) -> None:
    deliveries = await tutor.handle(Actor("console", "u1", "U"), Start("l-thu-nghiem"))
    assert deliveries and all(d.outbox_id > 0 for d in deliveries)
    async with tutor.db.reader() as repo:
        pending = (
            await repo.session.execute(
                select(func.count()).select_from(Outbox).where(Outbox.sent_at.is_(None))
            )
        ).scalar_one()
    assert pending == len(deliveries)


async def test_two_updates_of_one_learner_apply_in_order(tutor) -> None:
    chat = Chat(tutor)
    await chat.say("/start l-thu-nghiem")
    button = chat.last_buttons[0].data  # "Tiếp tục" on step 1
    # Sent together: the first advances to the quiz, the second (typed «không») answers it.
    results = await asyncio.gather(
        chat.send(Choice(button), update_id=1), chat.send(Text("không"), update_id=2)
    )
    assert results[0][-1].text.startswith("Bước 2/4")
    assert results[1][0].text.startswith("✅ Đúng rồi!")


async def test_other_learners_are_not_blocked(tutor) -> None:
    a, b = Chat(tutor, Actor("console", "a", "A")), Chat(tutor, Actor("console", "b", "B"))
    await asyncio.gather(*(c.say("/start l-thu-nghiem") for c in (a, b)))
    await asyncio.gather(a.say("1"), b.say("1"), a.say("khong"), b.say("co"))
    async with tutor.db.reader() as repo:
        # Order by the learner, not the row id: the two first messages race for the id sequence.
        query = select(User.external_id, Progress.step_id).join(User, User.id == Progress.user_id)
        rows = (await repo.session.execute(query.order_by(User.external_id))).all()
    assert [tuple(r) for r in rows] == [("a", "thuc-hanh"), ("b", "cau-hoi")]


async def test_a_learner_whose_turn_is_held_does_not_block_others(tutor) -> None:
    a, b = Chat(tutor, Actor("console", "a", "A")), Chat(tutor, Actor("console", "b", "B"))
    for chat in (a, b):
        await chat.say("/start l-thu-nghiem")
    async with turn_held(tutor, a.actor):
        a_next = asyncio.create_task(a.say("1"))
        served = await asyncio.wait_for(b.say("1"), 15)  # B is served while A's turn is held
        assert served[-1].text.startswith("Bước 2/4")
        assert not a_next.done()  # A's own next update waits for A's turn
    assert (await asyncio.wait_for(a_next, 15))[-1].text.startswith("Bước 2/4")


async def test_processed_update_ids_are_kept_per_channel_and_pruned_only_when_old(tutor) -> None:
    now = datetime(2026, 11, 4, 3, 0)  # naive UTC, as stored; no wall clock
    cutoff = now - timedelta(days=1)
    async with tutor.db.transaction() as repo:
        assert await repo.claim_update("telegram", "old", cutoff - timedelta(seconds=1))
        assert await repo.claim_update("telegram", "edge", cutoff)
        assert await repo.claim_update("telegram", "new", now)
        assert await repo.claim_update("zalo", "new", now)  # another channel's ids are its own
        assert not await repo.claim_update("telegram", "new", now)
        assert await repo.prune_updates(cutoff, 100) == 1
    async with tutor.db.transaction() as repo:
        assert await repo.claim_update("telegram", "old", now)  # forgotten: older than the cutoff
        assert not await repo.claim_update("telegram", "edge", now)
        assert not await repo.claim_update("telegram", "new", now)
        assert not await repo.claim_update("zalo", "new", now)


async def test_a_system_turn_is_for_a_living_user_only(tutor) -> None:
    await Chat(tutor).say("/start")
    async with tutor.db.reader() as repo:
        user = await repo.user_by_external("console", "learner-1")
    assert user is not None
    async with tutor.system_turn(user.id) as turn:
        assert turn is not None and turn.user.id == user.id and turn.user.display_name == "Bà Lan"
        turn.say("Nhắc Bác học tiếp ạ.")
    async with tutor.db.reader() as repo:
        assert await repo.pending_for_user(user.id) >= 1  # its message went to the outbox
    async with tutor.system_turn(user.id + 1000) as turn:
        assert turn is None
    async with tutor.db.transaction() as repo:
        erased = await repo.user(user.id)
        assert erased is not None
        erased.deleted_at = FIXED_NOW
    async with tutor.system_turn(user.id) as turn:
        assert turn is None


async def test_transactions_committed_together_may_use_the_orm_in_the_middle(tutor) -> None:
    """SQLite commits transactions that queue together as one (bot.store.writer). One of them
    that needs an ORM session (a picture's file id remembered while learners' steps are written)
    must join that commit, not end it under the others."""
    db = tutor.db
    await Chat(tutor, Actor("console", "lan", "Lan")).say("/start")
    async with db.reader() as repo:
        lan = (await repo.session.execute(select(User.id))).scalar_one()
        before = (await repo.session.execute(select(func.count()).select_from(Outbox))).scalar_one()

    async def step(n: int) -> None:  # the hot path: plain statements, no session
        async with db.transaction() as repo:
            await repo.enqueue_many(
                [{"user_id": lan, "channel": "telegram", "payload": {"text": f"m{n}"}, "is_reply": False}],
                FIXED_NOW,
            )

    async def remember(n: int) -> None:
        async with db.transaction() as repo:
            await repo.session.merge(MediaCache(channel="telegram", path=f"p{n}.png", file_id=f"f{n}"))

    await asyncio.gather(*(work(n) for n in range(10) for work in (step, remember)))
    async with db.reader() as repo:
        assert (
            await repo.session.execute(select(func.count()).select_from(Outbox))
        ).scalar_one() == before + 10
        assert (await repo.session.execute(select(func.count()).select_from(MediaCache))).scalar_one() == 10

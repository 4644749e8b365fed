"""The outbox's rules, one by one, on both backends: which unsent messages are claimed, which are
superseded, and how the pump delivers (in order, once, kept on flood control, dropped only when
undeliverable)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.channels.outbox import LEASE, MAX_ATTEMPTS, OutboxPump, RetryLater, Undeliverable
from bot.core.replies import Delivery, Reply
from bot.store import Database
from bot.store.models import Outbox

T0 = datetime(2026, 11, 4, 3, 0)  # naive UTC, as stored (bot.clock); the frozen clock starts here
T1 = T0 + timedelta(seconds=5)
NOW = T0 + timedelta(minutes=1)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    await database.migrate()
    yield database
    await database.close()


async def people(db: Database, *names: str) -> dict[str, int]:
    async with db.transaction() as repo:
        return {name: (await repo.grant("telegram", name, "learner", None, T0)).id for name in names}


def row(user_id: int, text: str, at: datetime, *, reply: bool, channel: str = "telegram") -> dict:
    return {
        "user_id": user_id,
        "channel": channel,
        "payload": Reply(text).to_payload(),
        "is_reply": reply,
        "created_at": at,
        "due_at": at,
    }


async def claim(db: Database, now: datetime = NOW) -> list[str]:
    async with db.transaction() as repo:
        return [r.payload["text"] for r, _external in await repo.claim_outbox("telegram", now, LEASE)]


async def unsent(db: Database) -> set[str]:
    async with db.reader() as repo:
        rows = (await repo.session.execute(select(Outbox).where(Outbox.sent_at.is_(None)))).scalars()
        return {r.payload["text"] for r in rows}


async def test_only_the_learners_own_earlier_replies_are_superseded(db: Database) -> None:
    ids = await people(db, "lan", "minh", "tu", "nam")
    lan, minh, tu, nam = ids["lan"], ids["minh"], ids["tu"], ids["nam"]
    async with db.transaction() as repo:
        await repo.enqueue_many(
            [
                # Lan answered an old screen and went on: the old screen must not come back.
                row(lan, "lan: old screen", T0, reply=True),
                # A volunteer's answer to Lan (not a reply to her own message): never dropped.
                row(lan, "lan: volunteer's answer", T0, reply=False),
                row(lan, "lan: new screen", T1, reply=True),
                # Minh's reply followed by a reminder: a notification is not a later turn of his.
                row(minh, "minh: screen", T0, reply=True),
                row(minh, "minh: reminder", T1, reply=False),
                # Tư's reply, older than Lan's later turn: someone else's turn supersedes nothing.
                row(tu, "tu: screen", T0, reply=True),
                # Năm's two replies of one turn (same instant): both are sent.
                row(nam, "nam: feedback", T0, reply=True),
                row(nam, "nam: next step", T0, reply=True),
            ],
            T0,
        )
    claimed = await claim(db)
    assert claimed == [
        "lan: volunteer's answer",
        "lan: new screen",
        "minh: screen",
        "minh: reminder",
        "tu: screen",
        "nam: feedback",
        "nam: next step",
    ]
    # The superseded one is marked sent (never to be claimed again); the claimed ones are leased.
    assert await unsent(db) == set(claimed)
    assert await claim(db) == []  # leased to the first claimer
    assert sorted(await claim(db, NOW + LEASE + timedelta(seconds=1))) == sorted(claimed)  # lease ran out


async def test_claimed_are_due_unsent_unfailed_of_the_channel_and_of_living_users(db: Database) -> None:
    ids = await people(db, "lan", "gone")
    async with db.transaction() as repo:
        queued = await repo.enqueue_many(
            [
                row(ids["lan"], "due", T0, reply=False),
                {**row(ids["lan"], "later", T0, reply=False), "due_at": NOW + timedelta(seconds=1)},
                row(ids["lan"], "zalo", T0, reply=False, channel="zalo"),
                {**row(ids["lan"], "failed", T0, reply=False), "failed": True},
                row(ids["lan"], "sent", T0, reply=False),
                {**row(ids["lan"], "leased", T0, reply=False), "claimed_until": NOW + timedelta(seconds=1)},
                {**row(ids["lan"], "lease over", T0, reply=False), "claimed_until": NOW - timedelta(seconds=1)},
                row(ids["gone"], "to someone who erased their data", T0, reply=False),
            ],
            T0,
        )
        await repo.mark_sent([queued[4]], T1)
        gone = await repo.user(ids["gone"])
        assert gone is not None
        gone.deleted_at = T1
    async with db.transaction() as repo:
        rows = await repo.claim_outbox("telegram", NOW, LEASE)
    assert [(r.payload["text"], external) for r, external in rows] == [("due", "lan"), ("lease over", "lan")]
    assert all(r.attempts == 1 and r.claimed_until == NOW + LEASE for r, _e in rows)


class Sender:
    """The channel's send callback: records what went out; fails as told."""

    def __init__(self, fail: dict[str, Exception] | None = None):
        self.sent: list[str] = []
        self.fail = fail or {}

    async def __call__(self, delivery: Delivery) -> None:
        error = self.fail.pop(delivery.reply.text, None)
        if error is not None:
            raise error
        self.sent.append(delivery.reply.text)


async def queued(db: Database, texts: list[str], channel: str = "telegram") -> list[Delivery]:
    (lan,) = (await people(db, "lan")).values()
    async with db.transaction() as repo:
        ids = await repo.enqueue_many([row(lan, t, T0, reply=False, channel=channel) for t in texts], T0)
    return [Delivery(i, lan, channel, "lan", Reply(t)) for i, t in zip(ids, texts, strict=True)]


async def test_deliver_sends_in_order_marks_sent_and_stops_at_a_network_error(db: Database) -> None:
    deliveries = await queued(db, ["một", "hai", "ba"])
    send = Sender({"hai": OSError("connection reset")})
    pump = OutboxPump(db, "telegram", send)
    await pump.deliver(deliveries)
    await pump.close()  # marks what went out
    assert send.sent == ["một"]  # «ba» waits: it must not overtake «hai»
    assert await unsent(db) == {"hai", "ba"}


@pytest.mark.dates
async def test_flood_control_keeps_the_rest_for_later_in_order(db: Database, clock) -> None:
    deliveries = await queued(db, ["một", "hai", "ba"])
    send = Sender({"hai": RetryLater(30)})
    pump = OutboxPump(db, "telegram", send)
    await pump.deliver(deliveries)
    await pump.close()
    assert send.sent == ["một"]
    async with db.reader() as repo:
        kept = (await repo.session.execute(select(Outbox).where(Outbox.sent_at.is_(None)))).scalars().all()
    assert {r.payload["text"] for r in kept} == {"hai", "ba"}
    assert all(r.claimed_until is None for r in kept)
    assert await pump.pump_once() == 0  # not before the time asked for
    clock.advance(seconds=31)
    assert await pump.pump_once() == 2
    await pump.close()
    assert send.sent == ["một", "hai", "ba"]


async def test_undeliverable_is_marked_failed_and_the_rest_goes_on(db: Database) -> None:
    deliveries = await queued(db, ["một", "hai", "ba"])
    send = Sender({"hai": Undeliverable("blocked")})
    pump = OutboxPump(db, "telegram", send)
    await pump.deliver(deliveries)
    await pump.close()
    assert send.sent == ["một", "ba"]
    async with db.reader() as repo:
        failed = (await repo.session.execute(select(Outbox).where(Outbox.failed.is_(True)))).scalars().all()
    assert [r.payload["text"] for r in failed] == ["hai"]
    assert await pump.pump_once() == 0  # a failed message is not tried again


async def test_deliver_leaves_other_channels_to_their_own_pump(db: Database) -> None:
    deliveries = await queued(db, ["cho zalo"], channel="zalo")
    send = Sender()
    await OutboxPump(db, "telegram", send).deliver(deliveries)
    assert send.sent == []


@pytest.mark.dates
async def test_the_pump_gives_up_after_max_attempts(db: Database, clock) -> None:
    await queued(db, ["không gửi được"])
    send = Sender()
    pump = OutboxPump(db, "telegram", send)
    async with db.transaction() as repo:
        row_ = (await repo.session.execute(select(Outbox))).scalar_one()
        row_.attempts = MAX_ATTEMPTS  # tried this often already
        row_.due_at = T0
    assert await pump.pump_once() == 0
    assert send.sent == []
    async with db.reader() as repo:
        assert (await repo.session.execute(select(Outbox.failed))).scalar_one() is True

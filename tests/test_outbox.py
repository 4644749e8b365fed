"""The outbox's rules, one by one, on both backends: which unsent messages are claimed, which are
superseded, and how the pump delivers (in order, once, kept on flood control, dropped only when
undeliverable)."""

from __future__ import annotations

import asyncio
import contextlib
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
        # Kept apart (`separate`): these tests are about order and failures; a turn's short
        # messages going out as one is tests/test_pacing.py's.
        ids = await repo.enqueue_many(
            [
                {**row(lan, t, T0, reply=False, channel=channel), "payload": Reply(t, separate=True).to_payload()}
                for t in texts
            ],
            T0,
        )
    return [Delivery(i, lan, channel, "lan", Reply(t, separate=True)) for i, t in zip(ids, texts, strict=True)]


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


async def test_at_most_the_limit_is_claimed_at_once(db: Database) -> None:
    (lan,) = (await people(db, "lan")).values()
    async with db.transaction() as repo:
        await repo.enqueue_many([row(lan, f"m{n}", T0, reply=False) for n in range(52)], T0)
    async with db.transaction() as repo:
        assert len(await repo.claim_outbox("telegram", NOW, LEASE, limit=3)) == 3
    async with db.transaction() as repo:
        assert len(await repo.claim_outbox("telegram", NOW, LEASE)) == 49  # 50 by default: 3 were leased
    async with db.transaction() as repo:
        assert len(await repo.claim_outbox("telegram", NOW + LEASE + LEASE, LEASE)) == 50


async def test_a_lease_ending_right_now_is_still_held(db: Database) -> None:
    (lan,) = (await people(db, "lan")).values()
    async with db.transaction() as repo:
        await repo.enqueue_many([{**row(lan, "leased", T0, reply=False), "claimed_until": NOW}], T0)
    assert await claim(db, NOW) == []
    assert await claim(db, NOW + timedelta(microseconds=1)) == ["leased"]


async def test_a_single_message_is_a_notification_unless_said_otherwise(db: Database) -> None:
    """`enqueue` (reminders, re-checks, escalations) writes notifications: a later turn of the
    learner's does not supersede them; its due time and lease are kept."""
    (lan,) = (await people(db, "lan")).values()
    async with db.transaction() as repo:
        reminder = await repo.enqueue(lan, "telegram", Reply("nhắc").to_payload(), T0)
        later = await repo.enqueue(
            lan, "telegram", Reply("hẹn giờ").to_payload(), T0, due_at=NOW + timedelta(hours=1)
        )
        leased = await repo.enqueue(
            lan, "telegram", Reply("đang gửi").to_payload(), T0, claim_for=timedelta(hours=2)
        )
        await repo.enqueue_many([row(lan, "màn hình mới", T1, reply=True)], T1)
        assert await repo.pending_for_user(lan) == 4
    assert len({reminder, later, leased}) == 3
    assert await claim(db) == ["nhắc", "màn hình mới"]
    # An hour on (the first leases have run out too): the one due then, not yet the leased one.
    assert await claim(db, NOW + timedelta(hours=1, seconds=1)) == ["nhắc", "hẹn giờ", "màn hình mới"]
    assert "đang gửi" in await claim(db, T0 + timedelta(hours=2, seconds=1))


async def test_pending_counts_one_users_unsent_messages(db: Database) -> None:
    ids = await people(db, "lan", "minh")
    async with db.transaction() as repo:
        queued = await repo.enqueue_many(
            [row(ids["lan"], t, T0, reply=False) for t in ("một", "hai", "ba")]
            + [row(ids["minh"], "bốn", T0, reply=False)],
            T0,
        )
        await repo.mark_sent([queued[0]], T1)
    async with db.reader() as repo:
        assert await repo.pending_for_user(ids["lan"]) == 2
        assert await repo.pending_for_user(ids["minh"]) == 1


async def test_sent_messages_are_pruned_only_when_old(db: Database) -> None:
    """Pruning goes by when a message was queued (the created_at index, never a scan): one sent or
    given up and queued before the cut-off goes; one queued at or after it stays; one never sent
    stays until its own, earlier cut-off (a channel switched off)."""
    (lan,) = (await people(db, "lan")).values()
    stale = T0 - timedelta(seconds=1)
    async with db.transaction() as repo:
        old, edge, recent, failed, failed_edge, _unsent, _stale = await repo.enqueue_many(
            [
                row(lan, "cũ", T0, reply=False),
                row(lan, "mốc", T1, reply=False),
                row(lan, "mới", NOW, reply=False),
                row(lan, "bị chặn", T0, reply=False),
                row(lan, "bị chặn mốc", T1, reply=False),
                row(lan, "chưa gửi", T0, reply=False),
                row(lan, "kênh đã tắt", stale, reply=False),
            ],
            T0,
        )
        await repo.mark_sent([old, edge, recent], NOW)
        await repo.mark_failed(failed)
        await repo.mark_failed(failed_edge)
        assert await repo.prune_outbox(T1, T0, 100) == 3
    async with db.reader() as repo:
        left = (await repo.session.execute(select(Outbox).order_by(Outbox.id))).scalars().all()
    assert [r.payload["text"] for r in left] == ["mốc", "mới", "bị chặn mốc", "chưa gửi"]


@pytest.mark.postgres
async def test_a_second_worker_skips_what_another_is_claiming(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has one writer: a second worker waits its turn")
    (lan,) = (await people(db, "lan")).values()
    async with db.transaction() as repo:
        await repo.enqueue_many([row(lan, "một", T0, reply=False)], T0)
    async with db.transaction() as first:
        assert len(await first.claim_outbox("telegram", NOW, LEASE)) == 1  # rows locked until commit
        async with db.transaction() as second:
            assert await asyncio.wait_for(second.claim_outbox("telegram", NOW, LEASE), 10) == []


class Recorder(Sender):
    """Records whole deliveries and says when one came."""

    def __init__(self, fail: dict[str, Exception] | None = None):
        super().__init__(fail)
        self.deliveries: list[Delivery] = []
        self.came = asyncio.Event()

    async def __call__(self, delivery: Delivery) -> None:
        await super().__call__(delivery)
        self.deliveries.append(delivery)
        self.came.set()


@pytest.mark.dates
async def test_the_pump_sends_each_due_message_to_its_person_once(db: Database, clock) -> None:
    ids = await people(db, "lan", "minh")
    async with db.transaction() as repo:
        await repo.enqueue_many(
            [row(ids["lan"], "cho Lan", T0, reply=False), row(ids["minh"], "cho Minh", T0, reply=False)], T0
        )
    send = Recorder()
    pump = OutboxPump(db, "telegram", send)
    assert await pump.pump_once() == 2
    assert [(d.user_id, d.external_id, d.reply.text) for d in send.deliveries] == [
        (ids["lan"], "lan", "cho Lan"),
        (ids["minh"], "minh", "cho Minh"),
    ]
    assert all(d.outbox_id for d in send.deliveries)
    assert pump._marker is not None
    await pump._marker  # marked sent shortly after, without waiting for close
    assert await unsent(db) == set()
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert await pump.pump_once() == 0  # sent once, not again after the lease
    await pump.close()


@pytest.mark.dates
async def test_a_message_is_tried_up_to_max_attempts(db: Database, clock) -> None:
    await queued(db, ["lần cuối"])
    async with db.transaction() as repo:
        only = (await repo.session.execute(select(Outbox))).scalar_one()
        only.attempts = MAX_ATTEMPTS - 1
    send = Sender()
    pump = OutboxPump(db, "telegram", send)
    assert await pump.pump_once() == 1  # its MAX_ATTEMPTS-th try still goes
    await pump.close()
    assert send.sent == ["lần cuối"]


@pytest.mark.dates
async def test_flood_control_releases_the_lease_of_exactly_the_rest(db: Database, clock) -> None:
    await queued(db, ["một", "hai", "ba"])
    send = Sender({"hai": RetryLater(30)})
    pump = OutboxPump(db, "telegram", send)
    assert await pump.pump_once() == 3  # claimed (leased) all three, sent «một», kept the rest
    await pump.close()
    async with db.reader() as repo:
        rows = {r.payload["text"]: r for r in (await repo.session.execute(select(Outbox))).scalars()}
    assert rows["một"].sent_at is not None and rows["một"].due_at == T0
    for text in ("hai", "ba"):
        assert rows[text].claimed_until is None and rows[text].due_at == clock.now + timedelta(seconds=30)


async def test_deliver_goes_past_other_channels_messages(db: Database) -> None:
    mixed = await queued(db, ["một"]) + await queued(db, ["cho Zalo"], channel="zalo")
    mixed += [Delivery(mixed[0].outbox_id, mixed[0].user_id, "telegram", "lan", Reply("hai"))]
    send = Sender()
    pump = OutboxPump(db, "telegram", send)
    await pump.deliver(mixed)
    await pump.close()
    assert send.sent == ["một", "hai"]


class CountingPump(OutboxPump):
    """Says when it has gone round twice with nothing to send."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.empty_rounds = 0
        self.idle = asyncio.Event()

    async def pump_once(self) -> int:
        count = await super().pump_once()
        self.empty_rounds += count == 0
        if self.empty_rounds >= 2:
            self.idle.set()
        return count


async def test_close_with_nothing_sent_and_the_pump_loop(db: Database) -> None:
    await OutboxPump(db, "telegram", Sender()).close()  # nothing to mark: fine
    send = Recorder()
    pump = CountingPump(db, "telegram", send, interval=0.01)
    loop = asyncio.create_task(pump.run())
    try:
        await asyncio.wait_for(pump.idle.wait(), 10)  # two empty rounds, an idle wait between
        await queued(db, ["đến sau"])
        await asyncio.wait_for(send.came.wait(), 10)
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
        await pump.close()
    assert send.sent == ["đến sau"]


class RoundsPump(OutboxPump):
    """Counts its rounds; the first one fails if told to (the database away for a moment)."""

    def __init__(self, *args, fail_first: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rounds = 0
        self.fail_first = fail_first
        self.second = asyncio.Event()

    async def pump_once(self) -> int:
        self.rounds += 1
        if self.rounds >= 2:
            self.second.set()
        if self.fail_first and self.rounds == 1:
            raise OSError("database away")
        return await super().pump_once()


async def yield_a_while() -> None:
    for _ in range(50):
        await asyncio.sleep(0)  # let a loop that does not wait go round many times


@pytest.mark.parametrize("fail_first", [False, True])
async def test_the_pump_loop_waits_only_when_idle_or_failing(db: Database, fail_first: bool) -> None:
    """With work it goes round again at once; with none, or after an error, it waits its interval
    (an hour here: a second round that comes at once is a busy loop)."""
    await queued(db, ["một"])
    pump = RoundsPump(db, "telegram", Sender(), interval=3600, fail_first=fail_first)
    loop = asyncio.create_task(pump.run())
    try:
        if fail_first:
            await yield_a_while()
            assert pump.rounds == 1  # after the error it waits
        else:
            await asyncio.wait_for(pump.second.wait(), 10)  # sent one: straight on to the next round
            await yield_a_while()
            assert pump.rounds == 2  # that one was empty: it waits
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
        await pump.close()

"""The outbox: replies written in the update's transaction, claimed, sent, retried, pruned."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select, update

from bot.store.models import Outbox, User
from bot.store.queries.base import Queries
from bot.store.queries.hot import hot_statements

ATTACHMENTS = ("document", "image_bytes")


def without_attachments(payload: dict[str, Any]) -> dict[str, Any]:
    """A message's payload without the files it carried (an Excel report, a QR picture): what the
    outbox keeps once it is sent or given up. The file's name stays, for the record."""
    kept = {key: value for key, value in payload.items() if key not in ATTACHMENTS}
    document = payload.get("document")
    if isinstance(document, dict):
        kept["document_sent"] = document.get("filename", "")
    return kept


class OutboxQueries(Queries):
    async def enqueue(
        self,
        user_id: int,
        channel: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        due_at: datetime | None = None,
        claim_for: timedelta | None = None,
    ) -> int:
        (outbox_id,) = await self.enqueue_many(
            [
                {
                    "user_id": user_id,
                    "channel": channel,
                    "payload": payload,
                    "due_at": due_at or now,
                    "claimed_until": (now + claim_for) if claim_for else None,
                }
            ],
            now,
        )
        return outbox_id

    async def enqueue_many(self, rows: list[dict[str, Any]], now: datetime) -> list[int]:
        """Insert messages in one round trip; their ids, in order."""
        if not rows:
            return []
        values = [
            {
                "created_at": now,
                "attempts": 0,
                "failed": False,
                "due_at": now,
                "claimed_until": None,
                "is_reply": False,
                **row,
            }
            for row in rows
        ]
        return await self.work.sql.insert(Outbox.__table__, values, ids=True)

    async def claim_outbox(
        self,
        channel: str,
        now: datetime,
        lease: timedelta,
        limit: int = 50,
        external_id: str | None = None,
        *,
        bot: str | None = None,
        default: bool = True,
        others: tuple[str, ...] = (),
    ) -> list[tuple[Outbox, str]]:
        """Due, unsent messages for a channel's bot with the recipient's platform id, leased so
        another worker does not send them too; only one recipient's with `external_id` (the
        console, where each open chat delivers its own person's messages). The `default` bot also
        takes messages with no bot, or with a bot that is not among the `others` configured (one
        removed from the config).

        A reply to the user's own message is superseded once the user's conversation has moved on to
        a later turn (its sender died before marking it sent; the user answered it or went on):
        resending it would bring back an old screen, so it is marked sent instead. Messages from
        others (a volunteer's answer, a reminder) are never superseded."""
        later = Outbox.__table__.alias("later")
        superseded = and_(
            Outbox.is_reply.is_(True),
            select(later.c.id)
            .where(
                later.c.user_id == Outbox.user_id,
                later.c.is_reply.is_(True),
                later.c.created_at > Outbox.created_at,
            )
            .exists(),
        )
        query: Select[Any] = (
            select(Outbox, User.external_id, superseded)
            .join(User, User.id == Outbox.user_id)
            .where(
                Outbox.channel == channel,
                Outbox.sent_at.is_(None),
                Outbox.failed.is_(False),
                Outbox.due_at <= now,
                User.deleted_at.is_(None),
                or_(Outbox.claimed_until.is_(None), Outbox.claimed_until < now),
                self._bot_filter(bot, default, others),
            )
            .order_by(Outbox.id)
            .limit(limit)
        )
        if external_id is not None:
            query = query.where(User.external_id == external_id)
        if self.dialect == "postgresql":
            query = query.with_for_update(of=Outbox, skip_locked=True)
        rows = []
        for row, external, old in (await self.session.execute(query)).all():
            if old:
                row.sent_at = now
                continue
            row.claimed_until = now + lease
            row.attempts += 1
            rows.append((row, external))
        return rows

    @staticmethod
    def _bot_filter(bot: str | None, default: bool, others: tuple[str, ...]) -> Any:
        if not default:
            return Outbox.bot == bot
        mine = [Outbox.bot.is_(None)]
        if bot is not None:
            mine.append(Outbox.bot == bot)
        if others:
            mine.append(Outbox.bot.not_in(others))
        else:
            mine.append(Outbox.bot.is_not(None))
        return or_(*mine)

    async def lease(self, ids: Iterable[int], until: datetime) -> None:
        """Keep messages waiting in a send queue leased to this process."""
        ids = list(ids)
        if ids:
            await self.session.execute(
                update(Outbox).where(Outbox.id.in_(ids), Outbox.sent_at.is_(None)).values(claimed_until=until)
            )

    async def mark_sent(self, ids: Iterable[int], now: datetime) -> None:
        ids = list(ids)
        if ids:
            await self.work.conn.execute(
                hot_statements(self.dialect)["mark_sent"], {"p_ids": ids, "p_at": now}
            )

    async def drop_attachments(self, ids: Iterable[int]) -> None:
        """Files are not kept once their message is sent (or given up): reports list names."""
        ids = list(ids)
        if ids:
            for row in (await self.session.execute(select(Outbox).where(Outbox.id.in_(ids)))).scalars():
                if any(key in row.payload for key in ATTACHMENTS):
                    row.payload = without_attachments(row.payload)

    async def mark_failed(self, outbox_id: int) -> None:
        await self.session.execute(update(Outbox).where(Outbox.id == outbox_id).values(failed=True))
        await self.drop_attachments([outbox_id])

    async def release(self, outbox_id: int, retry_at: datetime) -> None:
        """Give a message back to the queue (flood control): due again at `retry_at`."""
        await self.session.execute(
            update(Outbox).where(Outbox.id == outbox_id).values(claimed_until=None, due_at=retry_at)
        )

    async def prune_outbox(self, before: datetime, stale_before: datetime, limit: int) -> int:
        """Delete up to `limit` old messages, oldest first, by the created_at index (never a scan
        of the whole table): sent or given up before `before`, or never sent before `stale_before`
        (a channel switched off). Their texts may name people: nothing is kept for ever."""
        done = or_(Outbox.sent_at.is_not(None), Outbox.failed.is_(True), Outbox.created_at < stale_before)
        batch = (
            select(Outbox.id).where(Outbox.created_at < before, done).order_by(Outbox.created_at).limit(limit)
        )
        result = await self.session.execute(delete(Outbox).where(Outbox.id.in_(batch.scalar_subquery())))
        return result.rowcount or 0

    async def pending_for_user(self, user_id: int) -> int:
        return (
            await self.session.execute(
                select(func.count())
                .select_from(Outbox)
                .where(Outbox.user_id == user_id, Outbox.sent_at.is_(None))
            )
        ).scalar_one()

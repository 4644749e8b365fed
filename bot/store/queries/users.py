"""People: the user row (locked for the whole update), roles, erasure, who helps whom."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update

from bot.store.models import (
    Certificate,
    HelpRequest,
    Outbox,
    Pairing,
    Recheck,
    User,
    WebSession,
    WebToken,
)
from bot.store.queries.hot import hot_statements
from bot.store.queries.units import UnitQueries


class UserQueries(UnitQueries):
    """People are placed in units: an organizer's reach is their unit's subtree."""

    async def lock_user(
        self, channel: str, external_id: str, name: str | None, now: datetime, bot: str | None = None
    ) -> tuple[User, bool]:
        """The user row, locked for this transaction (per-learner ordering); created if new, as a
        user of `bot` (the bot they started with, when a channel has several).

        Usually one statement: on PostgreSQL UPDATE … RETURNING, which holds the row lock until
        commit exactly like SELECT … FOR UPDATE; on SQLite, whose one writer is a lock already, a
        plain SELECT (the row is written once, at the end). A newcomer is inserted; if another
        worker inserted them a moment earlier, the update is tried again."""
        statements = hot_statements(self.dialect)
        touch = statements["touch_user"] if self.dialect == "postgresql" else statements["user"]
        params = {
            "p_channel": channel,
            "p_external_id": external_id,
            "p_display_name": name,
            "p_now": now,
            "p_bot": bot,
        }
        for _attempt in range(2):
            rows = await self.work.sql.rows(touch, params)
            if rows:
                user = self.work.load(User, rows[0])
                user.last_active_at = now
                return user, False
            rows = await self.work.sql.rows(statements["insert_user"], params)
            if rows:
                return self.work.load(User, rows[0]), True
        raise RuntimeError("user row neither updated nor inserted")  # pragma: no cover

    async def lock_user_id(self, user_id: int) -> User | None:
        return (
            await self.session.execute(
                select(User)
                .where(User.id == user_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()

    async def user(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def user_by_external(self, channel: str, external_id: str) -> User | None:
        return (
            await self.session.execute(
                select(User).where(User.channel == channel, User.external_id == external_id)
            )
        ).scalar_one_or_none()

    async def erase_personal_data(self, user_id: int) -> None:
        """Delete what ties a person to their activity; anonymous counting rows stay."""
        await self.session.execute(delete(HelpRequest).where(HelpRequest.learner_id == user_id))
        await self.session.execute(delete(Pairing).where(Pairing.learner_id == user_id))
        await self.session.execute(delete(Outbox).where(Outbox.user_id == user_id, Outbox.sent_at.is_(None)))
        await self.session.execute(update(Outbox).where(Outbox.user_id == user_id).values(payload={}))
        await self.session.execute(delete(Recheck).where(Recheck.user_id == user_id))
        # A certificate stays counted (and its code still says it was issued), without the name.
        await self.session.execute(
            update(Certificate).where(Certificate.user_id == user_id).values(name=None)
        )
        # Signed-in dashboard browsers and unused links end with the data.
        await self.session.execute(delete(WebSession).where(WebSession.user_id == user_id))
        await self.session.execute(delete(WebToken).where(WebToken.user_id == user_id))

    async def grant(
        self, channel: str, external_id: str, role: str, unit_id: str | None, now: datetime
    ) -> User:
        user = await self.user_by_external(channel, external_id)
        if user is None:
            user = User(
                channel=channel,
                external_id=external_id,
                role=role,
                unit_id=unit_id,
                created_at=now,
                last_active_at=now,
                state={},
                reminders_paused=False,
                reminders_unanswered=0,
            )
            self.session.add(user)
        else:
            user.role = role
            if unit_id is not None:
                user.unit_id = unit_id
            if (user.state or {}).get("organizer_by"):
                # Granted by hand: no longer the config's to take back (bot.app.apply_config_organizers).
                user.state = {k: v for k, v in user.state.items() if k != "organizer_by"}
        await self.session.flush()
        return user

    async def organizers_for(self, unit_id: str | None) -> list[User]:
        """Organizers whose scope covers the unit: of the unit or a unit above it, or of everything."""
        units = await self.ancestors(unit_id)
        rows = await self.session.execute(
            select(User)
            .where(
                User.role == "organizer",
                User.deleted_at.is_(None),
                or_(User.unit_id.is_(None), User.unit_id.in_(units)) if units else User.unit_id.is_(None),
            )
            .order_by(User.id)
        )
        return list(rows.scalars())

    async def organizers_to_tell(self, unit_id: str | None, limit: int = 10) -> list[User]:
        """Who hears about a learner when no volunteer can: the organizers of the nearest unit up
        the tree that has any, else the campaign's (no unit), else — so that nobody is left
        unheard — the first organizer there is. Empty only when there is no organizer at all."""
        for unit in await self.ancestors(unit_id):
            rows = await self.session.execute(
                select(User)
                .where(User.role == "organizer", User.deleted_at.is_(None), User.unit_id == unit)
                .order_by(User.id)
                .limit(limit)
            )
            found = list(rows.scalars())
            if found:
                return found
        anyone = select(User).where(User.role == "organizer", User.deleted_at.is_(None))
        campaign = list(
            (
                await self.session.execute(
                    anyone.where(User.unit_id.is_(None)).order_by(User.id).limit(limit)
                )
            ).scalars()
        )
        if campaign:
            return campaign
        first = (await self.session.execute(anyone.order_by(User.id).limit(1))).scalars().first()
        return [first] if first is not None else []

    async def people(self, role: str, scope: list[str] | None, limit: int = 50) -> list[User]:
        query = select(User).where(User.role == role, User.deleted_at.is_(None))
        if scope is not None:
            query = query.where(User.unit_id.in_(scope))
        return list((await self.session.execute(query.order_by(User.id).limit(limit))).scalars())

    async def helpers_for(self, learner: User) -> list[User]:
        """Who should hear a learner's help request: the paired volunteer, else the unit's volunteers."""
        paired = (
            await self.session.execute(
                select(User)
                .join(Pairing, Pairing.volunteer_id == User.id)
                .where(
                    Pairing.learner_id == learner.id,
                    User.deleted_at.is_(None),
                    User.role.in_(("volunteer", "organizer")),
                )
            )
        ).scalar_one_or_none()
        if paired is not None:
            return [paired]
        if learner.unit_id is None:
            return []
        rows = await self.session.execute(
            select(User)
            .where(User.unit_id == learner.unit_id, User.role == "volunteer", User.deleted_at.is_(None))
            .order_by(User.id)
            .limit(20)
        )
        return list(rows.scalars())

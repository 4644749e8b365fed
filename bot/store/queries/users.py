"""People: the user row (locked for the whole update), roles, erasure, who helps whom."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm.util import identity_key

from bot.store.models import (
    Assignment,
    Certificate,
    Enrollment,
    HelpRequest,
    Outbox,
    Pairing,
    Recheck,
    Team,
    TeamMember,
    User,
    WebSession,
    WebToken,
)
from bot.store.queries.hot import hot_statements
from bot.store.queries.outbox import without_attachments
from bot.store.queries.units import UnitQueries

DOCUMENT_WITHDRAWN = (
    "📎 Tệp báo cáo đã bị hủy vì có người vừa xóa dữ liệu của mình. Bạn bấm «Báo cáo Excel» để làm lại."
)


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

    async def names_of(self, ids: Iterable[int]) -> dict[int, tuple[str | None, bool]]:
        """(display name, erased) of each user id that exists; this transaction's own changes count."""
        found: dict[int, tuple[str | None, bool]] = {}
        missing = []
        identities = self.session.sync_session.identity_map
        for user_id in set(ids):
            user = identities.get(identity_key(User, user_id))
            if user is not None:
                found[user_id] = (user.display_name, user.deleted_at is not None)
            else:
                missing.append(user_id)
        if missing:
            rows = await self.session.execute(
                select(User.id, User.display_name, User.deleted_at).where(User.id.in_(missing))
            )
            for user_id, display_name, deleted_at in rows:
                found[user_id] = (display_name, deleted_at is not None)
        return found

    async def erase_personal_data(self, user_id: int) -> None:
        """Delete what ties a person to their activity (README, Privacy). What stays is counted
        only: progress rows and step events under a user row with no name, no platform id, no
        class and no commune (the caller clears the row itself). Messages to others keep naming
        them by id, which now reads «(đã xóa dữ liệu)» (bot.core.people)."""
        for statement in (
            delete(HelpRequest).where(HelpRequest.learner_id == user_id),
            update(HelpRequest).where(HelpRequest.volunteer_id == user_id).values(volunteer_id=None),
            delete(Pairing).where(or_(Pairing.learner_id == user_id, Pairing.volunteer_id == user_id)),
            delete(Outbox).where(Outbox.user_id == user_id),
            delete(Recheck).where(Recheck.user_id == user_id),
            delete(Enrollment).where(Enrollment.user_id == user_id),
            delete(Assignment).where(Assignment.learner_id == user_id),
            # A certificate stays counted (and its code still says it was issued), without the name.
            update(Certificate).where(Certificate.user_id == user_id).values(name=None),
            # A volunteer leaves their team; the count of their check-ins and support stays.
            delete(TeamMember).where(TeamMember.user_id == user_id),
            update(Team).where(Team.leader_id == user_id).values(leader_id=None),
            # Signed-in dashboard browsers and unused links end with the data.
            delete(WebSession).where(WebSession.user_id == user_id),
            delete(WebToken).where(WebToken.user_id == user_id),
        ):
            await self.session.execute(statement)
        # A report still waiting to be sent to someone may list them: it goes, with a note.
        waiting = await self.session.execute(select(Outbox).where(Outbox.sent_at.is_(None)))
        for row in waiting.scalars():
            if "document" in row.payload:
                row.payload = {**without_attachments(row.payload), "text": DOCUMENT_WITHDRAWN}

    async def erased_since(self, since: datetime) -> bool:
        found = await self.session.execute(select(User.id).where(User.deleted_at >= since).limit(1))
        return found.first() is not None

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

"""The web dashboard's records: one-time links (sign-in, report download), browser sessions and the
generated cookie-signing key. Tokens and session ids are random; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from bot.store.models import User, WebSession, WebToken
from bot.store.queries.base import Queries


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class WebQueries(Queries):
    async def issue_web_token(self, kind: str, user_id: int, now: datetime, ttl: timedelta) -> str:
        """A new one-time token (192 random bits); the caller puts it in a link."""
        # Links long past use are of no further interest: keep the table small.
        await self.session.execute(delete(WebToken).where(WebToken.expires_at < now - timedelta(days=1)))
        raw = secrets.token_urlsafe(24)
        self.add(
            WebToken(token_hash=digest(raw), kind=kind, user_id=user_id, created_at=now, expires_at=now + ttl)
        )
        await self.flush()
        return raw

    async def web_token(self, kind: str, raw: str) -> WebToken | None:
        return (
            await self.session.execute(
                select(WebToken).where(WebToken.token_hash == digest(raw), WebToken.kind == kind)
            )
        ).scalar_one_or_none()

    async def use_web_token(self, kind: str, raw: str, now: datetime) -> int | None:
        """Mark the token used and return its person's id, if it is unused and unexpired. One
        conditional UPDATE, so two browsers racing with the same link cannot both get in."""
        result = await self.session.execute(
            update(WebToken)
            .where(
                WebToken.token_hash == digest(raw),
                WebToken.kind == kind,
                WebToken.used_at.is_(None),
                WebToken.expires_at > now,
            )
            .values(used_at=now)
        )
        if result.rowcount != 1:
            return None
        token = await self.web_token(kind, raw)
        return token.user_id if token else None

    async def open_web_session(self, user: User, now: datetime, idle: timedelta) -> str:
        await self.session.execute(delete(WebSession).where(WebSession.last_seen_at < now - idle))
        raw = secrets.token_urlsafe(32)
        self.add(
            WebSession(
                id_hash=digest(raw),
                user_id=user.id,
                role=user.role,
                unit_id=user.unit_id,
                created_at=now,
                last_seen_at=now,
            )
        )
        await self.flush()
        return raw

    async def web_session(self, raw: str) -> WebSession | None:
        return await self.session.get(WebSession, digest(raw))

    async def end_web_session(self, raw: str) -> None:
        await self.session.execute(delete(WebSession).where(WebSession.id_hash == digest(raw)))

    async def end_web_sessions(self, user_id: int) -> None:
        """Sign a person out everywhere and void their unused links."""
        await self.session.execute(delete(WebSession).where(WebSession.user_id == user_id))
        await self.session.execute(delete(WebToken).where(WebToken.user_id == user_id))

"""Helpers for the campaign tests: a province with two communes, organizers and volunteers made the
way people are (invitations typed in the chat), buttons pressed by their label."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from bot.core.engine import Tutor
from bot.core.events import Actor, Choice
from bot.core.replies import Reply
from bot.store.models import ClassSession, OutreachEvent
from tests.support.dialog import Chat

CODE = re.compile(r"gõ mã: ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}|[A-Z0-9]{6})")  # invitations: 12, dashed


async def setup_province(tutor: Tutor, now: datetime) -> None:
    """Quảng Ninh with Xã A and Phường B, and its organizers (of the province, of Xã A); Thái
    Nguyên with a commune, and its organizer."""
    async with tutor.db.transaction() as repo:
        await repo.upsert_unit("qn", "Quảng Ninh", None, "tinh")
        await repo.upsert_unit("qn-a", "Xã A", "qn", "xa")
        await repo.upsert_unit("qn-b", "Phường B", "qn", "xa")
        await repo.upsert_unit("tn", "Thái Nguyên", None, "tinh")
        await repo.upsert_unit("tn-x", "Xã Thái Xuân", "tn", "xa")
        await repo.grant("console", "org-qn", "organizer", "qn", now)
        await repo.grant("console", "org-a", "organizer", "qn-a", now)
        await repo.grant("console", "org-tn", "organizer", "tn", now)


def code_in(replies: list[Reply] | str) -> str:
    text = replies if isinstance(replies, str) else "\n".join(r.text for r in replies)
    match = CODE.search(text)
    assert match, text
    return match.group(1)


async def press(chat: Chat, label: str) -> list[Reply]:
    """Press the button of the newest screen whose label is (or starts with) `label`."""
    for button in chat.last_buttons:
        if button.label == label or button.label.startswith(label):
            return await chat.send(Choice(button.data))
    raise AssertionError(f"no button {label!r} among {[b.label for b in chat.last_buttons]}")


def text_of(replies: list[Reply]) -> str:
    return "\n\n".join(r.text for r in replies)


async def volunteer(org: Chat, external_id: str, name: str, unit: str) -> Chat:
    invite = code_in(await org.say(f"/moi {unit}"))
    person = org.person(external_id, name)
    replies = await person.say(f"/ma {invite}")
    assert "bạn sẽ trở thành tình nguyện viên" in replies[0].text  # asked first
    replies = await press(person, "✅ Đồng ý")
    assert "trở thành tình nguyện viên" in replies[0].text
    return person


async def learner(chat: Chat, external_id: str, name: str) -> Chat:
    person = chat.person(external_id, name)
    await person.say("/start")
    return person


async def latest_session(tutor: Tutor) -> ClassSession:
    async with tutor.db.reader() as repo:
        query = select(ClassSession).order_by(ClassSession.id.desc()).limit(1)
        return (await repo.session.execute(query)).scalar_one()


async def latest_event(tutor: Tutor) -> OutreachEvent:
    async with tutor.db.reader() as repo:
        query = select(OutreachEvent).order_by(OutreachEvent.id.desc()).limit(1)
        return (await repo.session.execute(query)).scalar_one()


def actor(external_id: str, name: str) -> Actor:
    return Actor("console", external_id, name)

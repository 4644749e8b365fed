"""/baocao does not stall the bot (issue 13, item 10): the workbook is built after the organizer's
update has committed, in a worker thread on a read-only connection of its own — a learner typing
meanwhile is answered at once — one per organizer per cooldown, and the file is not kept once sent."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import select

import bot.features.organizer.routes as organizer_routes
from bot.channels.outbox import OutboxPump
from bot.core.events import Actor
from bot.store.models import Outbox
from tests.support.dialog import Chat
from tests.test_volunteers import setup_units

pytestmark = pytest.mark.dates


async def drain(tutor) -> None:
    """Wait for reports being built in the background (before the fix they were built in the turn)."""
    if hasattr(tutor, "drain"):
        await tutor.drain()


async def test_a_learner_is_answered_while_the_workbook_is_being_built(tutor, clock, monkeypatch) -> None:
    await setup_units(tutor, clock.now)
    org = Chat(tutor, Actor("console", "org-hn", "Chị Hà"))
    lan = org.person("lan", "Bà Lan")
    await lan.say("/start")
    inside, release, built = threading.Event(), threading.Event(), threading.Event()
    to_xlsx = organizer_routes.to_xlsx

    def held_open(*args, **kwargs):  # the real workbook, once the test has seen the learner answered
        inside.set()
        release.wait(10)
        content = to_xlsx(*args, **kwargs)
        built.set()
        return content

    monkeypatch.setattr(organizer_routes, "to_xlsx", held_open)
    pressed = asyncio.create_task(org.say("/baocao"))
    assert await asyncio.to_thread(inside.wait, 10)
    replies = await lan.say("/tiendo")  # needs the (single SQLite) writer and the event loop
    answered_while_building = not built.is_set()
    release.set()
    await pressed
    await drain(tutor)
    assert replies[0].text.startswith("📊 Bác đã học xong")
    assert answered_while_building
    assert pressed.result()[0].text.startswith("⏳ Cháu đang làm báo cáo Excel")
    sent = []

    async def record(delivery) -> None:
        sent.append(delivery)

    pump = OutboxPump(tutor.db, "console", record)
    await pump.pump_once()
    await pump.close()
    (report,) = [d for d in sent if d.reply.document is not None]
    assert report.external_id == "org-hn" and report.reply.document.filename.startswith("bao-cao-hn-")
    async with tutor.db.reader() as repo:
        payload = (await repo.session.execute(select(Outbox.payload).where(Outbox.id == report.outbox_id))).scalar_one()
    assert "document" not in payload and payload["document_sent"] == report.reply.document.filename


async def test_one_report_per_organizer_per_cooldown(tutor, clock) -> None:
    await setup_units(tutor, clock.now)
    org = Chat(tutor, Actor("console", "org-hn", "Chị Hà"))
    other = org.person("org-hue", "Anh Huế")
    assert (await org.say("/baocao"))[0].text.startswith("⏳")
    clock.advance(seconds=50)
    again = await org.say("/baocao")
    assert again[0].text.startswith("Bạn vừa yêu cầu báo cáo rồi. Bạn chờ 2 phút")
    assert (await other.say("/baocao"))[0].text.startswith("⏳")  # per organizer
    clock.advance(minutes=1, seconds=10)
    assert (await org.say("/baocao"))[0].text.startswith("⏳")
    await drain(tutor)
    async with tutor.db.reader() as repo:
        payloads = (await repo.session.execute(select(Outbox.payload))).scalars().all()
    assert sum("document" in p for p in payloads) == 3

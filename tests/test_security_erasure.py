"""Erasure that erases (issue 13, item 4): after /xoadulieu no row of any table holds the learner's
name or platform id — not the messages queued for her volunteer and the organizers, not a stored
Excel report, not her volunteer's saved screen — and what others still have refers to her by an id
that now reads «(đã xóa dữ liệu)». Her class and commune go too; anonymous progress stays."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest
from sqlalchemy import JSON, String, Text, func, select

from bot.channels.outbox import OutboxPump
from bot.core.events import Actor, Start
from bot.core.scheduler import Scheduler
from bot.store.models import Assignment, Base, Enrollment, Progress, StepEvent, User
from tests.support.dialog import Chat
from tests.test_volunteers import code_in, make_class, setup_units

pytestmark = pytest.mark.dates


async def drain(tutor) -> None:
    """Wait for reports being built in the background (before the fix they were built in the turn)."""
    if hasattr(tutor, "drain"):
        await tutor.drain()

NAME = "Nguyễn Thị Xuyến"
PLATFORM_ID = "5550001234"
NEEDLES = (NAME, "Xuyến", "Xuyen", PLATFORM_ID)


def _documents(payload: dict) -> str:
    """The text inside a stored Excel file (an .xlsx is a zip of XML)."""
    document = payload.get("document") if isinstance(payload, dict) else None
    if not document or not document.get("content"):
        return ""
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(document["content"]))) as book:
        return " ".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())


async def every_stored_text(tutor) -> list[tuple[str, str, str]]:
    """(table, column, text) for every text and JSON value in the database, files unpacked."""
    found = []
    async with tutor.db.reader() as repo:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in (await repo.session.execute(select(*columns))).all():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
                    if isinstance(value, dict):
                        text += _documents(value)
                    found.append((table.name, column.name, text))
    return found


async def leaks(tutor) -> list[tuple[str, str]]:
    return [
        (table, column) for table, column, text in await every_stored_text(tutor) if any(n in text for n in NEEDLES)
    ]


async def test_erasure_leaves_no_name_and_no_platform_id_anywhere(tutor, clock) -> None:
    await setup_units(tutor, clock.now)
    async with tutor.db.transaction() as repo:
        await repo.grant("console", "org-all", "organizer", None, clock.now)  # the whole campaign
    org = Chat(tutor, Actor("console", "org-hn", "Chị Hà"))
    boss = org.person("org-all", "Anh Tuấn")
    # Her volunteer is on Zalo, so what the bot says to him waits in the outbox for the Zalo pump.
    invite = next(r.text for r in await org.say("/moi hn-phuc-xa") if "Lời mời" in r.text)
    minh = Chat(tutor, Actor("zalo", "tnv-minh", "Minh"), inbox=org.inbox)
    await minh.say(f"/ma {code_in(invite)}")
    await minh.say("1")  # ✅ Đồng ý
    _text, klass = await make_class(minh)
    lan = Chat(tutor, Actor("telegram", PLATFORM_ID, NAME), inbox=org.inbox)
    await lan.send(Start(f"c-{klass.code}"))
    for line in ["/start l-thu-nghiem", "1", "/giupdo"]:
        await lan.say(line)
    async with tutor.db.reader() as repo:
        learner = await repo.user_by_external("telegram", PLATFORM_ID)
    await minh.say(f"/giaobai thu-nghiem #{learner.id}")
    await minh.say("/hocvien")
    # An organizer's Excel report, delivered (and so no longer kept), then a second one still queued.
    sent: list = []

    async def record(delivery) -> None:
        sent.append(delivery)

    direct = await boss.say("/baocao")  # (before the fix the workbook came with the reply)
    await drain(tutor)
    pump = OutboxPump(tutor.db, "console", record)
    await pump.pump_once()
    await pump.close()
    delivered = [d.reply for d in sent if d.external_id == "org-all"] + direct
    assert any(reply.document is not None for reply in delivered)
    await Scheduler(tutor).tick(clock.advance(minutes=125))  # unanswered: the organizers are told
    await boss.say("/baocao")
    await drain(tutor)
    # Her volunteer is left on the screen that lists his learners by name, to pick one.
    await minh.say("/giaobai")
    await minh.say("👤 Một học viên")
    assert await leaks(tutor)  # the setting is right: she is named in many places now

    await lan.say("/xoadulieu")
    await lan.say("có")

    assert await leaks(tutor) == []
    async with tutor.db.reader() as repo:
        user = await repo.session.get(User, learner.id)
        enrolled = (await repo.session.execute(select(func.count()).select_from(Enrollment))).scalar_one()
        assigned = (await repo.session.execute(select(func.count()).select_from(Assignment))).scalar_one()
        progress = (
            await repo.session.execute(select(func.count()).select_from(Progress).where(Progress.user_id == user.id))
        ).scalar_one()
        events = (
            await repo.session.execute(select(func.count()).select_from(StepEvent).where(StepEvent.user_id == user.id))
        ).scalar_one()
    assert (enrolled, assigned) == (0, 0)  # not in the class of five any more
    assert user.unit_id == "hn"  # counted in the province's figures, not the commune's
    assert progress == 1 and events > 0  # the campaign keeps its anonymous counts

    # What others still have names her as erased: the queued notices to her volunteer…
    zalo_out: list = []

    async def to_zalo(delivery) -> None:
        zalo_out.append(delivery.reply.text)

    await OutboxPump(tutor.db, "zalo", to_zalo).pump_once()
    about_her = [t for t in zalo_out if "cần giúp (yêu cầu #" in t or "đã vào lớp" in t]
    assert len(about_her) == 2
    assert about_her and all("(đã xóa dữ liệu)" in t for t in about_her), zalo_out
    # …the escalations to both organizers, and the report that was still waiting.
    out: list = []

    async def to_console(delivery) -> None:
        out.append(delivery)

    await OutboxPump(tutor.db, "console", to_console).pump_once()
    escalations = [d for d in out if d.reply.text.startswith("⚠️ Yêu cầu giúp đỡ")]
    assert "org-hn" in [d.external_id for d in escalations]
    assert all("(đã xóa dữ liệu)" in d.reply.text for d in escalations)
    assert not any(d.reply.document is not None for d in out)
    assert any("Tệp báo cáo đã bị hủy" in d.reply.text for d in out)
    # Her volunteer's saved screen shows her as erased, and picking her finds nobody.
    replies = await minh.say("1")
    assert replies[-1].text.startswith("Không tìm thấy")


async def test_names_filled_in_at_send_time_keep_lists_within_500_characters(tutor, clock) -> None:
    await setup_units(tutor, clock.now)
    async with tutor.db.transaction() as repo:
        for number in range(12):
            volunteer = await repo.grant("console", f"tnv-{number}", "volunteer", "hn-phuc-xa", clock.now)
            volunteer.display_name = f"{number:02d} " + "Nguyễn Thị Thanh Hương " * 4
    replies = await Chat(tutor, Actor("console", "org-hn", "Chị Hà")).say("/tnv")
    listed = "\n".join(r.text for r in replies)
    assert all(len(r.text) <= 500 for r in replies)
    assert all(f"{number:02d} Nguyễn Thị Thanh Hương" in listed for number in range(12))

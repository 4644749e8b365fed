"""Organizer routes: volunteer invites, the volunteers of their scope, moving a learner to another
volunteer. An organizer's scope is their unit and every unit under it (all units if they have none)."""

from __future__ import annotations

import functools
import logging
import math
from datetime import datetime, timedelta

from bot.clock import utcnow
from bot.core import codes
from bot.core.people import display
from bot.core.replies import Document, Reply
from bot.core.router import ORGANIZER, Router
from bot.core.scope import organizer_covers
from bot.core.timefmt import local_text
from bot.core.turn import ChoiceSpec, Turn
from bot.reports import build_tables, report_scope, summary_text
from bot.reports.render import to_xlsx
from bot.reports.tables import WORKBOOK_LEARNERS, local
from bot.store import Repository
from bot.store.models import Invite, User
from bot.text import as_id

log = logging.getLogger("hocvuso.organizer")

router = Router()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INVITE_DAYS = 7
INVITE_USES = 20

T = {
    "menu": "📋 Việc của cán bộ. Bạn chọn một việc:",
    "invite": (
        "✉️ Lời mời làm tình nguyện viên của {unit} (dùng được {uses} lần, hết hạn {expires}).\n"
        "Gửi link này{link}.\nTrên Zalo, gõ mã: {code}"
    ),
    "invite_unit": "Bạn quản lý mọi đơn vị: gõ /moi <mã đơn vị>, ví dụ /moi {example}.",
    "unknown_unit": "Không có đơn vị «{unit}» trong phạm vi của bạn.",
    "volunteers": "👥 Tình nguyện viên ({count}):",
    "no_volunteers": "Chưa có tình nguyện viên nào trong phạm vi của bạn.",
    "moved": "✅ Đã chuyển {learner} sang tình nguyện viên {volunteer}.",
    "moved_volunteer": "👤 Bạn được giao kèm học viên {learner}. Gõ /hocvien để xem.",
    "moved_learner": "Từ nay tình nguyện viên {volunteer} sẽ giúp {b} học ạ.",
    "usage_move": "Cách dùng: /chuyen <số học viên> <số tình nguyện viên>, ví dụ /chuyen 12 7.",
    "not_found": "Không tìm thấy, hoặc không thuộc phạm vi của bạn.",
    "report_coming": "⏳ Cháu đang làm báo cáo Excel, xong sẽ gửi ngay cho bạn (thường dưới một phút).",
    "report_wait": "Bạn vừa yêu cầu báo cáo rồi. Bạn chờ {minutes} phút rồi bấm lại nhé.",
    "report_failed": "Xin lỗi, cháu chưa làm được báo cáo Excel. Bạn thử lại sau ít phút nhé.",
    "report_stale": "Dữ liệu vừa thay đổi trong lúc làm báo cáo. Bạn bấm «Báo cáo Excel» lại nhé.",
}


@router.screen("omenu")
async def show_organizer_menu(turn: Turn, intro: str | None = None) -> bool:
    choices: list[ChoiceSpec] = [
        ("✉️ Mời tình nguyện viên", "invite", False),
        ("👥 Tình nguyện viên", "volunteers", False),
        ("📊 Thống kê", "stats", False),
        ("📥 Báo cáo Excel", "report", False),
        ("🧑‍🏫 Việc tình nguyện viên", "vmenu", False),
        (turn.w("btn_menu"), "menu", True),
    ]
    turn.show("omenu", f"{intro}\n\n{T['menu']}" if intro else T["menu"], choices)
    return True


@router.command("canbo", roles=ORGANIZER)
@router.action("omenu", roles=ORGANIZER)
async def organizer_menu(turn: Turn, _arg: str) -> None:
    await show_organizer_menu(turn)


@router.command("moi", roles=ORGANIZER)
@router.action("invite", roles=ORGANIZER)
async def invite(turn: Turn, arg: str) -> None:
    unit_id = arg.strip() or turn.user.unit_id
    if not unit_id:
        units = await turn.repo.units()
        example = units[-1].id if units else "xa-an-phu"
        await show_organizer_menu(turn, intro=T["invite_unit"].format(example=example))
        return
    unit = await turn.repo.unit(unit_id)
    if unit is None or not await organizer_covers(turn, unit_id):
        await show_organizer_menu(turn, intro=T["unknown_unit"].format(unit=unit_id))
        return
    created = await make_invite(turn.repo, unit.id, turn.user.id, turn.now)
    base = turn.tutor.link_base
    link = f"{base}v-{created.code}" if base else None
    expires = local_text(created.expires_at)
    turn.say(
        T["invite"].format(
            unit=unit.name,
            uses=created.max_uses,
            expires=expires,
            link=f":\n{link}" if link else "",
            code=codes.spaced(created.short_code),
        ),
        image_bytes=codes.qr_png(link or created.short_code),
    )
    await show_organizer_menu(turn)


async def make_invite(
    repo: Repository,
    unit_id: str,
    created_by: int | None,
    now: datetime,
    days: int = INVITE_DAYS,
    uses: int = INVITE_USES,
) -> Invite:
    """Shared by the chat command and `hocvuso invite`."""
    short = await codes.free_short_code(repo, codes.INVITE_LENGTH)
    created = Invite(
        code=codes.link_code(),
        short_code=short,
        unit_id=unit_id,
        role="volunteer",
        expires_at=now + timedelta(days=days),
        max_uses=uses,
        uses=0,
        created_by=created_by,
        created_at=now,
    )
    repo.add(created)
    await repo.flush()
    return created


@router.command("tnv", roles=ORGANIZER)
@router.action("volunteers", roles=ORGANIZER)
async def volunteers(turn: Turn, _arg: str) -> None:
    scope = await turn.repo.scope(turn.user.unit_id)
    people = await turn.repo.people("volunteer", scope)
    if not people:
        await show_organizer_menu(turn, intro=T["no_volunteers"])
        return
    lines = []
    for person in people:
        learners = len(await turn.repo.learners_of(person.id, limit=1000))
        lines.append(f"#{person.id} {display(person)} · {person.unit_id or '—'} · {learners} học viên")
    turn.say_lines(T["volunteers"].format(count=len(people)), lines)
    await show_organizer_menu(turn)


@router.command("chuyen", roles=ORGANIZER)
async def move_learner(turn: Turn, arg: str) -> None:
    ids = [as_id(p.lstrip("#")) for p in arg.split()]
    if len(ids) != 2 or ids[0] is None or ids[1] is None:
        turn.say(T["usage_move"])
        return
    learner = await turn.repo.user(ids[0])
    volunteer: User | None = await turn.repo.user(ids[1])
    if (
        learner is None
        or volunteer is None
        or learner.deleted_at is not None
        or volunteer.role not in ("volunteer", "organizer")
        or not await organizer_covers(turn, learner.unit_id)
        or not await organizer_covers(turn, volunteer.unit_id)
    ):
        turn.say(T["not_found"])
        return
    await turn.repo.pair(learner.id, volunteer.id, turn.now, replace=True)
    name, vname = display(learner), display(volunteer)
    turn.notify(volunteer, Reply(T["moved_volunteer"].format(learner=name)))
    turn.notify(learner, Reply(T["moved_learner"].format(volunteer=vname, b=turn.tutor.words.address)))
    turn.say(T["moved"].format(learner=name, volunteer=vname))


async def _scope(turn: Turn):
    return await report_scope(turn.repo, turn.user.unit_id, turn.now)


@router.command("thongke", roles=ORGANIZER)
@router.action("stats", roles=ORGANIZER)
async def stats(turn: Turn, _arg: str) -> None:
    """Targets vs actuals for the organizer's own scope only."""
    scope = await _scope(turn)
    (summary,) = await build_tables(turn.repo, turn.catalog, turn.tutor.settings, scope, ["summary"])
    turn.say(summary_text(summary, scope, turn.tutor.settings.campaign.name))
    await show_organizer_menu(turn)


@router.command("baocao", roles=ORGANIZER)
@router.action("report", roles=ORGANIZER)
async def excel_report(turn: Turn, _arg: str) -> None:
    """The workbook of the organizer's scope. Built after this update commits, in a worker thread
    on a read-only connection of its own (bot.store.Database.read_in_thread), so nobody waits for
    it; it arrives through the outbox. One per organizer per `limits.report_cooldown_minutes`."""
    cooldown = timedelta(minutes=turn.tutor.settings.limits.report_cooldown_minutes)
    last = turn.state.get("report_at")
    if last and turn.now < datetime.fromisoformat(last) + cooldown:
        left = datetime.fromisoformat(last) + cooldown - turn.now
        minutes = max(1, math.ceil(left.total_seconds() / 60))
        await show_organizer_menu(turn, intro=T["report_wait"].format(minutes=minutes))
        return
    turn.set_state("report_at", turn.now.isoformat())
    turn.after_commit(functools.partial(send_workbook, turn.tutor, turn.user.id, turn.user.unit_id, turn.now))
    await show_organizer_menu(turn, intro=T["report_coming"])


async def send_workbook(tutor, organizer_id: int, unit_id: str | None, now: datetime) -> None:
    settings, catalog = tutor.settings, tutor.catalog

    async def build(repo: Repository) -> tuple[str, bytes]:
        scope = await report_scope(repo, unit_id, now)
        tables = await build_tables(repo, catalog, settings, scope, learner_limit=WORKBOOK_LEARNERS)
        day = local(now, settings.timezone).strftime("%Y-%m-%d")
        text = f"📥 Báo cáo Excel: {scope.unit_name}, đến ngày {day}."
        content = to_xlsx(tables, f"{settings.campaign.name} — {scope.unit_name}")
        return text, Document(f"bao-cao-{scope.unit_id or 'toan-bo'}-{day}.xlsx", content, XLSX)

    try:
        text, document = await tutor.db.read_in_thread(build)
        reply = Reply(text, document=document)
    except Exception as exc:  # the operator gets one line, the organizer a plain answer
        log.error("excel report failed: %s", type(exc).__name__)
        reply = Reply(T["report_failed"])
    async with tutor.db.transaction() as repo:
        organizer = await repo.user(organizer_id)
        if organizer is None or organizer.deleted_at is not None:
            return
        if reply.document is not None and await repo.erased_since(now):
            reply = Reply(T["report_stale"])  # it may list someone who has just erased their data
        await repo.enqueue(organizer.id, organizer.channel, reply.to_payload(), utcnow())

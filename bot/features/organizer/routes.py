"""Organizer routes: their menu, the volunteers of their scope, moving a learner to another
volunteer, the figures (/thongke) and the Excel report (/baocao). An organizer's scope is their
unit and every unit under it (all units if they have none). Invitations: invites.py."""

from __future__ import annotations

import functools
import logging
import math
from datetime import datetime, timedelta

from bot.clock import utcnow
from bot.core.people import display
from bot.core.replies import FILELESS_CHANNELS, Document, Reply
from bot.core.router import ORGANIZER, Router
from bot.core.scope import organizer_covers
from bot.core.turn import ChoiceSpec, Turn
from bot.core.weblinks import DOWNLOAD_TTL, download_link, web_base
from bot.reports import build_tables, campaign_period, report_scope, summary_text
from bot.reports.campaign import WORKBOOK_SESSIONS
from bot.reports.render import to_xlsx
from bot.reports.shapes import local
from bot.reports.tables import WORKBOOK_LEARNERS
from bot.store import Repository
from bot.store.models import User
from bot.text import as_id

log = logging.getLogger("hocvuso.organizer")

router = Router()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

T = {
    "menu": "📋 Việc của cán bộ. Bạn chọn một việc:",
    "volunteers": "👥 Tình nguyện viên ({count}):",
    "no_volunteers": "Chưa có tình nguyện viên nào trong phạm vi của bạn.",
    "moved": "✅ Đã chuyển {learner} sang tình nguyện viên {volunteer}.{requests}",
    "moved_requests": " {count} yêu cầu giúp đỡ đang mở của học viên cũng chuyển theo.",
    "moved_volunteer": "👤 Bạn được giao kèm học viên {learner}. Gõ /hocvien để xem.{requests}",
    "moved_volunteer_requests": " Học viên có {count} yêu cầu giúp đỡ đang chờ bạn: gõ /yeucau.",
    "moved_away": "👤 Học viên {learner} đã được chuyển sang tình nguyện viên {volunteer}.{requests}",
    "moved_away_requests": " Các yêu cầu giúp đỡ đang mở của học viên này cũng đã chuyển theo.",
    "moved_learner": "Từ nay tình nguyện viên {volunteer} sẽ giúp {b} học ạ.",
    "already_paired": "{learner} đã do tình nguyện viên {volunteer} kèm rồi.",
    "usage_move": "Cách dùng: /chuyen <số học viên> <số tình nguyện viên>, ví dụ /chuyen 12 7. Xem số: /tnv, /hocvien",
    "not_learner": "#{id} không phải học viên trong phạm vi của bạn (số học viên xem ở /hocvien của tình nguyện viên).",
    "not_volunteer": "#{id} không phải tình nguyện viên trong phạm vi của bạn (xem danh sách: /tnv).",
    "report_fileless": (
        "📥 Zalo không gửi được tệp Excel. Để có báo cáo {unit}, bạn mở bot trên Telegram và gõ /baocao, "
        "hoặc nhờ người quản trị máy chủ chạy:\nhocvuso report --format xlsx {scope}--out bao-cao.xlsx"
    ),
    "report_link": (
        "📥 Báo cáo Excel: {unit}. Zalo không gửi được tệp, bạn tải về qua link này "
        "(dùng một lần, trong {minutes} phút, chỉ dành cho bạn):\n{link}"
    ),
    "report_coming": "⏳ Cháu đang làm báo cáo Excel, xong sẽ gửi ngay cho bạn (thường dưới một phút).",
    "report_wait": "Bạn vừa yêu cầu báo cáo rồi. Bạn chờ {minutes} phút rồi bấm lại nhé.",
    "report_failed": "Xin lỗi, cháu chưa làm được báo cáo Excel. Bạn thử lại sau ít phút nhé.",
    "report_stale": "Dữ liệu vừa thay đổi trong lúc làm báo cáo. Bạn bấm «Báo cáo Excel» lại nhé.",
}


@router.screen("omenu")
async def show_organizer_menu(turn: Turn, intro: str | None = None) -> bool:
    choices: list[ChoiceSpec] = [
        ("✉️ Mời tình nguyện viên", "invite", False),
        ("📨 Các lời mời", "invites", False),
        ("👥 Tình nguyện viên", "volunteers", False),
        ("📊 Thống kê", "stats", False),
        ("📥 Báo cáo Excel", "report", False),
        ("🚩 Đội hình", "teams", False),
        ("📣 Ra quân, trực, tập huấn", "events", False),
        ("🔔 Bản tin thứ Hai", "digest", False),
        ("🧑‍🏫 Việc tình nguyện viên", "vmenu", False),
        (turn.w("btn_menu"), "menu", True),
    ]
    turn.show("omenu", f"{intro}\n\n{T['menu']}" if intro else T["menu"], choices)
    return True


@router.command("canbo", roles=ORGANIZER, menu="Việc của cán bộ")
@router.action("omenu", roles=ORGANIZER)
async def organizer_menu(turn: Turn, _arg: str) -> None:
    await show_organizer_menu(turn)


@router.command("tnv", roles=ORGANIZER, menu="Danh sách tình nguyện viên")
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


@router.command("chuyen", roles=ORGANIZER, menu="Chuyển học viên cho tình nguyện viên khác")
async def move_learner(turn: Turn, arg: str) -> None:
    """Move a learner (and their open help requests) to another volunteer; both volunteers and the
    learner are told. Only a learner can be moved, only to a volunteer (or organizer) who still
    exists, both inside the organizer's scope."""
    ids = [as_id(p.lstrip("#")) for p in arg.split()]
    if len(ids) != 2 or ids[0] is None or ids[1] is None:
        turn.say(T["usage_move"])
        return
    learner = await turn.repo.user(ids[0])
    volunteer: User | None = await turn.repo.user(ids[1])
    if (
        learner is None
        or learner.deleted_at is not None
        or learner.role != "learner"
        or not await organizer_covers(turn, learner.unit_id)
    ):
        turn.say(T["not_learner"].format(id=ids[0]))
        return
    if (
        volunteer is None
        or volunteer.deleted_at is not None
        or volunteer.role not in ("volunteer", "organizer")
        or not await organizer_covers(turn, volunteer.unit_id)
    ):
        turn.say(T["not_volunteer"].format(id=ids[1]))
        return
    name, vname = display(learner), display(volunteer)
    before = await turn.repo.paired_volunteer(learner.id)
    if before is not None and before.id == volunteer.id:
        turn.say(T["already_paired"].format(learner=name, volunteer=vname))
        return
    await turn.repo.pair(learner.id, volunteer.id, turn.now, replace=True)
    moved = await turn.repo.hand_over_requests(learner.id, volunteer.id)
    turn.notify(
        volunteer,
        Reply(
            T["moved_volunteer"].format(
                learner=name, requests=T["moved_volunteer_requests"].format(count=moved) if moved else ""
            )
        ),
    )
    if before is not None and before.deleted_at is None:
        turn.notify(
            before,
            Reply(
                T["moved_away"].format(
                    learner=name, volunteer=vname, requests=T["moved_away_requests"] if moved else ""
                )
            ),
        )
    turn.notify(learner, Reply(T["moved_learner"].format(volunteer=vname, b=turn.tutor.words.address)))
    requests = T["moved_requests"].format(count=moved) if moved else ""
    turn.say(T["moved"].format(learner=name, volunteer=vname, requests=requests))


async def _scope(turn: Turn):
    """The organizer's unit subtree over the campaign period (`campaign.start/end`), if one is set."""
    since, until = campaign_period(turn.tutor.settings)
    now = turn.now if until is None else min(turn.now, until)
    return await report_scope(turn.repo, turn.user.unit_id, now, since, until)


@router.command("thongke", roles=ORGANIZER, menu="Thống kê")
@router.action("stats", roles=ORGANIZER)
async def stats(turn: Turn, _arg: str) -> None:
    """Targets vs actuals for the organizer's own scope only."""
    scope = await _scope(turn)
    (summary,) = await build_tables(turn.repo, turn.catalog, turn.tutor.settings, scope, ["summary"])
    turn.say(summary_text(summary, scope, turn.tutor.settings.campaign.name))
    await show_organizer_menu(turn)


@router.command("baocao", roles=ORGANIZER, menu="Báo cáo Excel")
@router.action("report", roles=ORGANIZER)
async def excel_report(turn: Turn, _arg: str) -> None:
    """The workbook of the organizer's scope. Built after this update commits, in a worker thread
    on a read-only connection of its own (bot.store.Database.read_in_thread), so nobody waits for
    it; it arrives through the outbox. One per organizer per `limits.report_cooldown_minutes`."""
    if turn.user.channel in FILELESS_CHANNELS:
        await fileless_report(turn)
        return
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

    async def build(repo: Repository) -> tuple[str, Document]:
        since, until = campaign_period(settings)  # the campaign's period, as /thongke
        scope = await report_scope(repo, unit_id, now if until is None else min(now, until), since, until)
        tables = await build_tables(
            repo,
            catalog,
            settings,
            scope,
            learner_limit=WORKBOOK_LEARNERS,
            session_limit=WORKBOOK_SESSIONS,
        )
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


async def fileless_report(turn: Turn) -> None:
    """/baocao where no file can be sent (Zalo): say how to get the workbook instead of building it.
    With the web dashboard configured (web.url or web.enabled), a one-time download link; the
    workbook is built when the link is opened (bot/web), for the scope the person has then."""
    unit = await turn.repo.unit(turn.user.unit_id) if turn.user.unit_id else None
    base = web_base(turn.tutor.settings)
    if base is not None:
        link = await download_link(turn.repo, base, turn.user.id, turn.now)
        minutes = int(DOWNLOAD_TTL.total_seconds() // 60)
        unit_name = unit.name if unit else "Toàn chiến dịch"
        turn.say(T["report_link"].format(unit=unit_name, minutes=minutes, link=link))
        await show_organizer_menu(turn)
        return
    turn.say(
        T["report_fileless"].format(
            unit=unit.name if unit else "toàn chiến dịch",
            scope=f"--unit {unit.id} " if unit else "",
        )
    )
    await show_organizer_menu(turn)

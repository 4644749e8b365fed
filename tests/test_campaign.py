"""A small campaign played end to end: two communes with a team each, two classes with sessions and
check-ins, support logged in a class, at an outreach day and at a service centre, a training, two
certificates — by people typing and pressing buttons in the console and, for Phường B, on Telegram
(the stand-in on 127.0.0.1). Then every metric of the summary, the «Báo cáo chiến dịch» sheet and
/thongke are checked against the numbers played."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
import yaml
from sqlalchemy import func, select

from bot.core.events import Start
from bot.reports import build_tables, report_scope
from bot.reports.render import to_csv
from bot.store.models import Attendance, Enrollment, User
from tests.conftest import LESSONS, make_tutor
from tests.support.campaign import (
    actor,
    code_in,
    latest_session,
    press,
    setup_province,
    volunteer,
)
from tests.support.clock import Clock
from tests.support.dialog import Chat
from tests.support.proc import ROOT, hocvuso_env
from tests.support.telegram_standin import THU_NGHIEM_BY_BUTTONS, TelegramStandIn
from tests.test_telegram import start_bot

pytestmark = pytest.mark.dates

B1, TU = 7101, 7102  # Phường B's team leader and one of its learners, on Telegram

CAMPAIGN = {
    "name": "Bình dân học vụ số",
    "targets": {
        "classes": 4,
        "learners": 8,
        "completions": 4,
        "volunteers": 6,
        "teams": 4,
        "classes_held": 4,
        "attendance": 18,
        "people_supported": 30,
        "outreach_events": 2,
        "volunteer_shifts": 4,
        "volunteers_trained": 4,
        "certificates": 4,
    },
    "unit_targets": {
        "qn": {},  # filled below: the province's own targets are the campaign's
        "qn-a": {
            "teams": 1,
            "classes_held": 2,
            "attendance": 10,
            "people_supported": 20,
            "outreach_events": 2,
            "volunteers_trained": 2,
            "certificates": 1,
        },
        "qn-b": {"teams": 2, "classes_held": 2, "people_supported": 10, "volunteer_shifts": 2},
    },
}

CAMPAIGN["unit_targets"]["qn"] = dict(CAMPAIGN["targets"])

# What the campaign below plays, metric by metric (the summary's ids).
EXPECTED = {
    "classes": 2,
    "learners": 4,  # Lan, Hoa, Mai (Xã A), Tú (Phường B)
    "completions": 2,
    "volunteers": 3,
    "active_7d": 4,
    "lessons_started": 2,
    "completion_rate": 1.0,  # a fraction, like every rate
    "help_open": 0,
    "help_median_minutes": None,
    "teams": 2,
    "team_volunteers": 3,
    "volunteers_active": 3,
    "classes_held": 2,  # the class planned for later without a held session is not counted
    "sessions_held": 3,
    "attendance": 9,  # A1: Lan, Hoa (scan), Mai (ticked) + 3 without a phone; A2: Lan + 1; B: Tú
    "attendance_walk_ins": 4,
    "people_supported": 15,  # the 9 logged then undone are not counted
    "people_supported.kind.vneid": 2,
    "people_supported.kind.dvc": 9,
    "people_supported.kind.payment": 0,
    "people_supported.kind.phone": 3,
    "people_supported.kind.ai": 1,
    "people_supported.kind.other": 0,
    "people_supported.place.session": 2,
    "people_supported.place.outreach": 8,
    "people_supported.place.center": 4,
    "people_supported.place.home": 1,
    "outreach_events": 1,
    "outreach_volunteers": 2,
    "volunteer_shifts": 1,
    "volunteers_trained": 2,
    "certificates": 2,
}
TARGETS = {**CAMPAIGN["targets"]}

# «Báo cáo chiến dịch»: unit → metric → (target, actual).
SHEET = {
    "": {  # the whole campaign, against the campaign's targets (Quảng Ninh has the same ones)
        "teams": (4, 2),
        "team_volunteers": (None, 3),
        "classes_held": (4, 2),
        "sessions_held": (None, 3),
        "attendance": (18, 9),
        "people_supported": (30, 15),
        "people_supported.place.center": (None, 4),
        "outreach_events": (2, 1),
        "outreach_volunteers": (None, 2),
        "volunteer_shifts": (4, 1),
        "volunteers_trained": (4, 2),
        "certificates": (4, 2),
    },
    "qn-a": {
        "teams": (1, 1),
        "team_volunteers": (None, 2),
        "classes_held": (2, 1),
        "sessions_held": (None, 2),
        "attendance": (10, 8),
        "people_supported": (20, 10),
        "people_supported.place.center": (None, 0),
        "outreach_events": (2, 1),
        "outreach_volunteers": (None, 2),
        "volunteer_shifts": (None, 0),
        "volunteers_trained": (2, 2),
        "certificates": (1, 1),
    },
    "qn-b": {
        "teams": (2, 1),
        "team_volunteers": (None, 1),
        "classes_held": (2, 1),
        "sessions_held": (None, 1),
        "attendance": (None, 1),
        "people_supported": (10, 5),
        "people_supported.place.center": (None, 4),
        "outreach_events": (None, 0),
        "outreach_volunteers": (None, 0),
        "volunteer_shifts": (2, 1),
        "volunteers_trained": (None, 0),
        "certificates": (None, 1),
    },
}


async def wait_new(api: TelegramStandIn, chat_id: int, fragment: str, after: int) -> dict:
    """The first message to `chat_id` containing `fragment` among those sent after index `after`."""

    def found(s: TelegramStandIn) -> dict | None:
        return next(
            (
                m
                for m in s.sent[after:]
                if m["chat"]["id"] == chat_id and fragment in (m.get("text") or m.get("caption") or "")
            ),
            None,
        )

    return await api.wait_for(found)


async def tap(api: TelegramStandIn, chat_id: int, label: str, expect: str) -> dict:
    """Press the button starting with `label` on the newest message showing one; wait for `expect`."""
    mark = len(api.sent)
    for message in reversed(api.sent):
        if message["chat"]["id"] != chat_id:
            continue
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button["text"].startswith(label):
                    await api.press(chat_id, message["message_id"], button["callback_data"])
                    return await wait_new(api, chat_id, expect, mark)
    raise AssertionError(f"no button {label!r} for {chat_id}")


async def type_(api: TelegramStandIn, chat_id: int, text: str, expect: str, name: str = "Bình") -> dict:
    mark = len(api.sent)
    await api.push_text(chat_id, text, name)
    return await wait_new(api, chat_id, expect, mark)


async def play(tutor, api: TelegramStandIn, clock: Clock) -> dict[str, Chat]:
    org = Chat(tutor, actor("org-qn", "Chị Thảo"))
    # --- day 1: volunteers, teams, classes ---------------------------------------------------------
    a1 = await volunteer(org, "a1", "Anh Một", "qn-a")
    a2 = await volunteer(org, "a2", "Chị Hai", "qn-a")
    invite_b = code_in(await org.say("/moi qn-b"))
    await type_(api, B1, f"/ma {invite_b}", "bạn sẽ trở thành tình nguyện viên của Phường B")
    await tap(api, B1, "✅ Đồng ý", "Chào mừng bạn trở thành tình nguyện viên của Phường B")

    await org.say("/taodoihinh Đội hình xã A")
    team_a = code_in(await org.say("qn-a"))  # the unit typed by its id; the team's code comes back
    replies = await press(org, "👤 Anh Một")
    assert replies[-1].text.startswith("👑 Anh Một là đội trưởng đội hình «Đội hình xã A».")
    replies = await a2.say(team_a)  # joins by typing the team's code
    assert "Bạn đã vào đội hình «Đội hình xã A» (Xã A). Đội trưởng: Anh Một." in replies[0].text
    await org.say("/taodoihinh Đội hình phường B")
    await org.say("qn-b")
    await press(org, "👤 Bình")

    for line in ("/taolop", "Lớp điện thoại xã A", "Nhà văn hóa thôn 1", "bỏ qua"):
        replies = await a1.say(line)
    class_a = code_in(replies)
    # The class is co-organized with the veterans' association; a session is planned for later.
    await a1.say("/buoihoc")
    await press(a1, "🤝 Đơn vị phối hợp")
    await press(a1, "⬜ Hội Cựu chiến binh")
    await press(a1, "✔️ Xong")
    await press(a1, "📅 Lên lịch buổi học")
    later = clock.local_now + timedelta(days=20)
    await a1.say(f"{later:%d/%m/%Y} 8:00")
    replies = await a1.say("bỏ qua")
    assert "📅 Đã lên lịch buổi học 08:00" in replies[-1].text

    lan, hoa, mai = (org.person(e, n) for e, n in (("lan", "Bà Lan"), ("hoa", "Bà Hoa"), ("mai", "Bà Mai")))
    await lan.send(Start(f"c-{await _class_link(tutor, class_a)}"))
    await hoa.say(class_a)
    await mai.say(class_a)

    # Session 1 of class A: two learners check in themselves, the volunteer ticks the third (she
    # has no smartphone with her) and counts three people without a phone.
    replies = await press(a1, "▶️ Bắt đầu buổi học ngay")
    assert replies[-1].image_bytes is not None  # the QR code to show
    session = await latest_session(tutor)
    replies = await lan.send(Start(f"s-{session.code}"))
    assert any("Bác đã điểm danh buổi học Lớp điện thoại xã A." in r.text for r in replies)
    await hoa.say(session.short_code)
    await a1.say("/buoihoc")
    await press(a1, "☑️ Điểm danh theo danh sách")
    replies = await press(a1, "⬜ Bà Mai")
    assert "Có mặt: 3/3" in replies[-1].text
    await press(a1, "✔️ Xong")
    await press(a1, "✏️ Sửa số người không có điện thoại")
    replies = await a1.say("3")
    assert "Đã điểm danh: 3 · không có điện thoại: 3 · tổng: 6 lượt." in replies[-1].text
    await press(a1, "⏹ Kết thúc buổi học")

    # Outreach day of team A (created by its leader), with the women's union; both check in.
    await a1.say("/taoraquan")
    await press(a1, "📣 Ra quân hỗ trợ người dân")
    await press(a1, "📅 Hôm nay")
    await a1.say("Chợ xã A")
    await press(a1, "⬜ Hội Liên hiệp Phụ nữ")
    replies = await press(a1, "✔️ Xong")
    outreach = code_in(replies)
    replies = await press(a1, "✅ Tôi có mặt")
    assert replies[-1].text.startswith("✅ Bạn đã điểm danh: 📣 Ra quân")
    replies = await a2.say(outreach)
    assert replies[-1].text.startswith("✅ Bạn đã điểm danh")
    # Support at the outreach day: 5 with online procedures (Chị Hai), 3 with the phone (Anh Một,
    # typing the number), and 9 logged by mistake, undone at once.
    await a2.say("/hotro")
    await press(a2, "🏛 Dịch vụ công")
    await press(a2, "5 người")
    replies = await press(a2, "📣 Ra quân: Chợ xã A")
    assert replies[-1].text.startswith("✅ Đã ghi: 5 người · dịch vụ công · khi ra quân.")
    await a1.say("/hotro")
    await press(a1, "📱 Thao tác cơ bản")
    await a1.say("3")
    await press(a1, "📣 Ra quân: Chợ xã A")
    await a2.say("/hotro")
    await press(a2, "➕ Việc khác")
    await a2.say("9")
    await press(a2, "🏠 Tại nhà, nơi khác")
    replies = await a2.say("/hoantac")
    assert replies[0].text.startswith("↩️ Đã xóa lượt vừa ghi: 9 người")

    # A training for Xã A's volunteers, tomorrow; a duty shift at Phường B's service centre, today.
    await org.say("/taoraquan")
    await press(org, "🎓 Tập huấn ĐVTN")
    await press(org, "📅 Ngày mai")
    await org.say("bỏ qua")
    await org.say("qn-a")
    await press(org, "Không theo đội hình")
    training = code_in(await press(org, "✔️ Xong"))
    await org.say("/taoraquan")
    await press(org, "🏛 Trực tại trung tâm")
    await press(org, "📅 Hôm nay")
    await org.say("Trung tâm phục vụ hành chính công phường B")
    await org.say("qn-b")
    await press(org, "🚩 Đội hình phường B")
    await press(org, "✔️ Xong")

    # --- Phường B on Telegram: a class, a session, the shift, support in four taps ----------------
    for text, expect in (
        ("/taolop", "Tên lớp là gì?"),
        ("Lớp phường B", "Lớp học ở đâu?"),
        ("Nhà văn hóa khu 2", "Lớp học lúc nào?"),
    ):
        await type_(api, B1, text, expect)
    await tap(api, B1, "Bỏ qua", "✅ Đã tạo lớp «Lớp phường B»")
    await type_(api, B1, "/buoihoc", "🏫 Lớp phường B: 0 buổi đã học")
    started = await tap(api, B1, "▶️ Bắt đầu buổi học ngay", "đang diễn ra")
    assert started["_method"] == "sendPhoto"  # the QR code learners scan
    link = started["caption"].split("Link: ")[1].split("\n")[0]
    assert link.startswith("https://t.me/hocvuso_test_bot?start=s-")
    mark = len(api.sent)
    await api.push_text(TU, f"/start {link.split('start=')[1]}", "Tú")
    await wait_new(api, TU, "Bác đã điểm danh buổi học Lớp phường B.", mark)
    await type_(api, B1, "/raquan", "📣 Hoạt động ra quân")
    await tap(api, B1, "🏛 Trực trung tâm", "Phường B · đội hình Đội hình phường B")
    await tap(api, B1, "✅ Tôi có mặt", "✅ Bạn đã điểm danh: 🏛 Trực trung tâm")
    await type_(api, B1, "/menu", "muốn làm gì")
    taps = [
        ("🤝 Ghi lượt hỗ trợ người dân", "Bạn đã giúp việc gì?"),
        ("🏛 Dịch vụ công, thủ tục trực tuyến", "bao nhiêu người?"),
        ("4 người", "Ở đâu?"),
        ("🏛 Trực trung tâm: Trung tâm phục vụ", "✅ Đã ghi: 4 người · dịch vụ công · tại trung tâm"),
    ]
    for label, expect in taps:  # four taps from the main menu, the entry saved at the last one
        await tap(api, B1, label, expect)
    await type_(api, B1, "/hotro", "Bạn đã giúp việc gì?")
    await tap(api, B1, "🤖 Dùng công cụ AI", "bao nhiêu người?")
    await tap(api, B1, "1 người", "Ở đâu?")
    await tap(api, B1, "🏠 Tại nhà, nơi khác", "✅ Đã ghi: 1 người · công cụ AI · tại nhà, nơi khác.")

    # --- day 2: session 2 of class A, support there, the training, certificates -----------------
    clock.advance(days=1)
    await a1.say("/buoihoc")
    await press(a1, "▶️ Bắt đầu buổi học ngay")
    session2 = await latest_session(tutor)
    await lan.say(session2.short_code)
    await press(a1, "👥 +1 người không có điện thoại")
    await a1.say("/hotro")
    await press(a1, "🪪 VNeID")
    await press(a1, "2 người")
    replies = await press(a1, "🏫 Buổi học Lớp điện thoại xã A")
    assert "2 người · VNeID · buổi học Lớp điện thoại xã A." in replies[-1].text
    for person in (a1, a2):
        replies = await person.say(training)
        assert replies[-1].text.startswith("✅ Bạn đã điểm danh: 🎓 Tập huấn")

    for line in ("/start l-thu-nghiem", "1", "khong", "xong", "1"):
        replies = await lan.say(line)
    assert "Bác được nhận giấy chứng nhận. Tên in trên giấy: «Bà Lan»." in replies[-1].text
    await press(lan, "✏️ Sửa tên trên giấy")
    await lan.say("Nguyễn Thị Lan")
    replies = await press(lan, "🎓 Nhận giấy chứng nhận")
    assert replies[0].image_label == "giấy chứng nhận" and replies[0].image_bytes.startswith(b"\x89PNG")

    await api.push_text(TU, "/start l-thu-nghiem", "Tú")
    await api.wait_text(TU, "Bước 1/4")
    await api.press_through(TU, THU_NGHIEM_BY_BUTTONS)
    photo = await tap(api, TU, "🎓 Nhận giấy chứng nhận", "🎓 Giấy chứng nhận của Bác")
    assert photo["_method"] == "sendPhoto"
    assert api.files[photo["photo"][0]["file_id"]].startswith(b"\x89PNG")
    return {"org": org, "a1": a1, "a2": a2, "lan": lan}


async def _class_link(tutor, short_code: str) -> str:
    async with tutor.db.reader() as repo:
        return (await repo.class_by_code(short_code)).code


async def test_a_small_campaign_in_its_own_units(db_url: str, clock: Clock, tmp_path: Path) -> None:
    api = await TelegramStandIn().start()
    tutor = await make_tutor(db_url, campaign=CAMPAIGN)
    await setup_province(tutor, clock.now)
    channel = await start_bot(tutor, api)
    try:
        people = await play(tutor, api, clock)
    finally:
        await channel.stop()
        await api.stop()
    try:
        async with tutor.db.reader() as repo:
            # Checking in enrolled Tú in Phường B's class; attendance is counted in «lượt».
            tu = (await repo.session.execute(select(User).where(User.external_id == str(TU)))).scalar_one()
            assert tu.unit_id == "qn-b"
            enrolled = select(func.count()).select_from(Enrollment).where(Enrollment.user_id == tu.id)
            assert (await repo.session.execute(enrolled)).scalar_one() == 1
            rows = (await repo.session.execute(select(func.count()).select_from(Attendance))).scalar_one()
            assert rows == 5

            # The summary, every metric, with its target and percent.
            scope = await report_scope(repo, None, clock.now)
            summary, sheet = await build_tables(
                repo, tutor.catalog, tutor.settings, scope, ["summary", "campaign"]
            )
        values = {row[0]: row for row in summary.rows}
        assert set(EXPECTED) <= set(values)
        for metric, actual in EXPECTED.items():
            target = TARGETS.get(metric)
            percent = round(actual / target, 4) if target else None
            assert values[metric][2:] == [target, actual, percent], metric
        assert to_csv(summary).splitlines()[0] == "metric,label,target,actual,percent"

        # «Báo cáo chiến dịch»: chỉ tiêu · kết quả · tỉ lệ by unit (province first, then communes).
        assert [c.id for c in sheet.columns] == [
            "unit_id",
            "unit_name",
            "metric",
            "label",
            "target",
            "actual",
            "percent",
        ]
        got: dict[str, dict[str, tuple]] = {}
        for unit_id, _name, metric, _label, target, actual, percent in sheet.rows:
            got.setdefault(unit_id, {})[metric] = (target, actual)
            assert percent == (round(actual / target, 4) if target else None)
        # The whole campaign against its targets; Quảng Ninh, all of it here, against its own.
        assert got[""] == SHEET[""]
        assert got["qn"] == SHEET[""]
        assert got["qn-a"] == SHEET["qn-a"]
        assert got["qn-b"] == SHEET["qn-b"]
        assert "tn" not in got and "tn-x" not in got  # neither targets nor campaign work there
        assert [row[1] for row in sheet.rows if row[1]][:4] == [
            "Toàn chiến dịch",
            "Quảng Ninh",
            "Phường B",
            "Xã A",
        ]

        # /thongke for Quảng Ninh's organizer: the same headline figures, ≤ 500 characters.
        replies = await people["org"].say("/thongke")
        text = replies[0].text
        assert len(text) <= 500
        for line in (
            "📊 Bình dân học vụ số — Quảng Ninh",
            "Người học: 4/8 (50,0%) · 7 ngày: 4",
            "Đội hình: 2/4 (50,0%) · 3 ĐVTN",
            "Lớp đã tổ chức: 2/4 (50,0%) · 3 buổi",
            "Lượt dự lớp: 9/18 (50,0%)",
            "Dân được hỗ trợ: 15/30 (50,0%) · tại trung tâm: 4",
            "Ra quân: 1/2 (50,0%)",
            "Lượt ĐVTN trực trung tâm: 1/4 (25,0%)",
            "Lượt ĐVTN tập huấn: 2/4 (50,0%)",
            "Giấy chứng nhận: 2/4 (50,0%)",
        ):
            assert line in text.splitlines(), (line, text)
    finally:
        await tutor.db.close()

    # The command line: the same figures as CSV and in the workbook's «Báo cáo chiến dịch».
    config = tmp_path / "campaign.yaml"
    config.write_text(yaml.safe_dump({"campaign": CAMPAIGN}, allow_unicode=True), encoding="utf-8")
    day = f"{clock.local_now:%Y-%m-%d}"
    first = f"{clock.local_now - timedelta(days=1):%Y-%m-%d}"
    proc = await asyncio.to_thread(cli, db_url, config, "--format", "csv", "--since", first, "--until", day)
    assert proc.returncode == 0, proc.stderr
    rows = {r["metric"]: r for r in csv.DictReader(io.StringIO(proc.stdout))}
    for metric, actual in EXPECTED.items():
        if metric in ("active_7d", "completion_rate", "help_median_minutes"):
            continue
        assert rows[metric]["actual"] == str(actual), metric
        assert rows[metric]["target"] == str(TARGETS.get(metric) or ""), metric
    out = tmp_path / "bao-cao.xlsx"
    proc = await asyncio.to_thread(
        cli,
        db_url,
        config,
        "--format",
        "xlsx",
        "--out",
        str(out),
        "--unit",
        "qn-a",
        "--since",
        first,
        "--until",
        day,
    )
    assert proc.returncode == 0, proc.stderr
    book = openpyxl.load_workbook(out)
    sheet_rows = list(book["Báo cáo chiến dịch"].iter_rows(values_only=True))
    assert sheet_rows[0] == ("Mã đơn vị", "Đơn vị", "Chỉ số (mã)", "Nội dung", "Chỉ tiêu", "Kết quả", "Tỉ lệ")
    by_metric = {row[2]: row for row in sheet_rows[1:] if row[0] == "qn-a"}
    assert by_metric["teams"][1] == "Xã A"  # the unit's name on its block's first row
    assert by_metric["people_supported"][1:] == (
        None,  # an empty cell: the name is on the block's first row
        "people_supported",
        "Lượt người dân được hỗ trợ trực tiếp",
        20,
        10,
        0.5,
    )
    assert {m: (r[4], r[5]) for m, r in by_metric.items()} == SHEET["qn-a"]
    assert book["Báo cáo chiến dịch"]["G2"].number_format == "0.0%"
    partners = {row[0]: row for row in book["Theo tổ chức phối hợp"].iter_rows(min_row=2, values_only=True)}
    # Hội CCB co-organizes class A (2 sessions, 8 «lượt», 2 people supported in class); the
    # women's union the outreach day (2 volunteers, 8 people supported there).
    assert partners["ccb"][2:] == (1, 1, 2, 8, 0, 0, 2)
    assert partners["lhpn"][2:] == (0, 0, 0, 0, 1, 2, 8)
    support = {row[0]: row for row in book["Hỗ trợ theo nội dung"].iter_rows(min_row=2, values_only=True)}
    assert support["dvc"][2:] == (0, 5, 0, 0, 5, 1)  # Xã A only: the 4 at Phường B's centre are not here
    sessions = list(book["Buổi học"].iter_rows(min_row=2, values_only=True))
    assert [(s[2], s[8], s[9], s[10]) for s in sessions] == [
        ("Lớp điện thoại xã A", 3, 3, 6),
        ("Lớp điện thoại xã A", 1, 1, 2),
    ]
    teams = list(book["Đội hình"].iter_rows(min_row=2, values_only=True))
    assert [(t[1], t[3], t[4], t[5], t[6], t[7]) for t in teams] == [
        ("Đội hình xã A", "Anh Một", 2, 1, 2, 10)
    ]


def cli(db_url: str, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "report", "--config", str(config), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=hocvuso_env(db_url, LESSONS),
        cwd=ROOT,
        timeout=120,
    )

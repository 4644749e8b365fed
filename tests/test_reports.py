"""Organizer reports on a database seeded through the real tutor with a controlled clock: learners
finish, abandon and re-try lessons; the figures are checked exactly in text, CSV and Excel."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from bot.config import load_settings
from bot.core.engine import Tutor
from bot.core.events import Actor, Start
from tests.conftest import LESSONS, make_tutor
from tests.support.clock import Clock as FrozenClock
from tests.support.dialog import Chat
from tests.support.proc import ROOT, hocvuso_env

T0 = datetime(2026, 11, 2, 2, 0)  # 09:00 in Hồ Chí Minh City


# Every figure here depends on when things happened: the whole module runs on the frozen clock.
pytestmark = pytest.mark.dates


class Clock:
    """Minutes since T0 on the test's frozen clock."""

    def __init__(self, frozen: FrozenClock):
        self.frozen = frozen
        frozen.set(T0)

    def at(self, minutes: float) -> None:
        self.frozen.set(T0 + timedelta(minutes=minutes))


async def finish(chat: Chat, clock: Clock, start: float, minutes: float, quiz: list[str]) -> None:
    """thu-nghiem from start to finish: `quiz` are the typed answers to its question."""
    clock.at(start)
    await chat.say("/start l-thu-nghiem")
    await chat.say("tiep tuc")
    for answer in quiz:
        await chat.say(answer)
    await chat.say("xong")
    clock.at(start + minutes)
    await chat.say("tiep tuc")


async def seed(tutor: Tutor, clock: Clock) -> None:
    async with tutor.db.transaction() as repo:
        await repo.upsert_unit("hn", "Hà Nội", None, "tinh")
        await repo.upsert_unit("hn-a", "Phường A", "hn", "xa")
        await repo.upsert_unit("hn-b", "Xã B", "hn", "xa")
        await repo.grant("console", "org-a", "organizer", "hn-a", T0)
        await repo.grant("console", "org-b", "organizer", "hn-b", T0)
        await repo.grant("console", "org-hn", "organizer", "hn", T0)
        for name, unit in (("tnv-a", "hn-a"), ("tnv-b", "hn-b")):
            user = await repo.grant("console", name, "volunteer", unit, T0)
            user.display_name = {"tnv-a": "Minh", "tnv-b": "Khánh"}[name]
    org = Chat(tutor, Actor("console", "tnv-a", "Minh"))
    classes = {}
    for volunteer, name, when in (("tnv-a", "Lớp A", "3/11 8:00"), ("tnv-b", "Lớp B", "4/11 8:00")):
        chat = org.person(volunteer, "")
        for line in ("/taolop", name, "bỏ qua", when):
            await chat.say(line)
        async with tutor.db.reader() as repo:
            from sqlalchemy import select

            from bot.store.models import Class

            classes[volunteer] = (
                await repo.session.execute(select(Class).where(Class.name == name))
            ).scalar_one()
    people = {}
    for ext, name, volunteer in (
        ("a1", "Nguyễn Thị An", "tnv-a"),
        ("a2", "Trần Văn Bình", "tnv-a"),
        ("a3", "Lê Thị Cúc", "tnv-a"),
        ("b1", "Phạm Văn Dũng", "tnv-b"),
        ("b2", "Hoàng Thị Em", "tnv-b"),
    ):
        chat = org.person(ext, name)
        await chat.send(Start(f"c-{classes[volunteer].code}"))
        people[ext] = chat
    # a1: right first time, 10 minutes; then re-tries and stops at the question.
    await finish(people["a1"], clock, 0, 10, ["khong"])
    clock.at(24 * 60)
    await people["a1"].say("/start l-thu-nghiem")
    await people["a1"].say("1")
    # a2: wrong, then right; 30 minutes; then starts bai-hai and stops on its first step.
    await finish(people["a2"], clock, 5, 30, ["co", "khong"])
    await people["a2"].say("/start l-bai-hai")
    # a3: gives up at the question.
    clock.at(60)
    await people["a3"].say("/start l-thu-nghiem")
    await people["a3"].say("1")
    # b1: wrong twice (shown the answer), 20 minutes.
    await finish(people["b1"], clock, 10, 20, ["co", "co"])
    # b2 never starts. a3 asks for help, nobody answers yet.
    await people["a3"].say("/giupdo")
    clock.at(3 * 24 * 60)


@pytest.fixture
async def seeded(db_url: str, clock: FrozenClock):
    clock = Clock(clock)
    tutor = await make_tutor(db_url, campaign=load_settings(CONFIG, env={}).campaign.model_dump())
    await seed(tutor, clock)
    yield tutor, clock
    await tutor.db.close()


CONFIG = ROOT / "tests" / "data" / "report-config.yaml"


def run_report(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "report", "--config", str(CONFIG), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=hocvuso_env(db_url, LESSONS),
        cwd=ROOT,
        timeout=120,
    )


async def test_by_lesson_csv_gives_the_seeded_counts(seeded, db_url: str) -> None:
    proc = await asyncio.to_thread(run_report, db_url, "--by", "lesson", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert list(rows[0]) == [
        "lesson_id",
        "title",
        "track",
        "started",
        "completed",
        "completion_rate",
        "median_minutes",
        "first_try_correct_rate",
    ]
    assert rows == [
        {
            "lesson_id": "thu-nghiem",
            "title": "Bài thử nghiệm",
            "track": "Cơ bản",
            "started": "4",
            "completed": "3",
            "completion_rate": "0.75",
            "median_minutes": "20.0",
            "first_try_correct_rate": "0.3333",
        },
        {
            "lesson_id": "bai-hai",
            "title": "Bài thứ hai",
            "track": "Nâng cao",
            "started": "1",
            "completed": "0",
            "completion_rate": "0.0",
            "median_minutes": "",
            "first_try_correct_rate": "",
        },
    ]


async def test_scope_of_a_unit_and_dates(seeded, db_url: str) -> None:
    proc = await asyncio.to_thread(run_report, db_url, "--by", "lesson", "--format", "csv", "--unit", "hn-b")
    rows = {r["lesson_id"]: r for r in csv.DictReader(io.StringIO(proc.stdout))}
    assert (rows["thu-nghiem"]["started"], rows["thu-nghiem"]["completed"]) == ("1", "1")
    # From 3 November (local): a1's re-try that day is not a new start; everything else was on the 2nd.
    proc = await asyncio.to_thread(
        run_report, db_url, "--by", "lesson", "--format", "csv", "--since", "2026-11-03"
    )
    rows = {r["lesson_id"]: r for r in csv.DictReader(io.StringIO(proc.stdout))}
    assert (rows["thu-nghiem"]["started"], rows["thu-nghiem"]["completed"]) == ("0", "0")
    proc = await asyncio.to_thread(
        run_report, db_url, "--by", "lesson", "--format", "csv", "--until", "2026-11-02"
    )
    rows = {r["lesson_id"]: r for r in csv.DictReader(io.StringIO(proc.stdout))}
    assert (rows["thu-nghiem"]["started"], rows["thu-nghiem"]["completed"]) == ("4", "3")


async def test_by_unit_and_step_text(seeded, db_url: str) -> None:
    # The period ends on 5 November: "active in 7 days" counts the 7 days up to then, whatever today is.
    proc = await asyncio.to_thread(run_report, db_url, "--by", "unit", "--until", "2026-11-05")
    lines = proc.stdout.splitlines()
    assert lines[0] == "== Theo đơn vị =="
    rows = {line.split()[0]: line.split() for line in lines[3:]}
    # unit, name…, parent, learners, active, started, completed, rate, classes, volunteers, help
    assert rows["hn"][-8:] == ["5", "5", "5", "3", "60,0%", "2", "2", "1"]
    assert rows["hn-a"][-8:] == ["3", "3", "4", "2", "50,0%", "1", "1", "1"]
    assert rows["hn-b"][-8:] == ["2", "2", "1", "1", "100,0%", "1", "1", "0"]
    # A period that ended long after everyone stopped: nobody was active in its last 7 days.
    proc = await asyncio.to_thread(run_report, db_url, "--by", "unit", "--until", "2026-11-30")
    rows = {line.split()[0]: line.split() for line in proc.stdout.splitlines()[3:]}
    assert rows["hn"][-8:-6] == ["5", "0"]
    proc = await asyncio.to_thread(run_report, db_url, "--by", "step", "--format", "csv")
    funnel = [
        (r["lesson_id"], r["step_id"], r["reached"], r["reached_rate"], r["first_try_correct_rate"])
        for r in csv.DictReader(io.StringIO(proc.stdout))
    ]
    assert funnel == [
        ("thu-nghiem", "chao", "4", "1.0", ""),
        ("thu-nghiem", "cau-hoi", "4", "1.0", "0.3333"),
        ("thu-nghiem", "thuc-hanh", "3", "0.75", ""),
        ("thu-nghiem", "ket", "3", "0.75", ""),
        ("bai-hai", "mot", "1", "1.0", ""),
        ("bai-hai", "hai", "0", "0.0", ""),
    ]


async def test_excel_workbook(seeded, db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    proc = await asyncio.to_thread(run_report, db_url, "--format", "xlsx", "--out", str(out), "--mask-names")
    assert proc.returncode == 0, proc.stderr
    assert "[7/7] learner" in proc.stderr  # progress on the terminal
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "Tổng hợp",
        "Theo đơn vị",
        "Theo lớp",
        "Theo bài học",
        "Theo tình nguyện viên",
        "Bước bỏ dở",
        "Học viên",
    ]
    summary = {row[0]: row for row in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["classes"][2:] == (4, 2, 0.5)
    assert summary["learners"][2:] == (10, 5, 0.5)
    assert summary["completions"][2:] == (6, 3, 0.5)
    assert summary["volunteers"][2:] == (4, 2, 0.5)
    assert summary["help_open"][3] == 1
    lessons = list(book["Theo bài học"].iter_rows(min_row=1, values_only=True))
    assert lessons[0] == (
        "Mã bài",
        "Bài học",
        "Chủ đề",
        "Bắt đầu",
        "Học xong",
        "Tỷ lệ học xong",
        "Số phút (trung vị)",
        "Đúng ngay lần đầu",
    )
    assert lessons[1] == ("thu-nghiem", "Bài thử nghiệm", "Cơ bản", 4, 3, 0.75, 20.0, 0.3333)
    assert book["Theo bài học"]["F2"].number_format == "0.0%"
    assert book["Theo bài học"].column_dimensions["B"].width == 42
    classes = list(book["Theo lớp"].iter_rows(min_row=2, values_only=True))
    assert [(c[1], c[4], c[5], c[6], c[7]) for c in classes] == [
        ("Lớp A", datetime(2026, 11, 3, 8, 0), "M***", 3, 2),  # dates in Asia/Ho_Chi_Minh, masked names
        ("Lớp B", datetime(2026, 11, 4, 8, 0), "K***", 2, 1),
    ]
    learners = {row[0]: row for row in book["Học viên"].iter_rows(min_row=2, values_only=True)}
    names = sorted(row[1] for row in learners.values())
    assert names == ["H*** T** E*", "L* T** C**", "N*** T** A*", "P*** V** D***", "T*** V** B***"]
    volunteers = list(book["Theo tình nguyện viên"].iter_rows(min_row=2, values_only=True))
    assert [(v[1], v[3], v[4], v[5]) for v in volunteers] == [("M***", 1, 3, 2), ("K***", 1, 2, 1)]


async def test_thongke_shows_only_the_organizers_scope(seeded) -> None:
    tutor, _clock = seeded
    texts = {}
    for organizer in ("org-a", "org-b", "org-hn"):
        replies = await Chat(tutor, Actor("console", organizer, organizer)).say("/thongke")
        texts[organizer] = replies[0].text
    assert texts["org-a"].splitlines()[:3] == [
        "📊 Bình dân học vụ số — Phường A",
        "Người học: 3 (hoạt động 7 ngày: 3)",
        "Bài đã bắt đầu: 4 · học xong: 2 (50,0%)",
    ]
    assert "Bài đã bắt đầu: 1 · học xong: 1 (100,0%)" in texts["org-b"]
    assert "Người học: 5" in texts["org-hn"] and "• Lớp: 2/4 (50,0%)" in texts["org-hn"]
    assert all(len(t) <= 500 for t in texts.values())
    learner = await Chat(tutor, Actor("console", "a1", "x")).say("/thongke")
    assert learner[0].text.startswith("Cháu chưa biết lệnh này")


async def test_baocao_delivers_the_workbook_through_telegram(db_url: str, clock: FrozenClock) -> None:
    from tests.support.telegram_standin import TelegramStandIn
    from tests.test_telegram import start_bot

    clock = Clock(clock)
    tutor = await make_tutor(db_url)
    await seed(tutor, clock)
    async with tutor.db.transaction() as repo:
        await repo.grant("telegram", "4242", "organizer", "hn-a", T0)
    api = await TelegramStandIn().start()
    channel = await start_bot(tutor, api)
    pump = asyncio.create_task(channel.pump.run())  # the workbook is built off the update, then queued
    try:
        await api.push_text(4242, "/baocao", "Hà")
        await api.wait_text(4242, "đang làm báo cáo Excel")
        sent = await api.wait_for(lambda s: next((m for m in s.sent if m["_method"] == "sendDocument"), None))
        assert sent["document"]["file_name"].startswith("bao-cao-hn-a-")
        book = openpyxl.load_workbook(io.BytesIO(api.files[sent["document"]["file_id"]]))
        units = [row[0] for row in book["Theo đơn vị"].iter_rows(min_row=2, values_only=True)]
        assert units == ["hn-a"]  # commune A's organizer: nothing of commune B
        lessons = {row[0]: row for row in book["Theo bài học"].iter_rows(min_row=2, values_only=True)}
        assert lessons["thu-nghiem"][3:5] == (3, 2)
    finally:
        pump.cancel()
        await channel.stop()
        await tutor.db.close()
        await api.stop()

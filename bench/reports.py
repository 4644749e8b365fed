"""Reports at scale: seed 100,000 learners and 2,000,000 step events, then time `report --by lesson`,
`--by unit` and the Excel export on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from bot.config import REPO_LESSONS, Settings
from bot.lessons import load_catalog
from bot.reports import build_tables, report_scope
from bot.reports.render import to_csv, to_xlsx
from bot.reports.tables import WORKBOOK_LEARNERS
from bot.store import Database
from bot.store.models import Class, Enrollment, Pairing, Progress, StepEvent, Unit, User

T0 = datetime(2026, 4, 1)


def _rows(learners: int, events_target: int, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """Synthetic but shaped like a campaign: 34 provinces × 30 communes, a volunteer per 50 learners,
    learners who finish, abandon mid-lesson and re-try."""
    rng = random.Random(seed)
    catalog = load_catalog(REPO_LESSONS).catalog
    lessons = catalog.lessons
    units = [{"id": f"p{p:02d}", "name": f"Tỉnh {p}", "parent_id": None, "kind": "tinh"} for p in range(34)]
    communes = [f"p{p:02d}-x{c:02d}" for p in range(34) for c in range(30)]
    units += [{"id": c, "name": f"Xã {c}", "parent_id": c[:3], "kind": "xa"} for c in communes]
    users, progress, events, classes, enrollments, pairings = [], [], [], [], [], []
    volunteers = max(1, learners // 50)
    for v in range(volunteers):
        users.append(_user(v + 1, f"tnv-{v}", "volunteer", communes[v % len(communes)]))
        classes.append(
            {
                "id": v + 1,
                "code": f"code{v:08d}",
                "short_code": f"C{v:05d}",
                "name": f"Lớp {v}",
                "place": None,
                "starts_at": T0 + timedelta(days=v % 200),
                "volunteer_id": v + 1,
                "unit_id": communes[v % len(communes)],
                "created_at": T0,
            }
        )
    per_learner = events_target / learners
    for n in range(learners):
        uid = volunteers + 1 + n
        klass = n % volunteers
        users.append(_user(uid, f"hv-{n}", "learner", communes[klass % len(communes)]))
        enrollments.append({"class_id": klass + 1, "user_id": uid, "joined_at": T0})
        pairings.append({"learner_id": uid, "volunteer_id": klass + 1, "since": T0})
        budget = int(per_learner + rng.random())
        at = T0 + timedelta(days=rng.randrange(200), minutes=rng.randrange(600))
        tried: set[str] = set()
        while budget > 0 and len(events) < events_target:
            lesson = lessons[rng.randrange(len(lessons))]
            runs = 2 if lesson.id in tried else 1
            tried.add(lesson.id)
            reach = len(lesson.steps) if rng.random() < 0.7 else rng.randrange(1, len(lesson.steps))
            first = at
            events.append(_event(uid, lesson.id, lesson.steps[0].id, "start", at, attempt=runs))
            for step in lesson.steps[:reach]:
                at += timedelta(seconds=rng.randrange(20, 120))
                events.append(_event(uid, lesson.id, step.id, "shown", at))
                correct = (rng.random() < 0.75) if step.quiz else None
                events.append(_event(uid, lesson.id, step.id, "answer", at, answer="1", correct=correct))
            done = reach == len(lesson.steps)
            if done:
                events.append(_event(uid, lesson.id, lesson.steps[-1].id, "complete", at, attempt=runs))
            progress.append(
                {
                    "user_id": uid,
                    "lesson_id": lesson.id,
                    "step_id": lesson.steps[reach - 1].id,
                    "step_index": reach - 1,
                    "status": "done" if done else "in_progress",
                    "attempts": 0,
                    "quiz_correct": 0,
                    "quiz_total": 0,
                    "runs": runs,
                    "started_at": at,
                    "updated_at": at,
                    "completed_at": at if done else None,
                    "first_started_at": first,
                    "first_completed_at": at if done else None,
                    "furthest_step": reach - 1,
                }
            )
            budget -= 2 * reach + 2
    # Progress has one row per (learner, lesson): keep the last run.
    unique = {(p["user_id"], p["lesson_id"]): p for p in progress}
    return {
        "units": units,
        "users": users,
        "classes": classes,
        "enrollments": enrollments,
        "pairings": pairings,
        "progress": list(unique.values()),
        "events": events,
    }


def _user(uid: int, ext: str, role: str, unit: str) -> dict[str, Any]:
    return {
        "id": uid,
        "channel": "telegram",
        "external_id": ext,
        "display_name": f"Người {ext}",
        "role": role,
        "unit_id": unit,
        "created_at": T0,
        "last_active_at": T0,
        "state": {},
        "lesson_id": None,
        "reminders_paused": False,
        "reminders_unanswered": 0,
    }


def _event(uid: int, lesson: str, step: str, kind: str, at: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "user_id": uid,
        "lesson_id": lesson,
        "step_id": step,
        "kind": kind,
        "answer": None,
        "correct": None,
        "attempt": 1,
        "at": at,
        **extra,
    }


TABLES = [
    ("units", Unit),
    ("users", User),
    ("classes", Class),
    ("enrollments", Enrollment),
    ("pairings", Pairing),
    ("progress", Progress),
    ("events", StepEvent),
]


async def seed(db: Database, learners: int, events: int) -> int:
    data = _rows(learners, events)
    async with db.transaction() as repo:
        connection = await repo.session.connection()
        for key, model in TABLES:
            rows = data[key]
            if db.dialect == "postgresql":
                raw = (await connection.get_raw_connection()).driver_connection
                columns = list(rows[0])
                records = [tuple(_pg(row[c]) for c in columns) for row in rows]
                await raw.copy_records_to_table(model.__tablename__, records=records, columns=columns)
            else:
                for start in range(0, len(rows), 50_000):
                    await connection.execute(insert(model.__table__), rows[start : start + 50_000])
        if db.dialect == "postgresql":
            await connection.exec_driver_sql("SELECT setval('users_id_seq', (SELECT max(id) FROM users))")
    async with db.transaction() as repo:
        if db.dialect == "postgresql":
            await (await repo.session.connection()).exec_driver_sql("ANALYZE")
        else:
            await (await repo.session.connection()).exec_driver_sql("ANALYZE")
    async with db.reader() as repo:
        return (await repo.session.execute(select(func.count()).select_from(StepEvent))).scalar_one()


def _pg(value: Any) -> Any:
    import json

    return json.dumps(value) if isinstance(value, dict) else value


async def measure(database_url: str, learners: int = 100_000, events: int = 2_000_000) -> dict[str, float]:
    db = Database(database_url)
    await db.migrate()
    started = time.perf_counter()
    count = await seed(db, learners, events)
    results: dict[str, float] = {"seed_s": time.perf_counter() - started, "events": count}
    settings = Settings.model_validate({"database_url": database_url})
    catalog = load_catalog(REPO_LESSONS).catalog
    for name, keys, render in (
        ("by_lesson_s", ["lesson"], lambda t: to_csv(t[0])),
        ("by_unit_s", ["unit"], lambda t: to_csv(t[0])),
        ("xlsx_s", None, lambda t: to_xlsx(t, "bench")),
    ):
        started = time.perf_counter()
        async with db.reader() as repo:
            scope = await report_scope(repo, None, T0 + timedelta(days=210))
            limit = WORKBOOK_LEARNERS if keys is None else None  # as `report --format xlsx` does
            tables = await build_tables(repo, catalog, settings, scope, keys, learner_limit=limit)
        output = render(tables)
        results[name] = time.perf_counter() - started
        if name == "xlsx_s":
            results["xlsx_mb"] = len(output) / 1e6
    from bench.web import measure_pages  # the dashboard's pages on the same data

    results.update(await measure_pages(db, settings, catalog))
    await db.close()
    return results


if __name__ == "__main__":
    import sys
    import tempfile

    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/reports.db"
    print(asyncio.run(measure(url)))

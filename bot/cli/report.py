"""`hocvuso report [--by …] [--format text|csv|xlsx] [--out FILE] [--unit ID] [--since] [--until]`."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import date
from pathlib import Path

from bot.app import load_lessons, open_database
from bot.clock import utcnow
from bot.config import Settings
from bot.reports.build import build_tables, campaign_period, report_scope
from bot.reports.campaign import SHEETS, WORKBOOK_SESSIONS
from bot.reports.dashboard import EXTRA, build_any
from bot.reports.render import to_csv, to_text, to_xlsx
from bot.reports.shapes import day_bounds
from bot.reports.tables import WORKBOOK_LEARNERS

BY = [
    "unit",
    "class",
    "lesson",
    "volunteer",
    "step",
    "learner",
    "campaign",
    "team",
    "session",
    "support",
    "partner",
    *EXTRA,
]


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    report = sub.add_parser("report", parents=[common], help="campaign figures as a table, CSV or Excel")
    report.add_argument("--by", choices=BY, help="one breakdown (default: the summary; xlsx: every sheet)")
    report.add_argument("--format", choices=["text", "csv", "xlsx"], default="text")
    report.add_argument(
        "--out", type=Path, help="write to this file (xlsx needs it; default for text/csv: stdout)"
    )
    report.add_argument("--unit", help="only this unit and the units under it")
    report.add_argument(
        "--since",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="from this local day (default: campaign.start, when neither --since nor --until is given)",
    )
    report.add_argument(
        "--until",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="up to and including this day (default: campaign.end)",
    )
    report.add_argument("--mask-names", action="store_true", help="show names as initials (N*** T** L**)")


def _progress(number: int, total: int, key: str) -> None:
    print(f"[{number}/{total}] {key}…", file=sys.stderr, flush=True)


def argument_error(args: argparse.Namespace) -> str | None:
    """What is wrong with the arguments, checked before the database is opened or a figure built."""
    if args.since and args.until and args.since > args.until:
        return f"--since {args.since} is after --until {args.until}"
    if args.format == "xlsx" and args.out is None:
        return "--format xlsx needs --out FILE.xlsx"
    if args.out is not None:
        folder = args.out.parent
        if args.out.is_dir():
            return f"--out {args.out} is a folder; name a file in it"
        if not folder.is_dir():
            return f"--out: folder {folder} does not exist"
        if not os.access(folder, os.W_OK):
            return f"--out: cannot write in folder {folder}"
    return None


async def _report(args: argparse.Namespace, settings: Settings) -> int:
    db = await open_database(settings)
    catalog = load_lessons(settings)
    try:
        async with db.reader() as repo:
            if args.unit and await repo.unit(args.unit) is None:
                print(f"hocvuso: unit '{args.unit}' does not exist (hocvuso units list)", file=sys.stderr)
                return 1
            since, until = day_bounds(args.since, args.until, settings.timezone)
            if args.since is None and args.until is None:
                since, until = campaign_period(settings)  # none given: the campaign's own period
            # "Now" for the figures is the end of the period if it is past: "active in the last 7
            # days" means the 7 days up to then.
            now = utcnow() if until is None else min(utcnow(), until)
            scope = await report_scope(repo, args.unit, now, since, until, args.mask_names)
            if args.by in EXTRA:  # the dashboard's trend and help tables (bot/reports/dashboard.py)
                keys = ["summary", args.by] if args.format == "xlsx" else [args.by]
                tables = await build_any(repo, catalog, settings, scope, keys)
            elif args.format == "xlsx":
                keys = SHEETS if args.by is None else ["summary", args.by]
                tables = await build_tables(
                    repo, catalog, settings, scope, keys, _progress, WORKBOOK_LEARNERS, WORKBOOK_SESSIONS
                )
            else:
                tables = await build_tables(repo, catalog, settings, scope, [args.by or "summary"])
    finally:
        await db.close()
    if args.format == "xlsx":
        content = to_xlsx(tables, f"{settings.campaign.name} — {scope.unit_name}")
        if not _write(args.out, content):
            return 1
        print(f"OK: {args.out} ({', '.join(t.title for t in tables)})", file=sys.stderr)
        return 0
    output = "\n\n".join(to_csv(t) if args.format == "csv" else to_text(t) for t in tables)
    output = output if output.endswith("\n") else output + "\n"
    if args.out:
        return 0 if _write(args.out, output.encode("utf-8")) else 1
    sys.stdout.write(output)
    return 0


def _write(path: Path, content: bytes) -> bool:
    try:
        path.write_bytes(content)
    except OSError as exc:  # checked beforehand, but the disk can fill or the folder go away
        print(f"hocvuso: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True


def run(args: argparse.Namespace, settings: Settings) -> int:
    problem = argument_error(args)
    if problem is not None:
        print(f"hocvuso: {problem}", file=sys.stderr)
        return 2
    return asyncio.run(_report(args, settings))

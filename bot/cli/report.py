"""`hocvuso report [--by …] [--format text|csv|xlsx] [--out FILE] [--unit ID] [--since] [--until]`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

from bot.app import load_lessons, open_database
from bot.clock import utcnow
from bot.config import Settings
from bot.reports.build import build_tables, report_scope
from bot.reports.dashboard import EXTRA, build_any
from bot.reports.render import to_csv, to_text, to_xlsx
from bot.reports.tables import SHEETS, WORKBOOK_LEARNERS, day_bounds

BY = ["unit", "class", "lesson", "volunteer", "step", "learner", *EXTRA]


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    report = sub.add_parser("report", parents=[common], help="campaign figures as a table, CSV or Excel")
    report.add_argument("--by", choices=BY, help="one breakdown (default: the summary; xlsx: every sheet)")
    report.add_argument("--format", choices=["text", "csv", "xlsx"], default="text")
    report.add_argument(
        "--out", type=Path, help="write to this file (xlsx needs it; default for text/csv: stdout)"
    )
    report.add_argument("--unit", help="only this unit and the units under it")
    report.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD", help="from this local day")
    report.add_argument(
        "--until", type=date.fromisoformat, metavar="YYYY-MM-DD", help="up to and including this day"
    )
    report.add_argument("--mask-names", action="store_true", help="show names as initials (N*** T** L**)")


def _progress(number: int, total: int, key: str) -> None:
    print(f"[{number}/{total}] {key}…", file=sys.stderr, flush=True)


async def _report(args: argparse.Namespace, settings: Settings) -> int:
    db = await open_database(settings)
    catalog = load_lessons(settings)
    try:
        async with db.reader() as repo:
            if args.unit and await repo.unit(args.unit) is None:
                print(f"hocvuso: unit '{args.unit}' does not exist (hocvuso units list)", file=sys.stderr)
                return 1
            since, until = day_bounds(args.since, args.until, settings.timezone)
            # "Active in the last 7 days" means the 7 days up to the end of the period reported on.
            now = utcnow() if until is None else min(utcnow(), until)
            scope = await report_scope(repo, args.unit, now, since, until, args.mask_names)
            if args.by in EXTRA:  # the dashboard's trend and help tables (bot/reports/dashboard.py)
                keys = ["summary", args.by] if args.format == "xlsx" else [args.by]
                tables = await build_any(repo, catalog, settings, scope, keys)
            elif args.format == "xlsx":
                keys = SHEETS if args.by is None else ["summary", args.by]
                tables = await build_tables(
                    repo, catalog, settings, scope, keys, _progress, WORKBOOK_LEARNERS
                )
            else:
                tables = await build_tables(repo, catalog, settings, scope, [args.by or "summary"])
    finally:
        await db.close()
    if args.format == "xlsx":
        if args.out is None:
            print("hocvuso: --format xlsx needs --out FILE.xlsx", file=sys.stderr)
            return 2
        args.out.write_bytes(to_xlsx(tables, f"{settings.campaign.name} — {scope.unit_name}"))
        print(f"OK: {args.out} ({', '.join(t.title for t in tables)})", file=sys.stderr)
        return 0
    output = "\n\n".join(to_csv(t) if args.format == "csv" else to_text(t) for t in tables)
    if args.out:
        args.out.write_text(output if output.endswith("\n") else output + "\n", encoding="utf-8")
    else:
        sys.stdout.write(output if output.endswith("\n") else output + "\n")
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_report(args, settings))

"""`python -m bench`: every benchmark, then one table with the targets beside the figures.

Options: --quick (smaller loads, for a smoke run), --no-postgres (skip the PostgreSQL report run),
--profile (print where the bot's time goes during the throughput run, via pyinstrument)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from typing import Any

from bench import campaign, catalogue, classroom, memory, production, reports, throughput

PARTS = ("throughput", "production", "classroom", "workers", "reports", "memory", "catalogue", "campaign")


def _pg_measure(learners: int, events: int) -> dict[str, float] | None:
    try:
        from tests.support.pg import PostgresServer, find_bindir
    except ImportError:
        return None
    bindir = find_bindir()
    if bindir is None:
        return None
    server = PostgresServer(bindir)
    server.start()
    try:
        server.psql("CREATE DATABASE bench")
        return asyncio.run(reports.measure(server.url("bench"), learners, events))
    finally:
        server.stop()


def _profile(learners: int) -> None:
    from pyinstrument import Profiler

    async def run() -> None:
        import tempfile

        from bench.transport import InProcessBotAPI

        transport = InProcessBotAPI()
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/profile.db"
        app, dispatch, drained, close = await throughput.hocvuso_app(url, transport)
        async with throughput.Harness(app, transport, drained, dispatch) as bot:
            profiler = Profiler(async_mode="disabled")
            profiler.start()
            await bot.burst(throughput.updates_for(throughput.learner_script(learners), 1))
            profiler.stop()
        await close()
        print(profiler.output_text(unicode=True, color=False, show_all=False))

    asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--quick", action="store_true", help="small loads (a smoke run, figures not comparable)"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--parts", default="", help=f"comma-separated, some of: {','.join(PARTS)} (default: all)"
    )
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    started = time.perf_counter()
    rows: list[tuple[str, str, str, bool | None]] = []

    def add(name: str, value: str, target: str, ok: bool | None) -> None:
        rows.append((name, value, target, ok))
        print(f"  {name}: {value}", file=sys.stderr, flush=True)

    parts = set(args.parts.split(",")) if args.parts else set(PARTS)

    if "throughput" in parts:
        print("throughput and latency, in process, bots interleaved…", file=sys.stderr, flush=True)
        t = throughput.measure(
            learners=400 // scale,
            rounds=2 if args.quick else 5,
            paced_rounds=1 if args.quick else 3,
            progress=lambda line: print("  " + line, file=sys.stderr, flush=True),
        )
        for kind in throughput.KINDS:
            r = t[kind]
            add(
                f"{throughput.LABELS[kind]}: updates/s, CPU/update",
                f"{r['updates_per_s']:,.0f} · {r['cpu_us']:,.0f} µs",
                "—",
                None,
            )
        ratio = t["hocvuso"]["updates_per_s"] / t["typical"]["updates_per_s"]
        add("Học vụ số ÷ typical PTB tutor (same run)", f"{ratio:.2f}", "≥ 1.0", ratio >= 1.0)
        add(
            "Học vụ số ÷ echo bot",
            f"{t['hocvuso']['updates_per_s'] / t['echo']['updates_per_s']:.2f}",
            "—",
            None,
        )
        for kind in ("hocvuso", "typical", "echo"):
            r = t[kind]
            target, ok = ("≤ 5 ms", r["p99_ms"] <= 5) if kind == "hocvuso" else ("—", None)
            add(
                f"{throughput.LABELS[kind]}: p50 / p99 at 200/s",
                f"{r['p50_ms']:.1f} / {r['p99_ms']:.1f} ms",
                target,
                ok,
            )

    if "production" in parts:
        print("production path: `hocvuso run` over loopback HTTP…", file=sys.stderr, flush=True)
        n = 400 // scale
        for kind, mode, label in (
            ("hocvuso", "polling", "Học vụ số, polling"),
            ("hocvuso", "webhook", "Học vụ số, webhook"),
            ("typical", "polling", "typical PTB tutor, PTB's Updater polling"),
        ):
            r = asyncio.run(production.burst(kind, mode, learners=n))
            add(
                f"production {label}: updates/s, CPU/update",
                f"{r['updates_per_s']:,.0f} · {r['cpu_us']:,.0f} µs",
                "—",
                None,
            )
        r = asyncio.run(production.paced(rate=200.0, seconds=3.0 if args.quick else 10.0))
        add(
            "production webhook: p50 / p99 at 200/s",
            f"{r['p50_ms']:.1f} / {r['p99_ms']:.1f} ms",
            "≤ 5 ms p99",
            r["p99_ms"] <= 5,
        )

    if "classroom" in parts:
        print("classroom under Telegram's limits…", file=sys.stderr, flush=True)
        for learners, bots, mode in classroom.SCENARIOS if not args.quick else classroom.SCENARIOS[:2]:
            c = classroom.measure(learners, bots, mode, scale=classroom.SCALE)
            print("  " + json.dumps(c), file=sys.stderr, flush=True)
            goal = (learners == 40 and bots == 1) or (learners == 400 and bots == 2)
            add(
                f"class of {learners}, {bots} bot{'s' if bots > 1 else ''}, {mode}: wait p50 / p95 / max",
                f"{c['wait_p50_s']:.1f} / {c['wait_p95_s']:.1f} / {c['wait_max_s']:.0f} s",
                "p95 ≤ 2 s" if goal else "—",
                c["wait_p95_s"] <= 2 if goal else None,
            )
            add(
                "  … of it queued for the limit (p95); msgs/press before → after merging",
                f"{c['after_answer_p95_s']:.1f} s; {c['messages_per_press_unmerged']:.2f} → {c['messages_per_press']:.2f}",
                "—",
                None,
            )
            add(
                "  … peak messages/s; 429s; order breaks; finished",
                f"{c['peak_sent_per_s']:.0f}; {c['refused_429']}; {c['order_breaks']}; {c['finished']}/{learners}",
                "0 breaks",
                c["order_breaks"] == 0,
            )

    if "workers" in parts and not args.no_postgres:
        print("PostgreSQL, 1 / 2 / 4 worker processes behind the webhook…", file=sys.stderr, flush=True)
        found = production.measure_workers(learners=400 // scale)
        for count, r in (found or {}).items():
            add(
                f"PostgreSQL, {count} worker{'s' if count > 1 else ''}: updates/s, CPU/update",
                f"{r['updates_per_s']:,.0f} · {r['cpu_us']:,.0f} µs",
                "—",
                None,
            )

    if parts & {"reports", "memory", "catalogue", "campaign"}:
        _rest(args, scale, parts, add)
    _table(rows, started, args.quick)
    if args.profile:
        _profile(400 // scale)
    return 0


def _rest(args: argparse.Namespace, scale: int, parts: set[str], add: Any) -> None:
    if "reports" in parts:
        learners, events = 100_000 // scale, 2_000_000 // scale
        print(
            f"2/5 reports at scale ({learners:,} learners, {events:,} events)…", file=sys.stderr, flush=True
        )
        import tempfile

        backends = [
            (
                "SQLite",
                asyncio.run(
                    reports.measure(f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/reports.db", learners, events)
                ),
            )
        ]
        if not args.no_postgres:
            pg = _pg_measure(learners, events)
            if pg is not None:
                backends.append(("PostgreSQL", pg))
        for name, r in backends:
            for key, label in (
                ("by_lesson_s", "report --by lesson"),
                ("by_unit_s", "report --by unit"),
                ("xlsx_s", "Excel export"),
            ):
                add(f"{label} ({name})", f"{r[key]:.2f} s", "≤ 2 s", r[key] <= 2)
            for key, label in (("web_overview_s", "web overview page"), ("web_units_s", "web unit page")):
                add(f"{label} ({name})", f"{r[key]:.2f} s", "≤ 1 s", r[key] <= 1)

    if "memory" in parts:
        print("3/5 memory…", file=sys.stderr, flush=True)
        m = memory.measure(10_000 // scale)
        add(
            f"RSS after {m['learners']:,} learners in {m['seconds']:.0f} s",
            f"{m['rss_mb']:.0f} MB",
            "≤ 200 MB",
            m["rss_mb"] <= 200,
        )

    if "catalogue" in parts:
        print("4/5 catalogue…", file=sys.stderr, flush=True)
        c = catalogue.measure(1000 // scale)
        add(
            f"load + validate {c['files']:,} lesson files",
            f"{c['seconds']:.2f} s",
            "≤ 1 s",
            c["seconds"] <= 1,
        )

    if "campaign" in parts:
        print(
            "5/5 campaign report at scale (100,000 learners, 500,000 support entries)…",
            file=sys.stderr,
            flush=True,
        )
        for row in campaign.run(quick=args.quick, postgres=not args.no_postgres):
            add(*row)


def _table(rows: list[tuple[str, str, str, bool | None]], started: float, quick: bool) -> None:
    if not rows:
        return
    width = max(len(r[0]) for r in rows)
    print(
        f"\nHọc vụ số benchmarks — {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f} at the end, "
        f"{time.perf_counter() - started:.0f} s" + (" (QUICK: not comparable)" if quick else "")
    )
    print(f"| {'figure'.ljust(width)} | {'measured':>24} | {'target':>10} | met |")
    print(f"|{'-' * (width + 2)}|{'-' * 26}|{'-' * 12}|-----|")
    for name, value, target, ok in rows:
        mark = "" if ok is None else ("yes" if ok else "NO")
        print(f"| {name.ljust(width)} | {value:>24} | {target:>10} | {mark:>3} |")


if __name__ == "__main__":
    sys.exit(main())

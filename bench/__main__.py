"""`python -m bench`: every benchmark, then one table with the targets beside the figures.

Options: --quick (smaller loads, for a smoke run), --no-postgres (skip the PostgreSQL report run),
--profile (print where the bot's time goes during the throughput run, via pyinstrument)."""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import time

from bench import campaign, catalogue, memory, reports, throughput


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

        app, close = await throughput.hocvuso_app(f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/profile.db")
        async with throughput.Harness(app) as bot:
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
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    started = time.perf_counter()
    rows: list[tuple[str, str, str, bool | None]] = []

    def add(name: str, value: str, target: str, ok: bool | None) -> None:
        rows.append((name, value, target, ok))
        print(f"  {name}: {value}", file=sys.stderr, flush=True)

    print("1/5 throughput and latency…", file=sys.stderr, flush=True)
    t = asyncio.run(throughput.measure(learners=400 // scale))
    add("echo bot, updates/s (burst)", f"{t['echo_updates_per_s']:,.0f}", "—", None)
    add("Học vụ số, updates/s (burst)", f"{t['bot_updates_per_s']:,.0f}", "—", None)
    add("ratio to the echo bot", f"{t['ratio']:.2f}", "≥ 0.60", t["ratio"] >= 0.6)
    add("p50 latency at 200 updates/s", f"{t['bot_p50_ms']:.1f} ms", "—", None)
    add("p99 latency at 200 updates/s", f"{t['bot_p99_ms']:.1f} ms", "≤ 25 ms", t["bot_p99_ms"] <= 25)
    add("echo bot p99 at 200 updates/s", f"{t['echo_p99_ms']:.1f} ms", "—", None)

    learners, events = 100_000 // scale, 2_000_000 // scale
    print(f"2/5 reports at scale ({learners:,} learners, {events:,} events)…", file=sys.stderr, flush=True)
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

    print("3/5 memory…", file=sys.stderr, flush=True)
    m = memory.measure(10_000 // scale)
    add(
        f"RSS after {m['learners']:,} learners in {m['seconds']:.0f} s",
        f"{m['rss_mb']:.0f} MB",
        "≤ 200 MB",
        m["rss_mb"] <= 200,
    )

    print("4/5 catalogue…", file=sys.stderr, flush=True)
    c = catalogue.measure(1000 // scale)
    add(f"load + validate {c['files']:,} lesson files", f"{c['seconds']:.2f} s", "≤ 1 s", c["seconds"] <= 1)

    print(
        "5/5 campaign report at scale (100,000 learners, 500,000 support entries)…",
        file=sys.stderr,
        flush=True,
    )
    for row in campaign.run(quick=args.quick, postgres=not args.no_postgres):
        add(*row)

    width = max(len(r[0]) for r in rows)
    print(
        f"\nHọc vụ số benchmarks — {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}, {time.perf_counter() - started:.0f} s"
        + (" (QUICK: not comparable)" if args.quick else "")
    )
    print(f"| {'figure'.ljust(width)} | {'measured':>12} | {'target':>8} | met |")
    print(f"|{'-' * (width + 2)}|{'-' * 14}|{'-' * 10}|-----|")
    for name, value, target, ok in rows:
        mark = "" if ok is None else ("yes" if ok else "NO")
        print(f"| {name.ljust(width)} | {value:>12} | {target:>8} | {mark:>3} |")
    if args.profile:
        _profile(400 // scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run mutmut over the guarded modules, group by group, and report the score per group.

Each group runs in its own copy of the tracked files (`mutation-runs/<group>/`, git-ignored) whose
pyproject selects that group's focused tests: each mutant then runs only those of them that reach
the function it changes — on SQLite, in-process, no PostgreSQL, no subprocess, 2 workers. A mutant
that survives is either killed by a new test or listed in tests/mutation/survivors.md with why it
is equivalent; the score names the survivors not listed yet.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "mutation-runs"
SURVIVORS = Path(__file__).resolve().parent / "survivors.md"
MUTMUT = str(Path(sys.executable).parent / "mutmut")
GOAL = 0.85


@dataclass(frozen=True)
class Group:
    # mutmut names a mutant module.x_function__mutmut_N, or module.xǁClassǁmethod__mutmut_N
    mutants: tuple[str, ...]
    tests: tuple[str, ...]


GROUPS: dict[str, Group] = {
    "updates": Group(("bot.store.queries.updates.*",), ("tests/test_store.py",)),
    "lock": Group(
        ("bot.store.queries.users.*lock_user*",), ("tests/test_store.py", "tests/test_transcript_rules.py")
    ),
    "scope": Group(
        (
            "bot.core.scope.*",
            "bot.features.classes.assign.x_own_learner__*",
            "bot.features.classes.views.x_own_class__*",
            "bot.features.help.answers.x_own_request__*",
        ),
        ("tests/test_scope.py",),
    ),
    "quiz": Group(
        ("bot.features.learning.steps.quiz.*",),
        ("tests/test_transcript_rules.py", "tests/test_quiz_order.py", "tests/test_store.py"),
    ),
    "privacy": Group(("bot.core.privacy.*",), ("tests/test_privacy.py", "tests/test_transcript_rules.py")),
    "outbox": Group(
        ("bot.store.queries.outbox.*", "bot.channels.outbox.*"),
        ("tests/test_outbox.py", "tests/test_store.py"),
    ),
    "engine": Group(
        ("bot.core.engine.*",),
        (
            "tests/test_store.py",
            "tests/test_role_table.py",
            "tests/test_transcript_rules.py",
            "tests/test_privacy.py",
            "tests/test_transcripts.py",
            "tests/test_tutor_edges.py",
            "tests/test_security_privacy.py",
        ),
    ),
    # The aggregates behind the README's definitions; not the roster (`learners`, one row per
    # learner with their class and volunteer: a listing, no definition of its own).
    "stats": Group(
        (
            "bot.store.stats.x_*",
            "bot.store.stats.xǁStatsǁ_*",
            *(
                f"bot.store.stats.xǁStatsǁ{name}__*"
                for name in (
                    "lessons",
                    "completion_minutes",
                    "funnel",
                    "units",
                    "per_unit",
                    "classes",
                    "volunteers",
                    "help_summary",
                )
            ),
        ),
        ("tests/test_reports.py",),
    ),
}


def workdir(name: str, group: Group) -> Path:
    """A copy of the tracked files whose [tool.mutmut] selects this group's tests (kept between
    runs: mutmut re-runs only what changed)."""
    work = RUNS / name
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for path in filter(None, tracked):
        source, target = ROOT / path, work / path
        if source.is_file() and (not target.exists() or target.read_bytes() != source.read_bytes()):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    config = (work / "pyproject.toml").read_text(encoding="utf-8")
    selection = "pytest_add_cli_args_test_selection = [" + ", ".join(f'"{t}"' for t in group.tests) + "]"
    config = re.sub(r"^pytest_add_cli_args_test_selection = .*$", selection, config, flags=re.M)
    (work / "pyproject.toml").write_text(config, encoding="utf-8")
    return work


def results(work: Path) -> dict[str, str]:
    out = subprocess.run([MUTMUT, "results", "--all", "true"], cwd=work, capture_output=True, text=True)
    found = {}
    for line in out.stdout.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            found[name] = status
    return found


def listed_survivors() -> set[str]:
    return set(re.findall(r"`([\w.ǁ]+__mutmut_\d+)`", SURVIVORS.read_text(encoding="utf-8")))


def score(names: list[str]) -> int:
    listed = listed_survivors()
    print(f"{'group':<9} {'mutants':>7} {'killed':>7} {'score':>6}  survivors (not in survivors.md)")
    problems = 0
    for name in names:
        work = RUNS / name
        if not (work / "mutants").exists():
            continue
        found = {
            m: s
            for m, s in results(work).items()
            if any(fnmatch.fnmatch(m, p) for p in GROUPS[name].mutants) and s != "not checked"
        }
        if not found:
            continue
        killed = sum(1 for s in found.values() if s in ("killed", "timeout"))
        survivors = sorted(m for m, s in found.items() if s not in ("killed", "timeout"))
        unlisted = [m for m in survivors if m not in listed]
        problems += bool(unlisted) or killed / len(found) < GOAL
        print(
            f"{name:<9} {len(found):>7} {killed:>7} {killed / len(found):>6.0%}  {len(survivors)} ({len(unlisted)})"
        )
        for mutant in unlisted:
            print(f"    {mutant}: {found[mutant]}")
    return 1 if problems else 0


def survivors(name: str, work: Path) -> list[str]:
    """The group's mutants that survived the last run, had no test, or were not checked yet (new,
    or their function changed since)."""
    return sorted(
        m
        for m, s in results(work).items()
        if s in ("survived", "no tests", "not checked")
        and any(fnmatch.fnmatch(m, p) for p in GROUPS[name].mutants)
    )


def main(args: list[str]) -> int:
    only_score = "--score" in args
    again = "--survivors" in args  # re-run only the last run's survivors (after adding tests)
    names = [a for a in args if a not in ("--score", "--survivors")] or list(GROUPS)
    unknown = [n for n in names if n not in GROUPS]
    if unknown:
        print(f"unknown group(s) {unknown}; groups: {' '.join(GROUPS)}", file=sys.stderr)
        return 2
    if not only_score:
        env = {**os.environ, "HOCVUSO_TEST_PG": "0"}
        for name in names:
            work = workdir(name, GROUPS[name])
            print(f"== {name}: {' '.join(GROUPS[name].tests)}", flush=True)
            selected = survivors(name, work) if again else list(GROUPS[name].mutants)
            if selected:
                subprocess.run([MUTMUT, "run", "--max-children", "2", *selected], cwd=work, env=env)
    return score(names)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Run mutmut over the guarded modules and report the score per group.

Each mutant runs only the tests of the focused selection (pyproject.toml [tool.mutmut]) that reach
the function it changes, on SQLite, in-process: no PostgreSQL, no subprocess, 2 workers. A mutant
that survives is either killed by a new test or listed in tests/mutation/survivors.md with why it
is equivalent; the score says which survivors are not listed yet.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SURVIVORS = Path(__file__).resolve().parent / "survivors.md"
MUTMUT = str(Path(sys.executable).parent / "mutmut")

# group: mutant name globs (mutmut names a mutant module.x_function__mutmut_N, or
# module.xǁClassǁmethod__mutmut_N for a method)
GROUPS: dict[str, list[str]] = {
    "updates": ["bot.store.queries.updates.*"],
    "lock": ["bot.store.queries.users.*lock_user*"],
    "scope": [
        "bot.core.scope.*",
        "bot.features.classes.assign.x_own_learner__*",
        "bot.features.classes.views.x_own_class__*",
        "bot.features.help.answers.x_own_request__*",
    ],
    "quiz": ["bot.features.learning.steps.quiz.*"],
    "privacy": ["bot.core.privacy.*"],
    "outbox": ["bot.store.queries.outbox.*", "bot.channels.outbox.*"],
    "engine": ["bot.core.engine.*"],
    "stats": ["bot.store.stats.*"],
}
GOAL = 0.85


def group_of(name: str) -> str | None:
    return next((g for g, globs in GROUPS.items() if any(fnmatch.fnmatch(name, p) for p in globs)), None)


def results() -> dict[str, str]:
    out = subprocess.run([MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True)
    found = {}
    for line in out.stdout.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            found[name] = status
    return found


def listed_survivors() -> set[str]:
    return set(re.findall(r"`([\w.ǁ]+__mutmut_\d+)`", SURVIVORS.read_text(encoding="utf-8")))


def score() -> int:
    by_group: dict[str, dict[str, list[str]]] = {g: {} for g in GROUPS}
    for name, status in results().items():
        group = group_of(name)
        if group is not None and status != "not checked":
            by_group[group].setdefault(status, []).append(name)
    listed = listed_survivors()
    print(f"{'group':<9} {'mutants':>7} {'killed':>7} {'score':>6}  survivors (not yet in survivors.md)")
    problems = 0
    for group, statuses in by_group.items():
        total = sum(len(v) for v in statuses.values())
        if not total:
            continue
        killed = len(statuses.get("killed", [])) + len(statuses.get("timeout", []))
        survivors = sorted(n for s, names in statuses.items() if s not in ("killed", "timeout") for n in names)
        unlisted = [n for n in survivors if n not in listed]
        problems += bool(unlisted) or killed / total < GOAL
        print(f"{group:<9} {total:>7} {killed:>7} {killed / total:>6.0%}  {len(survivors)} ({len(unlisted)})")
        for name in unlisted:
            print(f"    {name}: {next(s for s, n in statuses.items() if name in n)}")
    return 1 if problems else 0


def main(args: list[str]) -> int:
    if args == ["--score"]:
        return score()
    unknown = [a for a in args if a not in GROUPS]
    if unknown:
        print(f"unknown group(s) {unknown}; groups: {' '.join(GROUPS)}", file=sys.stderr)
        return 2
    globs = [p for g in (args or list(GROUPS)) for p in GROUPS[g]]
    env = {**os.environ, "HOCVUSO_TEST_PG": "0", "HOCVUSO_FUZZ_EXAMPLES": "50"}
    subprocess.run([MUTMUT, "run", "--max-children", "2", *globs], cwd=ROOT, env=env, check=False)
    return score()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`hocvuso lessons check|list`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Settings
from bot.lessons.loader import load_catalog


def _folder(args: argparse.Namespace, settings: Settings) -> Path:
    return Path(args.dir) if args.dir else Path(settings.lessons_dir)


def check_command(args: argparse.Namespace, settings: Settings) -> int:
    """Errors and warnings in file and line order; exit 1 on any error, warnings alone pass."""
    result = load_catalog(_folder(args, settings))
    for problem in sorted(result.problems + result.warnings):
        print(problem)
    catalog = result.catalog
    warned = f", {len(result.warnings)} warning(s)" if result.warnings else ""
    if result.problems:
        print(f"{len(result.problems)} problem(s){warned} in {result.files} file(s)", file=sys.stderr)
        return 1
    print(f"OK: {len(catalog)} lessons, {catalog.step_count} steps, {len(catalog.tracks)} tracks{warned}")
    return 0


def list_command(args: argparse.Namespace, settings: Settings) -> int:
    result = load_catalog(_folder(args, settings))
    catalog = result.catalog
    for track in catalog.tracks:
        lessons = catalog.in_track(track.id)
        print(f"{track.id}  {track.title}  ({len(lessons)} bài)")
        for lesson in lessons:
            needs = f"  cần: {', '.join(lesson.requires)}" if lesson.requires else ""
            print(
                f"  {lesson.order:>2}. {lesson.id:<32} {lesson.title}  [{len(lesson.steps)} bước, {lesson.minutes} phút]{needs}"
            )
    for problem in result.problems:
        print(problem, file=sys.stderr)
    return 1 if result.problems else 0

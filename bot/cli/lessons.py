"""`hocvuso lessons check|list|render`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Settings
from bot.lessons.loader import load_catalog


def _folder(args: argparse.Namespace, settings: Settings) -> Path:
    return Path(args.dir) if args.dir else Path(settings.lessons_dir)


def check_command(args: argparse.Namespace, settings: Settings) -> int:
    """Errors and warnings in file and line order; exit 1 on any error, warnings alone pass.
    Picture problems (bot.lessons.pictures) are errors: the PNG a learner would get is wrong."""
    from bot.lessons.pictures import check_pictures

    result = load_catalog(_folder(args, settings))
    result.problems = sorted(result.problems + check_pictures(result))
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


def render_command(args: argparse.Namespace, settings: Settings) -> int:
    """Render every SVG under DIR (default: the lessons folder) whose PNG is missing or stale."""
    from bot.lessons.pictures import CairoMissing, timed_render
    from bot.lessons.yamlfile import display

    folder = _folder(args, settings)
    if not folder.is_dir():
        print(f"{display(folder)}:1: the folder does not exist")
        return 1
    try:
        rendered, fresh, failed, seconds = timed_render(folder, force=args.force)
    except CairoMissing as exc:
        print(f"hocvuso: {exc}", file=sys.stderr)
        return 2
    for item in rendered:
        print(f"{display(item.png)}: {item.width}×{item.height} px, {item.size / 1024:.0f} KB")
    for svg, reason in failed:
        print(f"{display(svg)}:1: {reason}")
    print(
        f"{len(rendered)} rendered, {len(fresh)} up to date, {len(failed)} failed in {seconds:.1f} s",
        file=sys.stderr,
    )
    return 1 if failed else 0

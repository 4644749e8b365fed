"""Operator commands: `hocvuso units import|list`, `hocvuso admin grant`, `hocvuso invite`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.app import open_database
from bot.clock import utcnow
from bot.config import ConfigError, Settings, person_problem
from bot.store.queries.units import UnitLoopError
from bot.units import break_loops, check_import, find_loops, loop_text, parents_first, read_units_csv

ROLES = ("learner", "volunteer", "organizer")
MAX_PROBLEMS_SHOWN = 20


def _report(problems: list[str]) -> int:
    """Problems on stderr, one line each; a long list is cut short. Exit status 1."""
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        print(problem, file=sys.stderr)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        print(f"… and {len(problems) - MAX_PROBLEMS_SHOWN} more", file=sys.stderr)
    if len(problems) > 1:
        print(f"{len(problems)} problems; nothing was imported", file=sys.stderr)
    return 1


async def _import_units(settings: Settings, path: Path) -> int:
    """All or nothing: the file is checked whole against the stored tree before a row is written."""
    rows, problems = read_units_csv(path)
    if not rows:
        return _report(problems)
    db = await open_database(settings)
    try:
        async with db.transaction() as repo:
            await repo.lock_unit_tree()
            existing = {unit.id: unit.parent_id for unit in await repo.units()}
            problems += check_import(rows, existing, str(path))
            if problems:
                return _report(problems)
            await repo.upsert_units(
                [
                    [(r.id, r.name, r.parent_id, r.kind) for r in level]
                    for level in parents_first(rows, existing)
                ]
            )
    except (UnitLoopError, SQLAlchemyError) as exc:  # a backstop: check_import refuses these first
        message = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        return _report([f"{path}: the database refused the import ({message}); nothing was imported"])
    finally:
        await db.close()
    print(f"OK: {len(rows)} units imported")
    return 0


async def _list_units(settings: Settings) -> int:
    db = await open_database(settings)
    try:
        async with db.reader() as repo:
            units = {unit.id: unit for unit in await repo.units()}
    finally:
        await db.close()
    stored = {unit.id: unit.parent_id for unit in units.values()}
    parents = break_loops(stored)  # an old database may hold a loop: show each unit once
    children: dict[str | None, list[str]] = {}
    for unit_id, parent in parents.items():
        children.setdefault(parent if parent in units else None, []).append(unit_id)
    stack = [(unit_id, 0) for unit_id in sorted(children.get(None, []), key=lambda u: units[u].name)]
    stack.reverse()
    while stack:  # depth first, without recursion: a deep chain cannot overflow the stack
        unit_id, depth = stack.pop()
        unit = units[unit_id]
        print(f"{'  ' * depth}{unit.id}  {unit.name}  ({unit.kind})")
        below = sorted(children.get(unit_id, []), key=lambda u: units[u].name, reverse=True)
        stack.extend((child, depth + 1) for child in below)
    if not units:
        print("no units yet: hocvuso units import FILE.csv (columns id,name,parent_id,kind)", file=sys.stderr)
    loops = find_loops(stored)
    for loop in loops:
        print(
            f"hocvuso: the unit tree has a loop (unit → its parent): {loop_text(loop)}; "
            "fix it with hocvuso units import (give one of them another parent)",
            file=sys.stderr,
        )
    return 1 if loops else 0


def parse_person(value: str) -> tuple[str, str]:
    """CHANNEL:ID as the bot knows the person; refused with a line saying how to find the id."""
    problem = person_problem(value)
    if problem:
        raise ConfigError(problem)
    channel, _, external = value.partition(":")
    return channel, external


async def _grant(settings: Settings, role: str, person: str, unit_id: str | None) -> int:
    channel, external = parse_person(person)
    db = await open_database(settings)
    try:
        async with db.transaction() as repo:
            if unit_id and await repo.unit(unit_id) is None:
                print(f"hocvuso: unit '{unit_id}' does not exist (hocvuso units list)", file=sys.stderr)
                return 1
            user = await repo.grant(channel, external, role, unit_id, utcnow())
            print(
                f"OK: {channel}:{external} is now {role}"
                + (f" of {user.unit_id}" if user.unit_id else " (all units)")
            )
    finally:
        await db.close()
    return 0


async def _invite(settings: Settings, unit_id: str, uses: int, days: int) -> int:
    from bot.features.organizer import make_invite  # lazy: the chat features are not needed elsewhere

    db = await open_database(settings)
    try:
        async with db.transaction() as repo:
            if await repo.unit(unit_id) is None:
                print(f"hocvuso: unit '{unit_id}' does not exist (hocvuso units list)", file=sys.stderr)
                return 1
            invite = await make_invite(repo, unit_id, None, utcnow(), days=days, uses=uses)
            print(
                f"deep link payload: v-{invite.code}   (Telegram: https://t.me/<your_bot>?start=v-{invite.code})"
            )
            print(f"typed code:        {invite.short_code}")
            print(f"valid for {days} days, {uses} uses, unit {unit_id}")
    finally:
        await db.close()
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    units = sub.add_parser("units", parents=[common], help="manage the unit tree (province → commune)")
    usub = units.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = usub.add_parser(
        "import",
        parents=[common],
        help="import units from CSV: id,name,parent_id,kind (',' or ';', UTF-8); all or nothing",
    )
    imp.add_argument("file", type=Path)
    usub.add_parser("list", parents=[common], help="print the unit tree")

    admin = sub.add_parser("admin", parents=[common], help="roles")
    asub = admin.add_subparsers(dest="action", required=True, metavar="ACTION")
    grant = asub.add_parser(
        "grant",
        parents=[common],
        help="give a role: hocvuso admin grant organizer telegram:123456789 (the person's /id)",
    )
    grant.add_argument("role", choices=ROLES)
    grant.add_argument(
        "person",
        metavar="CHANNEL:ID",
        help="telegram:<numeric id>, zalo:<id> or console:<name>; the person sends /id to the bot to see it",
    )
    grant.add_argument("--unit", help="unit id (an organizer without one sees every unit)")

    invite = sub.add_parser("invite", parents=[common], help="make a volunteer invitation for a unit")
    invite.add_argument("--unit", required=True)
    invite.add_argument("--uses", type=int, default=20)
    invite.add_argument("--days", type=int, default=7)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "units":
        if args.action == "import":
            return asyncio.run(_import_units(settings, args.file))
        return asyncio.run(_list_units(settings))
    if args.command == "admin":
        return asyncio.run(_grant(settings, args.role, args.person, args.unit))
    return asyncio.run(_invite(settings, args.unit, max(1, args.uses), max(1, args.days)))

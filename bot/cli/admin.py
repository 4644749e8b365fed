"""Operator commands: `hocvuso units import|list`, `hocvuso admin grant`, `hocvuso invite`."""

from __future__ import annotations

import argparse
import asyncio
import csv
import re
import sys
from pathlib import Path

from bot.app import open_database
from bot.clock import utcnow
from bot.config import ConfigError, Settings, person_problem

UNIT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
ROLES = ("learner", "volunteer", "organizer")


def read_units_csv(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    """Rows of `id,name,parent_id,kind` and every problem as `file:line: message`."""
    problems: list[str] = []
    rows: list[dict[str, str]] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{path}:1: cannot read the file ({exc.__class__.__name__})"]
    reader = csv.DictReader(text.splitlines())
    missing = {"id", "name"} - set(reader.fieldnames or [])
    if missing:
        return [], [
            f"{path}:1: the header needs the columns id,name[,parent_id,kind] (missing: {', '.join(sorted(missing))})"
        ]
    seen: set[str] = set()
    for number, row in enumerate(reader, start=2):
        unit_id = (row.get("id") or "").strip()
        name = (row.get("name") or "").strip()
        parent = (row.get("parent_id") or "").strip() or ""
        kind = (row.get("kind") or "").strip() or ("tinh" if not parent else "xa")
        if not UNIT_ID.match(unit_id):
            problems.append(f"{path}:{number}: id '{unit_id}' must use a-z, 0-9 and '-' (at most 40)")
            continue
        if not name:
            problems.append(f"{path}:{number}: unit '{unit_id}' has no name")
            continue
        if unit_id in seen:
            problems.append(f"{path}:{number}: duplicate unit id '{unit_id}'")
            continue
        seen.add(unit_id)
        rows.append(
            {"id": unit_id, "name": name[:120], "parent_id": parent, "kind": kind[:16], "line": str(number)}
        )
    return rows, problems


async def _import_units(settings: Settings, path: Path) -> int:
    rows, problems = read_units_csv(path)
    db = await open_database(settings)
    try:
        async with db.transaction() as repo:
            known = {unit.id for unit in await repo.units()} | {row["id"] for row in rows}
            for row in rows:
                if row["parent_id"] and row["parent_id"] not in known:
                    problems.append(f"{path}:{row['line']}: parent '{row['parent_id']}' is not a known unit")
            if problems:
                for problem in problems:
                    print(problem)
                return 1
            for row in rows:
                await repo.upsert_unit(row["id"], row["name"], row["parent_id"] or None, row["kind"])
    finally:
        await db.close()
    print(f"OK: {len(rows)} units imported")
    return 0


async def _list_units(settings: Settings) -> int:
    db = await open_database(settings)
    try:
        async with db.reader() as repo:
            units = list(await repo.units())
    finally:
        await db.close()
    children: dict[str | None, list] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)

    def show(parent: str | None, depth: int) -> None:
        for unit in sorted(children.get(parent, []), key=lambda u: u.name):
            print(f"{'  ' * depth}{unit.id}  {unit.name}  ({unit.kind})")
            show(unit.id, depth + 1)

    show(None, 0)
    if not units:
        print("no units yet: hocvuso units import FILE.csv (columns id,name,parent_id,kind)", file=sys.stderr)
    return 0


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
    imp = usub.add_parser("import", parents=[common], help="import units from CSV: id,name,parent_id,kind")
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

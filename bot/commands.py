"""Operator commands beyond chat/run/lessons: registered here, implemented in their own modules."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.config import Settings

Handler = Callable[[argparse.Namespace, Settings], int]


def register_admin_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from bot import admin
    from bot.reports import command as report

    admin.register(sub, common)
    report.register(sub, common)
    sub.add_parser("doctor", parents=[common], help="check config, database, migrations, lessons and tokens")


def dispatch_admin(args: argparse.Namespace) -> Handler:
    from bot import admin

    if args.command in ("units", "admin", "invite"):
        return admin.run
    if args.command == "doctor":
        from bot.doctor import command

        return command
    if args.command == "report":
        from bot.reports.command import run

        return run
    raise SystemExit(f"hocvuso: unknown command {args.command}")

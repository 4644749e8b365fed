"""Operator commands beyond chat/run/lessons: registered here, implemented in their own modules."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.config import Settings

Handler = Callable[[argparse.Namespace, Settings], int]


def register_admin_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Sub-commands added by later features (units, admin, report, doctor)."""


def dispatch_admin(args: argparse.Namespace) -> Handler:
    raise SystemExit(f"hocvuso: unknown command {args.command}")

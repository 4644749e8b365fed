"""`hocvuso …` commands. Wiring only: each command lives in its own module of this package and is
imported lazily (the imports inside functions below are for start-up speed, not to dodge a circle),
so `hocvuso lessons check` does not pay for loading the database or the Telegram stack."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings


def _common(default: object) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help="config file (YAML); default: none, built-in defaults",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    # `--config` works before or after the sub-command; the sub-command's copy must not reset it.
    common = _common(argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="hocvuso", description="Học vụ số — digital-skills tutor bot.", parents=[_common(None)]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = sub.add_parser(
        "chat", parents=[common], help="chat with the tutor in this terminal (SQLite, no token)"
    )
    chat.add_argument(
        "--user",
        default="local",
        help="who is chatting; progress, role and waiting messages are kept per name (default: local)",
    )
    chat.add_argument(
        "--files",
        type=Path,
        default=Path("hocvuso-files"),
        metavar="DIR",
        help="where pictures and files the bot sends are saved (default: ./hocvuso-files)",
    )

    sub.add_parser("run", parents=[common], help="run the channels enabled in the config (Telegram, Zalo)")

    lessons = sub.add_parser("lessons", parents=[common], help="check, list or render the lesson files")
    lsub = lessons.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = lsub.add_parser("check", parents=[common], help="validate lesson files; exit 1 on any problem")
    check.add_argument("dir", nargs="?", help="lessons folder (default: from config)")
    listing = lsub.add_parser("list", parents=[common], help="print tracks and lessons")
    listing.add_argument("dir", nargs="?", help="lessons folder (default: from config)")
    render = lsub.add_parser(
        "render",
        parents=[common],
        help="render the SVG pictures under DIR to PNG (only missing or stale ones)",
    )
    render.add_argument("dir", nargs="?", help="folder to render (default: the lessons folder)")
    render.add_argument("--force", action="store_true", help="render every picture again")

    from bot.cli import admin, certificate, report, web

    admin.register(sub, common)
    report.register(sub, common)
    certificate.register(sub, common)
    web.register(sub, common)
    sub.add_parser("doctor", parents=[common], help="check config, database, migrations, lessons and tokens")
    return parser


def _dispatch(args: argparse.Namespace) -> Callable[[argparse.Namespace, Settings], int]:
    if args.command == "chat":
        from bot.cli.chat import command as chat_command

        return chat_command
    if args.command == "run":
        from bot.cli.run import command as run_command

        return run_command
    if args.command == "lessons":
        from bot.cli.lessons import check_command, list_command, render_command

        return {"check": check_command, "list": list_command, "render": render_command}[args.action]
    if args.command in ("units", "admin", "invite"):
        from bot.cli import admin

        return admin.run
    if args.command == "doctor":
        from bot.cli.doctor import command as doctor_command

        return doctor_command
    if args.command == "report":
        from bot.cli.report import run as report_command

        return report_command
    if args.command == "certificate":
        from bot.cli.certificate import run as certificate_command

        return certificate_command
    if args.command == "web":
        from bot.cli.web import run as web_command

        return web_command
    raise SystemExit(f"hocvuso: unknown command {args.command}")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        if args.command == "doctor":  # the doctor's first check: one line, exit 1 like the others
            print(f"✗ config: {exc}")
            return 1
        print(f"hocvuso: {exc}", file=sys.stderr)
        return 2
    from bot.logs import setup_logging

    setup_logging(settings.log_level)
    handler = _dispatch(args)
    try:
        return handler(args, settings)
    except KeyboardInterrupt:
        return 130
    except ConfigError as exc:
        print(f"hocvuso: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

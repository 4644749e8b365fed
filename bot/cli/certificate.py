"""`hocvuso certificate verify CODE`: whether a certificate's verification code is genuine, and what
was printed on it (name, track, date, unit). Exit 0 when genuine, 1 when no certificate has it."""

from __future__ import annotations

import argparse
import asyncio
import re
from datetime import UTC
from zoneinfo import ZoneInfo

from bot.app import open_database
from bot.config import Settings


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    certificate = sub.add_parser("certificate", parents=[common], help="certificates (giấy chứng nhận)")
    csub = certificate.add_subparsers(dest="action", required=True, metavar="ACTION")
    verify = csub.add_parser("verify", parents=[common], help="is this verification code genuine?")
    verify.add_argument("code", help="the code printed on the certificate, e.g. ABCDE-23456")


async def _verify(settings: Settings, typed: str) -> int:
    shown = re.sub(r"[^A-Za-z0-9-]", "", typed)[:24] or "(empty)"  # echoed back: letters and digits only
    db = await open_database(settings)
    try:
        async with db.reader() as repo:
            certificate = await repo.certificate_by_code(typed[:40])
            unit = await repo.unit(certificate.unit_id) if certificate and certificate.unit_id else None
    finally:
        await db.close()
    if certificate is None:
        print(f"NOT FOUND: no certificate has the code {shown}")
        return 1
    day = certificate.issued_at.replace(tzinfo=UTC).astimezone(ZoneInfo(settings.timezone))
    name = certificate.name or "(name erased at the learner's request)"
    print(f"GENUINE: certificate {certificate.code[:5]}-{certificate.code[5:]}")
    print(f"  name:   {name}")
    print(f"  track:  {certificate.track_title}")
    print(f"  issued: {day:%d/%m/%Y}")
    print(f"  unit:   {unit.name if unit else '—'}")
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_verify(settings, args.code))

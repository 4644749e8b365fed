"""Join codes (the core's part): class links (`/start c-…`), volunteer invites (`/start v-…`), team
invitations (`t-`), session check-ins (`s-`), outreach-day check-ins (`r-`), and the short codes
people type where there are no deep links (Zalo, or reading a code off a poster).

Link codes carry 72 random bits. Typed codes come from a 31-symbol alphabet: a class's has 6
characters (an elderly learner types it; ~29 bits), an invitation's 12 (a volunteer types it; ~59
bits: hopeless to guess even at the bot's whole throughput, SECURITY.md has the arithmetic). Typed
codes never hold four digits in a row, so a number like an OTP is never mistaken for one.

Guessing is limited twice, in the database (so every worker counts, and a restart forgets nothing):
per platform identity (5 wrong codes in 15 minutes, then codes are refused for a while) — keyed on
an HMAC of channel and platform id, not on the profile, so /xoadulieu does not reset it — and
bot-wide (30 wrong codes a minute from everyone together, then typed codes wait; the operator gets
one warning line a minute). What a code opens is up to the feature that registered its kind
(classes: joining; volunteers: an invite).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import re
import secrets
from datetime import datetime, timedelta

import segno

from bot.core.router import Router
from bot.core.screens import show_home, welcome
from bot.core.turn import Turn
from bot.store import Repository

log = logging.getLogger("hocvuso.codes")

router = Router()

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: easy to read aloud and type
CLASS_LENGTH = 6
INVITE_LENGTH = 12
SHORT_LENGTH = CLASS_LENGTH
# A letter and a digit, never four digits in a row (those are OTP-shaped: bot.core.privacy).
TYPED_CODE = re.compile(r"^(?=.*\d)(?=.*[A-Z])(?!.*\d{4})(?:[A-Z0-9]{6}|[A-Z0-9]{12})$")

TOO_MANY = "{b} đã nhập sai mã nhiều lần. {b} chờ 15 phút rồi thử lại, hoặc nhờ tình nguyện viên giúp nhé."
BUSY = (
    "Lúc này cháu chưa nhận mã gõ tay được. {b} thử lại sau vài phút, hoặc mở link tình nguyện viên gửi nhé."
)


def link_code() -> str:
    return secrets.token_urlsafe(9)  # 12 characters, 72 bits


def short_code(length: int = CLASS_LENGTH) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if TYPED_CODE.match(code):
            return code


def spaced(code: str) -> str:
    """How a typed code is shown: a long one in groups of four, easier to copy ('ABCD-EFGH-JKMN')."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4)) if len(code) > CLASS_LENGTH else code


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=3)
    return buffer.getvalue()


def looks_like_code(text: str) -> str | None:
    candidate = text.strip().upper().replace(" ", "").replace("-", "")
    return candidate if TYPED_CODE.match(candidate) else None


async def _identity(turn: Turn) -> str:
    """Who is typing, as an HMAC of their platform identity: the same after /xoadulieu, and the
    table of failures holds no platform id."""
    key = turn.tutor.keys.get("identity")
    if key is None:
        configured = turn.tutor.settings.secret_key
        key = (configured or await turn.repo.app_secret("identity", turn.now)).encode()
        turn.tutor.keys["identity"] = key
    who = f"{turn.user.channel}:{turn.user.external_id}".encode()
    return hmac.new(key, who, hashlib.sha256).hexdigest()


async def _refusal(turn: Turn, who: str) -> str | None:
    """Why typed codes are refused right now, or None."""
    limits = turn.tutor.settings.limits
    window = timedelta(minutes=limits.code_failure_minutes)
    if await turn.repo.code_failures(turn.now - window, who) >= limits.code_failures:
        return TOO_MANY
    if await turn.repo.code_failures(turn.now - timedelta(minutes=1)) >= limits.code_failures_per_minute:
        _warn_operator(turn.tutor.keys, turn.now, limits.code_failures_per_minute)
        return BUSY
    return None


def _warn_operator(keys: dict, now: datetime, cap: int) -> None:
    minute = now.replace(second=0, microsecond=0).isoformat().encode()
    if keys.get("code_warning") != minute:  # one line a minute, however many are refused
        keys["code_warning"] = minute
        log.warning("more than %d wrong join codes in the last minute: typed codes refused for now", cap)


async def redeem(turn: Turn, code: str, typed: bool, first_contact: bool = False) -> None:
    """A class code or a volunteer invite, from a deep link or typed: each feature that registered a
    kind of code (`Router.code_kind`) is asked in turn. On a first contact the learner welcome comes
    first — except for an invitation, which is no learner's business (the kind decides)."""
    who = await _identity(turn) if typed else ""
    refusal = await _refusal(turn, who) if typed else None
    if refusal is not None:
        turn.say(refusal.format(b=turn.tutor.words.address))
        return
    for redeem_kind in turn.tutor.router.code_kinds.values():
        if await redeem_kind(turn, code, typed, first_contact):
            return
    if typed:
        turn.repo.add_code_failure(who, turn.now)
    if first_contact:
        turn.say(await welcome(turn))
    await show_home(turn, intro=turn.w("deep_link_unknown"))


async def free_short_code(repo: Repository, length: int = CLASS_LENGTH) -> str:
    """A typed code no kind of code uses yet (classes, invitations, teams, sessions, outreach days):
    a typed code is tried against every kind, so it must name one thing only."""
    while True:
        code = short_code(length)
        if not await repo.short_code_taken(code):
            return code


@router.command("ma", "vaolop", "thamgia")
async def typed_code(turn: Turn, arg: str) -> None:
    code = looks_like_code(arg)
    if code is None:
        turn.say(turn.w("deep_link_unknown"))
        return
    await redeem(turn, code, typed=True)

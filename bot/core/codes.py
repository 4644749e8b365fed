"""Join codes (the core's part): class links (`/start c-…`), volunteer invites (`/start v-…`), and the short codes people
type where there are no deep links (Zalo, or reading a code off a poster).

Link codes carry 72 random bits; typed codes are short (6 characters, ~30 bits) and therefore
rate-limited per user: after 5 wrong codes in 15 minutes, codes are refused for a while. What a
code opens is up to the feature that registered its kind (classes: joining; volunteers: an invite).
"""

from __future__ import annotations

import io
import re
import secrets
from datetime import timedelta

import segno

from bot.core.router import Router
from bot.core.screens import show_home, welcome
from bot.core.turn import Turn
from bot.store import Repository

router = Router()

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: easy to read aloud and type
SHORT_LENGTH = 6
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
TYPED_CODE = re.compile(r"^(?=.*\d)(?=.*[A-Z])[A-Z0-9]{6}$")

TOO_MANY = "{b} đã nhập sai mã nhiều lần. {b} chờ 15 phút rồi thử lại, hoặc nhờ tình nguyện viên giúp nhé."


def link_code() -> str:
    return secrets.token_urlsafe(9)  # 12 characters, 72 bits


def short_code() -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(SHORT_LENGTH))
        if TYPED_CODE.match(code):
            return code


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=3)
    return buffer.getvalue()


def looks_like_code(text: str) -> str | None:
    candidate = text.strip().upper().replace(" ", "").replace("-", "")
    return candidate if TYPED_CODE.match(candidate) else None


def _rate_limited(turn: Turn) -> bool:
    cutoff = (turn.now - FAILURE_WINDOW).isoformat()
    failures = [t for t in turn.state.get("code_failures", []) if t >= cutoff]
    return len(failures) >= MAX_FAILURES


def _failed(turn: Turn) -> None:
    cutoff = (turn.now - FAILURE_WINDOW).isoformat()
    failures = [t for t in turn.state.get("code_failures", []) if t >= cutoff]
    turn.set_state("code_failures", [*failures, turn.now.isoformat()][-MAX_FAILURES:])


async def redeem(turn: Turn, code: str, typed: bool, first_contact: bool = False) -> None:
    """A class code or a volunteer invite, from a deep link or typed: each feature that registered a
    kind of code (`Router.code_kind`) is asked in turn. On a first contact the learner welcome comes
    first — except for an invitation, which is no learner's business (the kind decides)."""
    if typed and _rate_limited(turn):
        turn.say(TOO_MANY.format(b=turn.tutor.words.address))
        return
    for redeem_kind in turn.tutor.router.code_kinds.values():
        if await redeem_kind(turn, code, typed, first_contact):
            return
    if typed:
        _failed(turn)
    if first_contact:
        turn.say(await welcome(turn))
    await show_home(turn, intro=turn.w("deep_link_unknown"))


async def free_short_code(repo: Repository) -> str:
    """A typed code no class and no invitation uses yet."""
    while True:
        code = short_code()
        if await repo.class_by_code(code) is None and await repo.invite_by_code(code) is None:
            return code


@router.command("ma", "vaolop", "thamgia")
async def typed_code(turn: Turn, arg: str) -> None:
    code = looks_like_code(arg)
    if code is None:
        turn.say(turn.w("deep_link_unknown"))
        return
    await redeem(turn, code, typed=True)

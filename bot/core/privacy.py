"""Privacy guard: a learner about to share an OTP, a password or a 12-digit personal ID number is
warned never to share it, not even with the bot or a volunteer. The text is neither stored (the bot
stores no free text at all) nor forwarded, nor logged."""

from __future__ import annotations

import re

from bot.core.turn import Turn
from bot.text import normalize

_DIGIT_RUN = re.compile(r"\d(?:[\d .-]*\d)?")
_SECRET_WORDS = re.compile(
    r"\b(mat khau|mk|pass|password|passcode|ma pin|pin|otp|ma xac thuc|ma xac nhan|ma bi mat)\b"
)
_SECRETISH = re.compile(r"(?=\S*\d)\S{4,}|\S*[@#$%^&*!]\S*")

WARNING = (
    "⚠️ Tin nhắn của {b} có vẻ chứa mã OTP, mật khẩu hoặc số căn cước. {b} đừng gửi những mã này cho ai, "
    "kể cả cháu và tình nguyện viên. Cháu không lưu tin nhắn này. Nếu lỡ đưa mã cho người lạ, {b} báo ngay "
    "cho ngân hàng hoặc con cháu nhé."
)


def looks_secret(text: str, choice_count: int) -> bool:
    """True for a 12-digit ID number, a 4–8 digit code, or 'mật khẩu/OTP … <something>'."""
    sample = text[:500]
    for run in _DIGIT_RUN.findall(sample):
        digits = re.sub(r"\D", "", run)
        if len(digits) == 12:
            return True  # số định danh cá nhân / CCCD
        if 4 <= len(digits) <= 8 and not (digits.isdigit() and int(digits) <= choice_count):
            return True  # OTP, PIN, passcode
    plain = normalize(sample, 500)
    if _SECRET_WORDS.search(plain):
        rest = _SECRET_WORDS.sub(" ", plain)
        original_tokens = [
            t for t in sample.split() if normalize(t) not in ("mat", "khau", "otp", "ma", "la")
        ]
        if any(_SECRETISH.fullmatch(token) for token in original_tokens) and rest.strip():
            return True
    return False


async def warn(turn: Turn) -> None:
    text = WARNING.format(b=turn.tutor.words.address)
    if turn.choices:
        turn.reprompt(text)
    else:
        turn.say(text)

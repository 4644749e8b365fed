"""Privacy guard: a text that looks like it carries an OTP, a password, a 12-digit personal ID number
(số định danh / CCCD) or a bank card number is stopped where it would go further.

- A learner who types one is warned never to share it, not even with the bot or a volunteer. The
  text is neither stored (the bot stores no free text of learners at all) nor forwarded, nor logged.
- A volunteer's answer to a learner, a class name and a class place are stored (outbox, classes):
  one that looks like it carries such data is refused with an explanation and goes nowhere.

What is caught: 12 digits written together or in groups (spaces, dots, dashes), also beside other
numbers (`0912345678 001234567890`); 16 or 19 digits (card numbers); digits spelled out in
Vietnamese words (`không không một hai…`); from learners, any other 4–8 digit number (an OTP, a
PIN) — from volunteers 6–8 digits, or 4–8 beside «mật khẩu/OTP/PIN»; a password after «mật khẩu/mk/
pass/OTP…» that mixes letters with digits or symbols, or given with «là», «:» or «=» even as a plain
word. The whole text counts, however long;
full-width and other Unicode digits count as digits.

What passes: numbers the bot itself showed (a quiz option that is a number is matched before this
guard; numbers in the lesson the learner is in), choice numbers, hotlines (1800/1900…, 3-digit
emergency numbers), phone numbers, dates and times, sums of money (`500.000`), and join codes (they
never hold four digits in a row, bot.core.codes).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from bot.core.turn import Turn

# A run of digit groups joined by single separators: "001 234 567 890", "0912.345.678", "4111-1111".
_CHAIN = re.compile(r"\d+(?:[ .\-]\d+)*")
_ATOM = re.compile(r"\d+")
_SECRET_WORDS = re.compile(
    r"\b(mat khau|mk|pass|password|passcode|ma pin|pin|otp|ma xac thuc|ma xac nhan|ma bi mat|"
    r"ma dang nhap|cvv)\b"
)
# «mật khẩu (của tôi) là X», «pass: X», «OTP = X»: X is given as the secret, even as a plain word.
_GIVEN = re.compile(
    r"\b(?:mat khau|mk|pass|password|passcode|ma pin|pin|otp|ma otp|ma xac thuc|ma xac nhan|ma bi mat|"
    r"ma dang nhap)\b\s*(?:\w+\s+){0,3}?(?:\bla\b|:|=)\s*([^\s,;!?]+)"
)
# Words that follow «mật khẩu là…» in a question or a remark, not a password.
_NOT_A_PASSWORD = frozenset(
    [
        "gi",
        "sao",
        "nao",
        "bao",
        "may",
        "dau",
        "the",
        "khong",
        "chua",
        "roi",
        "ai",
        "ma",
        "so",
        "chu",
        "cai",
        "nhu",
        "vay",
        "a",
        "nhe",
        "do",
        "day",
        "nay",
        "gio",
    ]
)
# A word that mixes letters with digits or symbols («Lan@1955», «abc123»): password-shaped. Bare
# numbers near «mật khẩu» are judged as numbers (a hotline there is still a hotline).
_SECRETISH = re.compile(r"(?=\S*[^\W\d_])(?=\S*[\d@#$%^&*!])\S{4,}")
_TOKEN_WORDS = {"mat", "khau", "otp", "ma", "la"}
_PUNCTUATION = ".,:;!?()\"'«»“”"

# Digits read out in words (after diacritics are removed): «không không một hai…».
DIGIT_WORDS = {
    "khong": "0",
    "linh": "0",
    "mot": "1",
    "hai": "2",
    "ba": "3",
    "bon": "4",
    "tu": "4",
    "nam": "5",
    "lam": "5",
    "sau": "6",
    "bay": "7",
    "tam": "8",
    "chin": "9",
}
SPELLED_MIN = 6  # shorter runs of such words are ordinary speech («năm hai», «ba bốn người»)

ID_LENGTH = 12
CARD_LENGTHS = (16, 19)

WARNING = (
    "⚠️ Tin nhắn của {b} có vẻ chứa mã OTP, mật khẩu hoặc số căn cước. {b} đừng gửi những mã này cho ai, "
    "kể cả cháu và tình nguyện viên. Cháu không lưu tin nhắn này. Nếu lỡ đưa mã cho người lạ, {b} báo ngay "
    "cho ngân hàng hoặc con cháu nhé."
)
REFUSED = (
    "⚠️ Nội dung này có vẻ chứa số định danh (CCCD), số thẻ, mã OTP hoặc mật khẩu nên chưa được gửi "
    "hay lưu. Đừng gửi những thông tin đó qua bot. Bạn viết lại, bỏ các số và mã đó đi nhé."
)


def ascii_digits(text: str) -> str:
    """Full-width and other Unicode digits as ASCII digits (NFKC, then each decimal digit)."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if unicodedata.category(ch) == "Nd" else ch for ch in text)


def plain(text: str) -> str:
    """Lower case without diacritics, punctuation kept: 'Mật khẩu: Lan' → 'mat khau: lan'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()


def numbers_in(texts: Iterable[str]) -> frozenset[str]:
    """The numbers written in some texts, as digit strings ('1900 1288' → '19001288')."""
    found = set()
    for text in texts:
        for chain in _CHAIN.findall(ascii_digits(text)):
            found.add(re.sub(r"\D", "", chain))
            found.update(_ATOM.findall(chain))
    return frozenset(found)


def _allowed_number(chain: str, digits: str, choice_count: int, known: frozenset[str]) -> bool:
    """A number that is no code: a choice, one the bot showed, a hotline, a date, time or sum."""
    atoms = _ATOM.findall(chain)
    if digits in known or (digits.isdigit() and int(digits) <= choice_count):
        return True
    if digits.startswith(("1800", "1900")) and len(digits) in (8, 10):
        return True  # hotlines: 1900 1288, 1800 599 920
    if 2 <= len(atoms) <= 3 and all(len(a) <= 2 for a in atoms[:2]) and len(atoms[-1]) in (1, 2, 4):
        return True  # 12.11.2026, 12/11, 10.30 (a date or a time of day)
    # 500.000 (đồng): groups of three after the first, a round sum
    return (
        len(atoms) >= 2
        and len(atoms[0]) <= 3
        and all(len(a) == 3 for a in atoms[1:])
        and digits.endswith("000")
    )


def _sums(lengths: list[int]) -> set[int]:
    """Digit counts of every run of neighbouring groups: [10, 12] → {10, 12, 22}."""
    found = set()
    for start in range(len(lengths)):
        total = 0
        for length in lengths[start:]:
            total += length
            if total > CARD_LENGTHS[-1]:
                break  # longer runs matter no more (and a 4,000-character text stays cheap)
            found.add(total)
    return found


def _digits_secret(
    groups: list[str], chain: str, choice_count: int, known: frozenset[str], short: int
) -> bool:
    lengths = [len(g) for g in groups]
    sums = _sums(lengths)
    if ID_LENGTH in sums or any(n in sums for n in CARD_LENGTHS) or max(lengths) > ID_LENGTH:
        return True  # personal ID number, card number (alone or beside a phone number)
    digits = "".join(groups)
    if _allowed_number(chain, digits, choice_count, known):
        return False
    if short <= len(digits) <= 8:
        return True  # OTP, PIN, passcode
    return any(6 <= n <= 8 for n in lengths)  # an OTP written beside another number


def _spelled_runs(text: str) -> list[list[str]]:
    """Runs of digits read out in words, digit groups mixed in: 'khong mot 23 bon' → [['0','1','23','4']]."""
    runs: list[list[str]] = []
    current: list[str] = []
    words = 0
    for token in re.findall(r"[a-z]+|\d+", text):
        digit = DIGIT_WORDS.get(token) or (token if token.isdigit() else None)
        if digit is not None:
            current.append(digit)
            words += not token.isdigit()
            continue
        if words >= 2 and sum(len(d) for d in current) >= SPELLED_MIN:
            runs.append(current)
        current, words = [], 0
    if words >= 2 and sum(len(d) for d in current) >= SPELLED_MIN:
        runs.append(current)
    return runs


def looks_secret(
    text: str, choice_count: int = 0, *, learner: bool = True, known: frozenset[str] = frozenset()
) -> bool:
    """True when the text seems to carry an ID or card number, an OTP or a password.
    `learner`: any 4–8 digit number counts (else 6–8, a volunteer may write a year, unless the text
    speaks of a password, an OTP or a PIN); `known`: numbers the bot showed the learner (in the
    lesson they are in), which are no secret."""
    sample = ascii_digits(text)
    lowered = plain(sample)
    words = re.sub(r"[^a-z0-9]+", " ", lowered)
    keyword = _SECRET_WORDS.search(words) is not None
    short = 4 if learner or keyword else 6  # «mật khẩu 1234» is a PIN whoever writes it
    for chain in _CHAIN.findall(sample):
        if _digits_secret(_ATOM.findall(chain), chain, choice_count, known, short):
            return True
    for run in _spelled_runs(lowered):
        if _digits_secret(run, " ".join(run), 0, frozenset(), SPELLED_MIN):
            return True
    if keyword:
        given = _GIVEN.search(lowered)
        if given and given.group(1).strip(".:=") not in _NOT_A_PASSWORD:
            return True
        tokens = [t.strip(_PUNCTUATION) for t in sample.split()]
        tokens = [t for t in tokens if plain(t) not in _TOKEN_WORDS]
        return any(_SECRETISH.fullmatch(token) for token in tokens)
    return False


async def warn(turn: Turn) -> None:
    text = WARNING.format(b=turn.tutor.words.address)
    if turn.choices:
        turn.reprompt(text)
    else:
        turn.say(text)


def refuse(turn: Turn) -> None:
    """For a volunteer's text that would have been stored or forwarded: nothing happened, and why.
    The screen stays as it was, so the corrected text is simply typed again."""
    if turn.choices:
        turn.reprompt(REFUSED)
    else:
        turn.say(REFUSED)

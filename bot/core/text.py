"""Typed-answer matching: learners type with or without diacritics, in any case, or just a number."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_NON_WORD = re.compile(r"[^a-z0-9]+")
_ICONS = re.compile(r"^[^\w]+", re.U)


def as_id(text: str, max_digits: int = 18) -> int | None:
    """The number a typed id or button index means, or None. Only ASCII digits count: "²" and
    other Unicode digits pass `str.isdigit()` but not `int()`, and 18 digits fit a BIGINT."""
    if text.isascii() and text.isdigit() and len(text) <= max_digits:
        return int(text)
    return None


def normalize(text: str, limit: int = 200) -> str:
    """'TIẾP TỤC!' → 'tiep tuc'; 'Đồng ý' → 'dong y'. Only the first `limit` characters count."""
    text = text[:limit].replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _NON_WORD.sub(" ", stripped.lower()).strip()


# Words a learner may type for an action even when the button says something else.
ALIASES: dict[str, tuple[str, ...]] = {
    "next": (
        "tiep",
        "tiep tuc",
        "ok",
        "oke",
        "okie",
        "roi",
        "duoc",
        "hoc tiep",
        "tiep di",
        "xong",
        "co",
        "vang",
        "da",
    ),
    "done": (
        "xong",
        "roi",
        "da xong",
        "lam xong",
        "xong roi",
        "ok",
        "oke",
        "duoc",
        "duoc roi",
        "lam duoc",
        "vang",
        "da",
    ),
    "notyet": ("chua", "chua duoc", "chua lam duoc", "khong duoc", "khong lam duoc", "kho qua", "chua xong"),
    "yes": ("co", "dong y", "vang", "u", "ok", "oke", "duoc", "da"),
    "no": ("khong", "ko", "k", "thoi", "khong dong y", "huy"),
}

# Words that work on every screen (one word away, as the design asks).
GLOBAL_WORDS: dict[str, tuple[str, ...]] = {
    "repeat": ("nhac lai", "lap lai", "noi lai", "doc lai", "xem lai"),
    "back": ("quay lai", "tro lai", "lui lai", "buoc truoc"),
    "help": ("giup", "giup do", "tro giup", "hoi nguoi giup", "nho giup", "can giup", "help", "cuu"),
    "menu": ("menu", "ve menu", "trang chu", "ve dau", "man hinh chinh"),
    "lessons": ("bai hoc", "danh sach bai", "chon bai", "cac bai hoc"),
    "progress": ("tien do", "xem tien do", "ket qua"),
    "continue": ("hoc", "hoc tiep", "tiep tuc hoc"),
    "pause": ("tam dung", "dung nhac", "tam dung nhac"),
    "resume": ("tiep tuc nhac", "nhac lai toi", "bat nhac"),
    "slow": ("cham lai", "cham thoi", "noi cham", "tu tu", "cham cham", "doc cham"),
    "normal": ("binh thuong", "nhanh len", "nhanh lai", "thoi cham", "het cham"),
}
_GLOBAL = {word: action for action, words in GLOBAL_WORDS.items() for word in words}


def label_key(label: str) -> str:
    """A button label without its leading icon, normalized."""
    return normalize(_ICONS.sub("", label))


def match_choice(text: str, choices: Sequence[tuple[str, str]], strict: bool = False) -> int | None:
    """Index of the choice the typed text means, or None. `choices` are (label, action) pairs.
    `strict`: only a number or a whole label counts (the screen is waiting for free text)."""
    typed = normalize(text)
    if not typed:
        return None
    number = as_id(typed)
    if number is not None:
        return number - 1 if 1 <= number <= len(choices) else None
    keys = [label_key(label) for label, _ in choices]
    for index, key in enumerate(keys):
        if typed == key:
            return index
    if strict:
        return None
    for index, (_, action) in enumerate(choices):
        name, _, arg = action.partition(":")
        # "erase:yes" takes the words for "yes"; "done" its own.
        if typed in ALIASES.get(name, ()) or typed in ALIASES.get(arg, ()):
            return index
    if len(typed) >= 3:
        # "tiep" → "Tiếp tục"; "khong dua" → "Không đưa mã…": accept a unique prefix only.
        starts = [i for i, key in enumerate(keys) if key.startswith(typed)]
        if len(starts) == 1:
            return starts[0]
        if len(typed) >= 8:
            inside = [i for i, key in enumerate(keys) if len(key) >= 4 and key in typed]
            if len(inside) == 1:
                return inside[0]
    return None


def global_word(text: str) -> str | None:
    """The always-available action a typed text names ('nhac lai' → 'repeat'), if any."""
    return _GLOBAL.get(normalize(text, 40))


def short_label(label: str, limit: int = 60) -> str:
    """Cut a button label to fit one line on a small phone."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"

"""Typed-answer matching: learners type with or without diacritics, in any case, or just a number."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

_NON_WORD = re.compile(r"[^a-z0-9]+")
_ICONS = re.compile(r"^[^\w]+", re.U)

# A person named in a message is written as a reference, «\ue000<user id>\ue001» (private-use
# characters), and the name is filled in only when the message is sent (bot.core.people): stored
# messages and screens hold no names, and a person who erased their data is named «(đã xóa dữ liệu)».
# Nobody can type these characters into the bot: incoming text drops them.
REF_OPEN, REF_CLOSE = "\ue000", "\ue001"
ERASED = "(đã xóa dữ liệu)"
PERSON_REF = re.compile("\ue000(\\d{1,18})\ue001")


def without_refs(text: str) -> str:
    """Text from outside (a message, a display name) with the reference characters removed."""
    return (
        text.replace(REF_OPEN, "").replace(REF_CLOSE, "") if REF_OPEN in text or REF_CLOSE in text else text
    )


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


@functools.lru_cache(maxsize=4096)
def label_key(label: str) -> str:
    """A button label without its leading icon, normalized. Cached: the same labels (lesson
    options, navigation) come back on every message, and normalizing costs ~10 µs a label."""
    return normalize(_ICONS.sub("", PERSON_REF.sub(" ", label)))


# Words a learner may put around a number they type ("số 115", "gọi 115", "dạ 115 ạ"): dropped
# before the digits are compared. Only around the number, never between its groups.
NUMBER_FILLERS = frozenset({"so", "goi", "la", "a", "da", "vang", "nhe", "dien", "thoai", "tong", "dai"})


def number_key(text: str) -> str | None:
    """The digits a text reads as, when it is only a number: '115', '115.', 'Số 115', 'gọi 115 ạ'
    → '115'; '1900 1288', '1900.1288', '1900-1288' → '19001288'. None when any other word is in it
    ('Gọi 2 lần', 'không phải 115'). Leading zeros count: '0113' is not '113'."""
    return _number(normalize(text))


def _number(key: str) -> str | None:
    """`number_key` of an already normalized text."""
    if not any(ch.isdigit() for ch in key):
        return None
    words = key.split()
    while words and words[0] in NUMBER_FILLERS:
        words.pop(0)
    while words and words[-1] in NUMBER_FILLERS:
        words.pop()
    if words and all(word.isdigit() for word in words):  # normalize leaves ASCII digits only
        return "".join(words)
    return None


def _digit_groups(key: str) -> list[str]:
    """Numbers written in a normalized label, neighbouring digit words joined: 'goi 1900 1288 mien
    phi' → ['19001288']."""
    groups: list[str] = []
    joined = False
    for word in key.split():
        if word.isdigit():
            if joined:
                groups[-1] += word
            else:
                groups.append(word)
            joined = True
        else:
            joined = False
    return groups


LABEL_TYPED_MAX = 100  # labels are at most 60 characters; room for "3. " and stray punctuation
# Choices whose labels are lesson text (quiz and re-check options): checked by `lessons check`.
ANSWER_ACTIONS = frozenset({"opt", "recheck"})


def choice_by_label(text: str, choices: Sequence[tuple[str, str]], strict: bool = False) -> int | None:
    """Index of the choice whose button the typed text repeats, or None:

    - the label's words, with or without diacritics, in any case ('Không', 'khong');
    - the number a label shows, however it is typed ('115.', 'số 115', '1900.1288');
    - the numbered line Zalo and the console show ('3. 115');
    - unless `strict`: a number that is no position on this screen and is written in exactly one
      label among other words ('113' for «113 (công an)»).

    This is tried before a number is read as a position, so on a quiz whose options are
    113 / 114 / 115, «115» is the option 115. A number that is also a position on the screen
    («2» where there are 5 choices) is taken as a label only among answer options, whose text
    the lesson author wrote (and `lessons check` warns when it clashes); other labels may hold
    names strangers chose (a learner called «2»), and there a number stays a position.

    Text picked here is what the bot itself showed, so it is never a secret (see privacy); a text
    much longer than any label is never picked, so nothing can hide behind one."""
    if len(text.strip()) > LABEL_TYPED_MAX:
        return None
    typed = normalize(text)
    if not typed:
        return None
    return _by_label(typed, [label_key(label) for label, _ in choices], choices, strict)


def _by_label(typed: str, keys: list[str], choices: Sequence[tuple[str, str]], strict: bool) -> int | None:
    position = as_id(typed)
    if position is not None and 1 <= position <= len(choices):
        usable = [i for i, (_, action) in enumerate(choices) if action.partition(":")[0] in ANSWER_ACTIONS]
    else:
        usable = list(range(len(choices)))
    for index in usable:
        if typed == keys[index]:
            return index
    number = _number(typed)
    if number is None:
        return None
    for index in usable:
        if _number(keys[index]) == number:
            return index
    first, _, rest = typed.partition(" ")
    shown = as_id(first)
    if rest and shown is not None and 1 <= shown <= len(choices) and rest == keys[shown - 1]:
        return shown - 1
    if strict or 1 <= int(number) <= len(choices):
        return None
    holding = [index for index, key in enumerate(keys) if number in _digit_groups(key)]
    return holding[0] if len(holding) == 1 else None


def match_choice(text: str, choices: Sequence[tuple[str, str]], strict: bool = False) -> int | None:
    """Index of the choice the typed text means, or None. `choices` are (label, action) pairs.
    `strict`: only a label or a number counts (the screen is waiting for free text).

    Order: what a button says (`choice_by_label`), then a number as a position (1 = the first
    choice), then — unless strict — words for the action ('ok' for «Tiếp tục») and a unique start
    of a label ('tiep')."""
    typed = normalize(text)
    if not typed:
        return None
    keys = [label_key(label) for label, _ in choices]
    if len(text.strip()) <= LABEL_TYPED_MAX:
        labelled = _by_label(typed, keys, choices, strict)
        if labelled is not None:
            return labelled
    number = as_id(typed)
    if number is not None:
        return number - 1 if 1 <= number <= len(choices) else None
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

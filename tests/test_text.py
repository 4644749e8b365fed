"""Typed answers: numbers, words with or without diacritics, any case."""

from __future__ import annotations

import pytest

from bot.core.events import Command, Start, Text, parse_text
from bot.text import global_word, match_choice, normalize

CHOICES = [
    ("Tiếp tục", "next"),
    ("🔁 Nhắc lại", "repeat"),
    ("🙋 Hỏi người giúp", "help"),
    ("🏠 Menu", "menu"),
]
QUIZ = [("Có", "opt:1"), ("Không", "opt:2"), ("Đưa mã cho người lạ", "opt:3")]


def test_normalize_strips_diacritics_case_and_punctuation() -> None:
    assert normalize("TIẾP TỤC!") == "tiep tuc"
    assert normalize("Đồng ý") == "dong y"
    assert normalize("  Không   được ") == "khong duoc"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("tiep tuc", 0),
        ("TIẾP TỤC", 0),
        ("1", 0),
        ("2", 1),
        ("ok", 0),
        ("nhac lai", 1),
        ("hoi nguoi giup", 2),
        ("5", None),
        ("0", None),
        ("gì vậy", None),
    ],
)
def test_match_step_choices(typed: str, expected: int | None) -> None:
    assert match_choice(typed, CHOICES) == expected


@pytest.mark.parametrize(
    ("typed", "expected"), [("co", 0), ("Có", 0), ("khong", 1), ("KHÔNG", 1), ("3", 2), ("dua ma", 2)]
)
def test_match_quiz_options(typed: str, expected: int) -> None:
    assert match_choice(typed, QUIZ) == expected


def test_global_words() -> None:
    assert global_word("Nhắc lại") == "repeat"
    assert global_word("quay lai") == "back"
    assert global_word("giúp") == "help"
    assert global_word("MENU") == "menu"
    assert global_word("tạm dừng") == "pause"
    assert global_word("chao") is None


def test_parse_text() -> None:
    assert parse_text("/start l-abc") == Start("l-abc")
    assert parse_text("/start") == Start(None)
    assert parse_text("/HOC@HocVuSoBot") == Command("hoc", "")
    assert parse_text("/traloi 12 Bác bấm nút xanh") == Command("traloi", "12 Bác bấm nút xanh")
    assert parse_text("xin chào") == Text("xin chào")
    assert len(parse_text("a" * 10_000).text) == 4000

"""Long texts are split under the platform limit without losing a character."""

from __future__ import annotations

from bot.core.split import split_text


def test_short_text_is_one_piece() -> None:
    assert split_text("Xin chào Bác.", 2000) == ["Xin chào Bác."]


def test_split_on_sentences_under_the_limit() -> None:
    sentence = "Bác bấm vào nút màu xanh ở góc dưới màn hình rồi chờ một chút. "
    text = sentence * 80
    parts = split_text(text, 2000)
    assert len(parts) > 1
    assert all(len(p) <= 2000 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts).split() == text.split()


def test_a_single_giant_word_is_cut_hard() -> None:
    parts = split_text("x" * 5000, 2000)
    assert [len(p) for p in parts] == [2000, 2000, 1000]

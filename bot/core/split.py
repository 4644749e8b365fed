"""Split a long text for platforms with a message limit, on paragraph, line or sentence boundaries."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…»])\s+")


def split_text(text: str, limit: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for piece in _pieces(text, limit):
        joined = f"{current}{piece}" if current else piece.lstrip()
        if len(joined) <= limit:
            current = joined
            continue
        if current.strip():
            chunks.append(current.rstrip())
        current = piece.lstrip()
    if current.strip():
        chunks.append(current.rstrip())
    return chunks


def _pieces(text: str, limit: int) -> list[str]:
    """Pieces no longer than `limit`, keeping their separators so joining restores the text."""
    pieces: list[str] = []
    for paragraph in re.split(r"(?<=\n)", text):
        if len(paragraph) <= limit:
            pieces.append(paragraph)
            continue
        for sentence in _SENTENCE_END.split(paragraph):
            sentence += " "
            while len(sentence) > limit:  # one sentence longer than a message: cut at a space
                cut = sentence.rfind(" ", 0, limit)
                cut = cut if cut > limit // 2 else limit
                pieces.append(sentence[:cut])
                sentence = sentence[cut:]
            pieces.append(sentence)
    return pieces

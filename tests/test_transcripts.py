"""Conversation behaviour as data: each file in tests/transcripts is inputs and the exact replies.

Regenerate a transcript after an intended change with `HOCVUSO_UPDATE_TRANSCRIPTS=1 pytest
tests/test_transcripts.py`, then read the diff: it is the behaviour change. Each transcript's rule (its first line) is also
asserted by an ordinary test in tests/test_transcript_rules.py, which update mode cannot rewrite.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.dialog import Chat, run_transcript

FILES = sorted((Path(__file__).parent / "transcripts").glob("*.txt"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
async def test_transcript(sqlite_tutor, path: Path) -> None:
    expected = path.read_text(encoding="utf-8")
    actual = await run_transcript(Chat(sqlite_tutor), expected)
    if os.environ.get("HOCVUSO_UPDATE_TRANSCRIPTS") == "1":
        if os.environ.get("CI"):
            pytest.fail("HOCVUSO_UPDATE_TRANSCRIPTS is for a developer reading the diff, never for CI")
        path.write_text(actual, encoding="utf-8")
    assert actual == expected

"""The form of address in lessons. Lesson files call the learner «Bác» (always capitalised; a
lower-case «bác» is an ordinary word, as in «bác sĩ»). A campaign that addresses its learners as
«Cô» or «Chú» (`address:` in the config) gets every such «Bác» replaced when the lessons load."""

from __future__ import annotations

import re

from bot.lessons.model import Lesson

ADDRESS = "Bác"  # how lesson files address the learner
_ADDRESS_WORD = re.compile(r"\bBác\b")
_LEARNER_TEXT = frozenset({"title", "say", "practice", "ask", "text", "explain", "alt"})


def readdress(lesson: Lesson, address: str) -> Lesson:
    """The lesson with its address word «Bác» replaced by `address` in every text a learner reads."""
    if address == ADDRESS:
        return lesson

    def walk(value: object, key: str | None = None) -> object:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if isinstance(value, str) and key in _LEARNER_TEXT:
            return _ADDRESS_WORD.sub(address, value)
        return value

    return Lesson.model_validate(walk(lesson.model_dump(exclude_none=True)))

"""Warnings: a lesson that loads and works, but that a learner may find confusing.

Each check takes a valid lesson and yields (where, message) pairs: `where` is the lesson's YAML key
path (('steps', 2, 'quiz', 'options', 0, 'text')) so the loader can give the line. A warning never
leaves a lesson out and never makes `hocvuso lessons check` fail. To add a check, write a function
of that shape and add it to `CHECKS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from bot.lessons.model import Lesson
from bot.text import number_key

Where = tuple[Any, ...]
LessonCheck = Callable[[Lesson], Iterator[tuple[Where, str]]]

# Navigation buttons under a quiz («Nhắc lại», «Quay lại», «Hỏi người giúp», «Menu»): on Zalo
# and the console they are numbered after the options, so typing their number chooses them too.
QUIZ_NAV_BUTTONS = 4


def number_options_out_of_place(lesson: Lesson) -> Iterator[tuple[Where, str]]:
    """An option that reads as a number which is also a choice number on its screen, but not its
    own («2» as the first option): typing «2» picks that option (what a button says wins), while a
    learner reading the numbered list may have meant the second line."""
    for step_index, step in enumerate(lesson.steps):
        if step.quiz is None:
            continue
        options = step.quiz.options
        on_screen = len(options) + QUIZ_NAV_BUTTONS
        for option_index, option in enumerate(options):
            key = number_key(option.text)
            number = int(key) if key is not None else 0
            if not 1 <= number <= on_screen or number == option_index + 1:
                continue
            fix = f"move it to position {number} or add a word" if number <= len(options) else "add a word"
            yield (
                ("steps", step_index, "quiz", "options", option_index, "text"),
                f"step {step_index + 1} › quiz › option {option_index + 1}: «{option.text}» is also choice "
                f"number {number} on this screen; typing {number} picks this option, not line {number} "
                f"of the numbered list: {fix} (e.g. «{number} lần»)",
            )


CHECKS: tuple[LessonCheck, ...] = (number_options_out_of_place,)


def lesson_warnings(lesson: Lesson) -> Iterator[tuple[Where, str]]:
    for check in CHECKS:
        yield from check(lesson)

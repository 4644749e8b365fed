"""Warnings: a lesson that loads and works, but that a learner may find confusing.

Each check takes a valid lesson and yields (where, message) pairs: `where` is the lesson's YAML key
path (('steps', 2, 'quiz', 'options', 0, 'text')) so the loader can give the line. A warning never
leaves a lesson out and never makes `hocvuso lessons check` fail. To add a check, write a function
of that shape and add it to `CHECKS`.
"""

from __future__ import annotations

import re
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
    """An option that reads as a choice number on its screen («2»): typing «2» picks that option
    (what a button says wins), while a learner reading the numbered list may have meant the second
    line. Options are shuffled per learner, so such an option is out of place for most of them."""
    for step_index, step in enumerate(lesson.steps):
        if step.quiz is None:
            continue
        options = step.quiz.options
        on_screen = len(options) + QUIZ_NAV_BUTTONS
        for option_index, option in enumerate(options):
            key = number_key(option.text)
            number = int(key) if key is not None else 0
            if not 1 <= number <= on_screen:
                continue
            yield (
                ("steps", step_index, "quiz", "options", option_index, "text"),
                f"step {step_index + 1} › quiz › option {option_index + 1}: «{option.text}» is also a "
                f"choice number on this screen (options are shuffled per learner); typing {number} "
                f"picks this option, not line {number} of the numbered list: add a word (e.g. «{number} lần»)",
            )


def too_few_options(lesson: Lesson) -> Iterator[tuple[Where, str]]:
    """With two options and two tries, a quiz cannot be failed: it measures nothing."""
    for step_index, step in enumerate(lesson.steps):
        if step.quiz is not None and len(step.quiz.options) < 3:
            yield (
                ("steps", step_index, "quiz", "options"),
                f"step {step_index + 1} › quiz: only {len(step.quiz.options)} options; with a second try "
                "it cannot be failed: give it 3 or 4 (wrong ones that are real misconceptions)",
            )


def right_option_always_longest(lesson: Lesson) -> Iterator[tuple[Where, str]]:
    """When the right option is the longest in every quiz of a lesson, a learner who always picks the
    longest scores 100%."""
    quizzes = [(index, step.quiz) for index, step in enumerate(lesson.steps) if step.quiz is not None]
    if not quizzes:
        return
    for _index, quiz in quizzes:
        right = len(quiz.options[quiz.correct_index].text)
        if any(len(o.text) >= right for i, o in enumerate(quiz.options) if i != quiz.correct_index):
            return
    first = quizzes[0][0]
    yield (
        ("steps", first, "quiz", "options"),
        f"in all {len(quizzes)} quiz(zes) of this lesson the right option is the longest: a learner who "
        "always picks the longest scores 100%; make a wrong option as long as the right one",
    )


_DOCTOR = re.compile(r"\bBác sĩ\b")
_LOWER_ADDRESS = re.compile(r"\bbác\b(?! sĩ)")


def address_word_misused(lesson: Lesson) -> Iterator[tuple[Where, str]]:
    """«Bác» (capitalised) is the learner and is replaced by the configured address («Cô»…): «Bác sĩ»
    would become «Cô sĩ», and a lower-case «bác» meant as the learner would stay «bác»."""
    for step_index, step in enumerate(lesson.steps):
        options = step.quiz.options if step.quiz else []
        for text in [step.text, *(o.text for o in options), *(o.explain for o in options)]:
            if _DOCTOR.search(text):
                yield (
                    ("steps", step_index),
                    f"step {step_index + 1}: «Bác sĩ» at the start of a sentence "
                    "would read «Cô sĩ» for a campaign that says «Cô»: rephrase («Khi gặp bác sĩ…»)",
                )
            if _LOWER_ADDRESS.search(text):
                yield (
                    ("steps", step_index),
                    f"step {step_index + 1}: lower-case «bác»: write the learner's "
                    "address as «Bác» (it is replaced by the configured form of address)",
                )


CHECKS: tuple[LessonCheck, ...] = (
    number_options_out_of_place,
    too_few_options,
    right_option_always_longest,
    address_word_misused,
)


def lesson_warnings(lesson: Lesson) -> Iterator[tuple[Where, str]]:
    for check in CHECKS:
        yield from check(lesson)

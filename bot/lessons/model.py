"""The lesson format: tracks, lessons and their steps, validated with pydantic.

Progress keys on lesson id + step id, so both are stable slugs. Every text a learner reads is capped
so one step always fits one short message.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

MAX_MESSAGE = 500  # what a learner receives in one message
MAX_STEP_TEXT = 480  # leaves room for the bot's "Bước 3/12" header and icon
MAX_BUTTON = 60

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)]
Message = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_STEP_TEXT)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
ButtonText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BUTTON)]
MediaPath = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

StepKind = Literal["say", "quiz", "practice"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    text: ButtonText
    correct: bool = False
    explain: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]


class Quiz(_Strict):
    ask: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
    options: Annotated[list[Option], Field(min_length=2, max_length=4)]

    @model_validator(mode="after")
    def _one_correct(self) -> Quiz:
        count = sum(1 for option in self.options if option.correct)
        if count != 1:
            raise ValueError(f"a quiz needs exactly one option with 'correct: true' (found {count})")
        texts = [option.text.casefold() for option in self.options]
        if len(set(texts)) != len(texts):
            raise ValueError("two options of this quiz have the same text")
        return self

    @property
    def correct_index(self) -> int:
        return next(i for i, option in enumerate(self.options) if option.correct)


class Step(_Strict):
    """One small unit of a lesson: exactly one of `say`, `quiz` or `practice`."""

    id: Slug
    say: Message | None = None
    quiz: Quiz | None = None
    practice: Message | None = None
    image: MediaPath | None = None
    # One line describing the picture, printed instead of it where pictures cannot be sent
    # (console, Zalo without a media URL); required with `image`.
    alt: ShortText | None = None
    audio: MediaPath | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        kinds = [k for k in ("say", "quiz", "practice") if getattr(self, k) is not None]
        if len(kinds) != 1:
            found = ", ".join(kinds) if kinds else "none"
            raise ValueError(f"a step needs exactly one of 'say', 'quiz' or 'practice' (found {found})")
        if self.image is not None and self.alt is None:
            raise ValueError(
                "a step with 'image' needs 'alt': one line (at most 120 characters) saying what the picture shows"
            )
        if self.alt is not None and self.image is None:
            raise ValueError("'alt' describes a picture, but the step has no 'image'")
        return self

    @property
    def kind(self) -> StepKind:
        if self.quiz is not None:
            return "quiz"
        return "practice" if self.practice is not None else "say"

    @property
    def text(self) -> str:
        """The text the learner reads for this step."""
        if self.quiz is not None:
            return self.quiz.ask
        return self.practice if self.practice is not None else (self.say or "")


class Lesson(_Strict):
    id: Slug
    title: ShortText
    track: Slug
    order: int = Field(ge=0)
    minutes: int = Field(default=10, ge=1, le=120)
    summary: ShortText | None = None
    requires: list[Slug] = []
    steps: list[Step]

    @model_validator(mode="after")
    def _steps(self) -> Lesson:
        if not self.steps:
            raise ValueError("the lesson has no steps")
        return self

    def step_index(self, step_id: str) -> int | None:
        for index, step in enumerate(self.steps):
            if step.id == step_id:
                return index
        return None

    @property
    def quiz_count(self) -> int:
        return sum(1 for step in self.steps if step.kind == "quiz")


class Track(_Strict):
    id: Slug
    title: ShortText
    order: int = Field(ge=0)
    summary: ShortText | None = None

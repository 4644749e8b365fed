"""One module per step type. Each renders its step and reacts to the learner's action on it.

A step module knows nothing of channels or storage beyond the `Turn`; it returns an `Outcome`
and the lesson flow moves the learner accordingly.
"""

from __future__ import annotations

from types import ModuleType

from bot.features.learning.steps import practice, quiz, say
from bot.features.learning.steps.base import Outcome, StepView

STEP_TYPES: dict[str, ModuleType] = {"say": say, "quiz": quiz, "practice": practice}

__all__ = ["STEP_TYPES", "Outcome", "StepView"]

"""Shared shapes for step modules."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from bot.core.turn import ChoiceSpec


class Outcome(enum.Enum):
    ADVANCE = "advance"  # the step is finished: go to the next one
    STAY = "stay"  # show the same step again (second try, "show me again")
    HANDLED = "handled"  # the step module already showed what comes next
    UNKNOWN = "unknown"  # not an action of this step


@dataclass
class StepView:
    text: str
    choices: list[ChoiceSpec] = field(default_factory=list)

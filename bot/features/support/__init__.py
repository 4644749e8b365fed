"""Support given face to face (lượt hỗ trợ): /hotro records what, for how many people and where, in
four taps; /hoantac undoes one's last entry within 10 minutes. Counts only: nothing about the people
helped is recorded unless one of them is a learner in the bot."""

from __future__ import annotations

from bot.features.support.routes import router

__all__ = ["router"]

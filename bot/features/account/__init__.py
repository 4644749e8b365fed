"""The learner's account: deleting their own data (/xoadulieu)."""

from bot.features.account.routes import router

__all__ = ["router"]

"""/web: a volunteer or organizer gets a one-time sign-in link to the web dashboard."""

from bot.features.web_signin.routes import router

__all__ = ["router"]

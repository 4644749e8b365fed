"""The organizers' web dashboard: progress against targets, per unit, trends, lessons, help, volunteers
and classes, scoped on the server to the signed-in person (bot.core.scope's rules), with the report's
CSV and Excel downloads. A sibling of bot.channels: it uses bot.core, bot.reports and bot.store."""

from bot.web.app import build_app
from bot.web.server import WebServer

__all__ = ["WebServer", "build_app"]

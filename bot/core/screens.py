"""Showing a screen another feature owns, by name (features never import each other).

The learning feature registers "menu" (the main menu) and "lesson" (the current step again);
volunteers "vmenu"; the organizer feature "omenu". See `Router.screen`.
"""

from __future__ import annotations

from bot.core.turn import Turn


async def show_screen(turn: Turn, name: str, intro: str | None = None) -> bool:
    """Show the screen registered as `name`; False if it declined (or nobody registered it)."""
    show = turn.tutor.router.screens.get(name)
    return show is not None and await show(turn, intro)


async def show_menu(turn: Turn, intro: str | None = None) -> None:
    """The main menu, with `intro` said above it."""
    await show_screen(turn, "menu", intro)

"""Showing a screen another feature owns, by name (features never import each other).

The learning feature registers "menu" (the main menu) and "lesson" (the current step again);
volunteers "vmenu"; the organizer feature "omenu". See `Router.screen`. Each role has a home
screen and a welcome of its own (`show_home`, `welcome`): a volunteer is not greeted as a learner.
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


HOME = {"learner": "menu", "volunteer": "vmenu", "organizer": "omenu"}


async def show_home(turn: Turn, intro: str | None = None) -> None:
    """The first screen of the user's role: the learner menu, the volunteer's or the organizer's."""
    if not await show_screen(turn, HOME.get(turn.user.role, "menu"), intro):
        await show_menu(turn, intro)


async def welcome(turn: Turn) -> str:
    """The first words the bot says to someone, in the register of their role."""
    role = turn.user.role
    if role not in ("volunteer", "organizer"):
        return turn.w("welcome")
    unit = await turn.repo.unit(turn.user.unit_id) if turn.user.unit_id else None
    return turn.w(f"welcome_{role}", unit=unit.name if unit else turn.w("whole_campaign"))

"""Deep links (`https://t.me/<bot>?start=…`) and the bot they name.

A deployment may run several Telegram bots (one per province, or per group of communes), each with
its own send budget. A unit can be assigned a bot; its classes' join links, QR codes and volunteer
invitations then name that bot, so the learners of that unit start with — and stay with — it. A
unit without a bot of its own takes the bot of the nearest unit above it, else the default bot.
"""

from __future__ import annotations

from bot.core.turn import Turn


async def bot_for_unit(turn: Turn, unit_id: str | None) -> str | None:
    """The name of the bot that serves a unit (None: the default bot)."""
    assigned = turn.tutor.unit_bots
    if not unit_id or not assigned:
        return None
    for unit in await turn.repo.ancestors(unit_id):
        if unit in assigned:
            return assigned[unit]
    return None


async def link_base(turn: Turn, unit_id: str | None) -> str | None:
    """The deep-link prefix of the bot serving `unit_id`, or None where links do not exist (no
    Telegram bot is running: the console, Zalo alone)."""
    bases = turn.tutor.link_bases
    if not bases:
        return None
    bot = await bot_for_unit(turn, unit_id)
    return bases.get(bot) if bot in bases else turn.tutor.link_base

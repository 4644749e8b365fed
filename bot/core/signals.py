"""Telling other features that something happened, without knowing them (features never import
each other). The learning feature emits "lesson-completed" with the lesson id; the certificates
feature listens and, when that completes a track, offers the certificate. See `Router.on`."""

from __future__ import annotations

from bot.core.turn import Turn

# Signals emitted today, with their argument:
#   "lesson-completed"  the lesson id, after the completion screen was shown (learning)
LESSON_COMPLETED = "lesson-completed"


async def emit(turn: Turn, signal: str, argument: str = "") -> None:
    """Run every listener of `signal` inside this turn (same transaction, same replies)."""
    for listener in turn.tutor.router.listeners.get(signal, []):
        await listener(turn, argument)

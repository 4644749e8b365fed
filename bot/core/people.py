"""How people are named to each other in messages."""

from __future__ import annotations


def display(user: object) -> str:
    """The name a person chose, or their number (#12) where they gave none or erased their data."""
    name = getattr(user, "display_name", None)
    return name or f"#{getattr(user, 'id', '?')}"

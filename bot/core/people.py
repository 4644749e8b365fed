"""How people are named to each other in messages.

A message never stores a person's name: `display(user)` writes a reference to them (their user id
between private-use characters, bot.text.PERSON_REF) and the name is filled in when the message is
sent — by `Turn.flush` for what goes out at once, by the outbox pump for the rest. So the outbox and
the screens saved in `users.state` hold ids, not names; once a person erases their data, every
message still queued and every screen still open names them «(đã xóa dữ liệu)».
"""

from __future__ import annotations

from bot.text import ERASED, REF_CLOSE, REF_OPEN


def display(user: object) -> str:
    """A reference to a person, filled in with the name they chose, or their number (#12) where
    they gave none, or «(đã xóa dữ liệu)» after they erased their data."""
    user_id = getattr(user, "id", None)
    if user_id is None:
        return "#?"
    return f"{REF_OPEN}{user_id}{REF_CLOSE}"


def name(display_name: str | None, user_id: int, erased: bool) -> str:
    """What a reference to this person reads as (see `Reply.with_names`)."""
    if erased:
        return ERASED
    return display_name or f"#{user_id}"

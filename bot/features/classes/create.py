"""/taolop: a volunteer creates a class in three questions (name, place, time), and gets its join
link, a QR code to show or print, and a short code to type where links do not exist (Zalo)."""

from __future__ import annotations

from datetime import datetime

from bot.core import codes, privacy
from bot.core.router import VOLUNTEER, Router
from bot.core.timefmt import local_text, parse_local_time
from bot.core.turn import Turn
from bot.features.classes.texts import CANCEL, SKIP, T
from bot.features.classes.views import class_actions, class_card, details, how_to_join
from bot.store.models import Class

router = Router()


@router.command("taolop", roles=VOLUNTEER, menu="Tạo lớp mới")
@router.action("class-new", roles=VOLUNTEER)
async def new_class(turn: Turn, _arg: str) -> None:
    turn.set_state("draft", {})
    turn.show("class-name", T["ask_name"], [CANCEL])
    turn.set_state("awaiting", "class-name")


@router.action("input-class-name", roles=VOLUNTEER)
async def class_name(turn: Turn, text: str) -> None:
    name = " ".join(text.split())
    if not 3 <= len(name) <= 120:
        turn.reprompt(T["bad_name"])
        return
    if privacy.looks_secret(name, learner=False):  # a class name is stored and shown to others
        privacy.refuse(turn)
        return
    turn.set_state("draft", {"name": name})
    turn.show("class-place", T["ask_place"], [(SKIP, "class-place-skip", False), CANCEL])
    turn.set_state("awaiting", "class-place")


@router.action("input-class-place", roles=VOLUNTEER)
async def class_place(turn: Turn, text: str) -> None:
    if privacy.looks_secret(text, learner=False):
        privacy.refuse(turn)
        return
    draft = dict(turn.state.get("draft") or {})
    draft["place"] = " ".join(text.split())[:160]
    turn.set_state("draft", draft)
    await _ask_time(turn)


@router.action("class-place-skip", roles=VOLUNTEER)
async def class_place_skip(turn: Turn, _arg: str) -> None:
    await _ask_time(turn)


async def _ask_time(turn: Turn) -> None:
    turn.show("class-time", T["ask_time"], [(SKIP, "class-time-skip", False), CANCEL])
    turn.set_state("awaiting", "class-time")


@router.action("input-class-time", roles=VOLUNTEER)
async def class_time(turn: Turn, text: str) -> None:
    when = parse_local_time(text, turn.now)
    if when is None:
        turn.reprompt(T["bad_time"])
        return
    if when < turn.now:
        # Asked once: a date already gone is usually a typo (or last year's day and month).
        draft = dict(turn.state.get("draft") or {})
        draft["starts_at"] = when.isoformat()
        turn.set_state("draft", draft)
        turn.set_state("awaiting", None)
        shown = local_text(when)
        turn.show(
            "class-time-past",
            T["time_past"].format(when=shown),
            [
                (T["time_keep"].format(when=shown), "class-time-keep", False),
                (T["time_retype"], "class-time-retype", False),
                CANCEL,
            ],
        )
        return
    await _create_class(turn, when)


@router.action("class-time-keep", roles=VOLUNTEER)
async def class_time_keep(turn: Turn, _arg: str) -> None:
    stored = (turn.state.get("draft") or {}).get("starts_at")
    if turn.screen != "class-time-past" or not stored:
        await new_class(turn, "")
        return
    await _create_class(turn, datetime.fromisoformat(stored))


@router.action("class-time-retype", roles=VOLUNTEER)
async def class_time_retype(turn: Turn, _arg: str) -> None:
    await _ask_time(turn)


@router.action("class-time-skip", roles=VOLUNTEER)
async def class_time_skip(turn: Turn, _arg: str) -> None:
    await _create_class(turn, None)


async def _create_class(turn: Turn, when: datetime | None) -> None:
    draft = dict(turn.state.get("draft") or {})
    turn.set_state("draft", None)
    turn.set_state("awaiting", None)
    if not draft.get("name"):
        await new_class(turn, "")
        return
    klass = Class(
        code=codes.link_code(),
        short_code=await codes.free_short_code(turn.repo),
        name=draft["name"],
        place=draft.get("place"),
        starts_at=when,
        volunteer_id=turn.user.id,
        unit_id=turn.user.unit_id,
        created_at=turn.now,
    )
    turn.repo.add(klass)
    await turn.repo.flush()
    card = await class_card(
        turn,
        klass,
        T["created"].format(name=klass.name, details=details(klass), how=await how_to_join(turn, klass)),
    )
    turn.show(
        f"class:{klass.id}",
        card.text,
        class_actions(klass),
        image_bytes=card.image_bytes,
        image_name=card.image_name,
    )

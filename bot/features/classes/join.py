"""Joining a class: by its link (`/start c-…`), its QR code (the same link) or its typed code.

1 kèm 1: the class's volunteer tutors a learner who joins, unless someone already does.
"""

from __future__ import annotations

from bot.core import codes
from bot.core.people import display
from bot.core.replies import Reply
from bot.core.router import Router
from bot.core.screens import show_menu
from bot.core.turn import Turn
from bot.features.classes.texts import T
from bot.store.models import Class

router = Router()


@router.code_kind("class")
async def redeem_class_code(turn: Turn, code: str, typed: bool, first_contact: bool) -> bool:
    klass = await turn.repo.class_by_code(code)
    if klass is None or not (typed or klass.code == code):
        return False
    if first_contact:
        turn.say(turn.w("welcome"))
    await join_class(turn, klass)
    return True


async def join_class(turn: Turn, klass: Class) -> None:
    learner, b = turn.user, turn.tutor.words.address
    newly_enrolled = await turn.repo.enroll(klass.id, learner.id, turn.now)
    volunteer = await turn.repo.user(klass.volunteer_id)
    if not newly_enrolled:
        await show_menu(turn, intro=T["already_joined"].format(name=klass.name, b=b))
        return
    if learner.unit_id is None:
        learner.unit_id = klass.unit_id
    if volunteer is not None and volunteer.id != learner.id:
        await turn.repo.pair(learner.id, volunteer.id, turn.now)
        turn.notify(volunteer, Reply(T["new_learner"].format(learner=display(learner), name=klass.name)))
    place = f" ({klass.place})" if klass.place else ""
    vname = display(volunteer) if volunteer else "của lớp"
    await show_menu(turn, intro=T["joined"].format(name=klass.name, place=place, volunteer=vname, b=b))


@router.link("c-")
async def class_link(turn: Turn, code: str) -> None:
    await codes.redeem(turn, code, typed=False)

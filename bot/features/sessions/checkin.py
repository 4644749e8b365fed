"""A learner checks in to a session by its QR code / link (`/start s-…`) or its typed code, while
the session is open. A learner not yet in the class is enrolled (and tutored by its volunteer,
"1 kèm 1", unless someone already tutors them)."""

from __future__ import annotations

from bot.core import codes
from bot.core.router import Router
from bot.core.screens import show_menu, show_screen
from bot.core.turn import Turn
from bot.core.words import class_title
from bot.features.sessions import queries
from bot.features.sessions.texts import T
from bot.store.queries.campaign import session_is_open

router = Router()


@router.code_kind("session")
async def redeem_session_code(turn: Turn, code: str, typed: bool, first_contact: bool) -> bool:
    session = await turn.repo.session_by_code(code)
    if session is None or not (typed or session.code == code):
        return False
    klass = await turn.repo.class_(session.class_id)
    if klass is None:
        return False
    b = turn.tutor.words.address
    if first_contact:
        turn.say(turn.w("welcome"))
    if turn.user.role != "learner":
        await show_screen(turn, "vmenu", T["for_learners"].format(title=class_title(klass.name)))
        return True
    if not session_is_open(session, turn.now):
        await show_menu(turn, intro=T["not_open"].format(b=b))
        return True
    learner = turn.user
    if await turn.repo.enroll(klass.id, learner.id, turn.now):
        if learner.unit_id is None:
            learner.unit_id = klass.unit_id
        if klass.volunteer_id != learner.id:
            await turn.repo.pair(learner.id, klass.volunteer_id, turn.now)
    fresh = await queries.check_in(turn.repo, session.id, learner.id, "scan", turn.now)
    text = T["checked_in" if fresh else "already_in"].format(b=b, title=class_title(klass.name))
    await show_menu(turn, intro=text)
    return True


@router.link("s-")
async def session_link(turn: Turn, code: str) -> None:
    await codes.redeem(turn, code, typed=False)

"""Helpers' side of a help request: /yeucau lists the open ones; «✍️ Trả lời» (or /traloi 12 …)
forwards an answer to the learner; «✅ Đã giải quyết» (or /xong 12) closes it.

Every handler re-checks on the server that the helper may act on the request named in its
(untrusted) argument: one addressed to them, an unassigned one of their unit, or — for organizers —
one inside their unit's subtree.
"""

from __future__ import annotations

from bot.core import privacy
from bot.core.people import display
from bot.core.replies import Reply
from bot.core.router import VOLUNTEER, Router
from bot.core.scope import organizer_covers, organizer_scope
from bot.core.screens import show_screen
from bot.core.timefmt import ago
from bot.core.turn import Turn
from bot.features.help.texts import CANCEL, T, help_buttons
from bot.store.models import HelpRequest
from bot.text import as_id

router = Router()


async def own_request(turn: Turn, request_id: str) -> HelpRequest | None:
    number = as_id(request_id)
    if number is None:
        return None
    request = await turn.repo.help_request(number)
    if request is None:
        return None
    helper = turn.user
    if request.volunteer_id == helper.id:
        return request
    if (
        helper.role == "volunteer"
        and request.volunteer_id is None
        and request.unit_id
        and request.unit_id == helper.unit_id
    ):
        return request
    if await organizer_covers(turn, request.unit_id):
        return request
    return None


@router.command("yeucau", roles=VOLUNTEER)
@router.action("requests", roles=VOLUNTEER)
async def open_requests(turn: Turn, _arg: str) -> None:
    requests = await turn.repo.open_requests_for(turn.user, await organizer_scope(turn))
    if not requests:
        await show_screen(turn, "vmenu", T["no_requests"])
        return
    for request in requests:
        learner = await turn.repo.user(request.learner_id)
        status = " (đã trả lời)" if request.status == "answered" else ""
        turn.say(
            f"🙋 #{request.id} {display(learner)}{status}, {ago(request.created_at, turn.now)}\n{request.context}",
            buttons=help_buttons(request.id),
        )
    await show_screen(turn, "vmenu", T["requests"].format(count=len(requests)))


@router.button("h", roles=VOLUNTEER)
async def help_button(turn: Turn, arg: str) -> None:
    """'r12' answer request 12, 'd12' mark it resolved. Scope is checked as for typed commands."""
    if arg[:1] == "r":
        await _start_answer(turn, arg[1:])
    elif arg[:1] == "d":
        await _resolve(turn, arg[1:])
    else:
        turn.toast(turn.w("bad_button"))


async def _start_answer(turn: Turn, request_id: str) -> None:
    request = await own_request(turn, request_id)
    if request is None or request.status == "resolved":
        turn.say(T["not_found"])
        return
    learner = await turn.repo.user(request.learner_id)
    turn.set_state("help_id", request.id)
    turn.show("help-answer", T["answer_prompt"].format(learner=display(learner), id=request.id), [CANCEL])
    turn.set_state("awaiting", "help-answer")


@router.action("input-help-answer", roles=VOLUNTEER)
async def help_answer(turn: Turn, text: str) -> None:
    if privacy.looks_secret(text, learner=False):
        privacy.refuse(turn)  # nothing sent or stored; the screen still waits for the answer
        return
    request_id = str(turn.state.get("help_id") or "")
    turn.set_state("help_id", None)
    turn.set_state("awaiting", None)
    await _answer(turn, request_id, text)


@router.command("traloi", roles=VOLUNTEER)
async def answer_command(turn: Turn, arg: str) -> None:
    request_id, _, text = arg.partition(" ")
    if as_id(request_id.lstrip("#")) is None or not text.strip():
        turn.say(T["usage_answer"])
        return
    if privacy.looks_secret(text, learner=False):
        privacy.refuse(turn)
        return
    await _answer(turn, request_id.lstrip("#"), text)


async def _answer(turn: Turn, request_id: str, text: str) -> None:
    request = await own_request(turn, request_id)
    learner = await turn.repo.user(request.learner_id) if request else None
    if request is None or learner is None or request.status == "resolved":
        await show_screen(turn, "vmenu", T["not_found"])
        return
    body = text.strip()[:3500]
    turn.notify(
        learner,
        Reply(
            T["answer_to_learner"].format(volunteer=display(turn.user), text=body, b=turn.tutor.words.address),
            sender="volunteer",
        ),
    )
    request.status = "answered"
    request.answered_at = request.answered_at or turn.now
    request.volunteer_id = request.volunteer_id or turn.user.id
    turn.say(T["answer_sent"].format(learner=display(learner)), buttons=help_buttons(request.id)[1:])
    await show_screen(turn, "vmenu")


@router.command("xong", roles=VOLUNTEER)
async def resolve_command(turn: Turn, arg: str) -> None:
    if as_id(arg.strip().lstrip("#")) is None:
        turn.say(T["usage_resolve"])
        return
    await _resolve(turn, arg.strip().lstrip("#"))


async def _resolve(turn: Turn, request_id: str) -> None:
    request = await own_request(turn, request_id)
    if request is None or request.status == "resolved":
        turn.say(T["not_found"])
        return
    request.status = "resolved"
    request.resolved_at = turn.now
    request.answered_at = request.answered_at or turn.now
    request.volunteer_id = request.volunteer_id or turn.user.id
    learner = await turn.repo.user(request.learner_id)
    if learner is not None:
        b = turn.tutor.words.address
        turn.notify(learner, Reply(T["resolved_learner"].format(volunteer=display(turn.user), b=b)))
    turn.say(T["resolved"].format(id=request.id))

"""Helpers' side of a help request: /yeucau lists the open ones (a screen: each request is a choice);
«✍️ Trả lời» (or /traloi 12 …) forwards an answer to the learner; «✅ Đã giải quyết» (or /xong 12)
closes it.

A typed answer goes to the learner only after the helper has seen it once and pressed «Gửi» (one
tap; `/xemtruoc tat` turns that off). Any command, /start or «menu» ends answer mode, so a later,
unrelated sentence never reaches an elderly learner.

Every handler re-checks on the server that the helper may act on the request named in its
(untrusted) argument: one addressed to them, an unassigned one of their unit, or — for organizers —
one inside their unit's subtree, or one that came to them because nobody nearer could take it.
"""

from __future__ import annotations

from bot.core import privacy
from bot.core.people import display
from bot.core.replies import Reply
from bot.core.router import VOLUNTEER, Router
from bot.core.scope import organizer_covers, organizer_scope
from bot.core.screens import show_screen
from bot.core.timefmt import ago
from bot.core.turn import ChoiceSpec, Turn
from bot.features.help.texts import CANCEL, OTHER_TASKS, T
from bot.store.models import HelpRequest
from bot.text import as_id, normalize, short_label

router = Router()

MAX_ANSWER = 3500


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
    if helper.role == "organizer" and helper.id in {
        u.id for u in await turn.repo.organizers_to_tell(request.unit_id)
    }:
        return request  # nobody nearer could take it, so it came to this organizer
    return None


@router.command("yeucau", roles=VOLUNTEER, menu="Yêu cầu giúp đỡ đang chờ")
@router.action("requests", roles=VOLUNTEER)
async def open_requests(turn: Turn, _arg: str) -> None:
    requests = await turn.repo.open_requests_for(turn.user, await organizer_scope(turn))
    if not requests:
        await show_screen(turn, "vmenu", T["no_requests"])
        return
    choices: list[ChoiceSpec] = []
    for request in requests[:6]:
        learner = await turn.repo.user(request.learner_id)
        mark = " ✉️" if request.status == "answered" else ""
        choices.append(
            (short_label(f"🙋 #{request.id} {display(learner)}{mark}"), f"request:{request.id}", False)
        )
    choices.append(OTHER_TASKS)
    turn.show("requests", T["requests"].format(count=len(requests)), choices)


@router.action("request", roles=VOLUNTEER)
async def request_detail(turn: Turn, request_id: str) -> None:
    request = await own_request(turn, request_id)
    if request is None or request.status == "resolved":
        await show_screen(turn, "vmenu", T["not_found"])
        return
    learner = await turn.repo.user(request.learner_id)
    turn.show(
        f"request:{request.id}",
        T["request"].format(
            id=request.id,
            learner=display(learner),
            status=T["answered_mark"] if request.status == "answered" else "",
            ago=ago(request.created_at, turn.now),
            context=request.context,
        ),
        [
            ("✍️ Trả lời", f"answer:{request.id}", False),
            ("✅ Đã giải quyết", f"resolve:{request.id}", False),
            ("⬅️ Các yêu cầu khác", "requests", True),
        ],
    )


@router.button("h", roles=VOLUNTEER)
async def help_button(turn: Turn, arg: str) -> None:
    """'r12' answer request 12, 'd12' mark it resolved. Scope is checked as for typed commands."""
    if arg[:1] == "r":
        await start_answer(turn, arg[1:])
    elif arg[:1] == "d":
        await resolve(turn, arg[1:])
    else:
        turn.toast(turn.w("bad_button"))


@router.action("answer", roles=VOLUNTEER)
async def start_answer(turn: Turn, request_id: str) -> None:
    request = await own_request(turn, request_id)
    if request is None or request.status == "resolved":
        turn.say(T["not_found"])
        return
    learner = await turn.repo.user(request.learner_id)
    prompt = "answer_prompt_direct" if turn.state.get("no_preview") else "answer_prompt"
    turn.set_state("draft", {"help": request.id})
    turn.show("help-answer", T[prompt].format(learner=display(learner), id=request.id), [CANCEL])
    turn.set_state("awaiting", "help-answer")


@router.action("input-help-answer", roles=VOLUNTEER)
async def typed_answer(turn: Turn, text: str) -> None:
    if privacy.looks_secret(text, learner=False):
        privacy.refuse(turn)  # nothing sent, stored or previewed; the screen still waits for the answer
        return
    draft = turn.state.get("draft") or {}
    turn.set_state("awaiting", None)
    body = text.strip()[:MAX_ANSWER]
    request = await own_request(turn, str(draft.get("help") or ""))
    if request is None or request.status == "resolved" or not body:
        turn.set_state("draft", None)
        await show_screen(turn, "vmenu", T["not_found"])
        return
    if turn.state.get("no_preview"):
        turn.set_state("draft", None)
        await _answer(turn, request, body)
        return
    learner = await turn.repo.user(request.learner_id)
    turn.set_state("draft", {"help": request.id, "text": body})
    turn.show(
        "help-confirm",
        T["answer_preview"].format(learner=display(learner), id=request.id, text=body),
        [("📤 Gửi", "answer-send", False), ("✏️ Sửa", "answer-edit", False), CANCEL],
        sender="volunteer",  # it quotes the helper's own words: longer than the bot's messages may be
    )


@router.action("answer-send", roles=VOLUNTEER)
async def send_answer(turn: Turn, _arg: str) -> None:
    draft = turn.state.get("draft") or {}
    turn.set_state("draft", None)
    request = await own_request(turn, str(draft.get("help") or ""))
    if (
        turn.screen != "help-confirm"
        or not draft.get("text")
        or request is None
        or request.status == "resolved"
    ):
        await show_screen(turn, "vmenu", T["not_found"])
        return
    await _answer(turn, request, str(draft["text"]))


@router.action("answer-edit", roles=VOLUNTEER)
async def edit_answer(turn: Turn, _arg: str) -> None:
    draft = turn.state.get("draft") or {}
    await start_answer(turn, str(draft.get("help") or ""))


@router.action("answer-cancel", roles=VOLUNTEER)
async def cancel_answer(turn: Turn, _arg: str) -> None:
    had_text = bool((turn.state.get("draft") or {}).get("text"))
    turn.set_state("draft", None)
    await show_screen(turn, "vmenu", T["answer_dropped"] if had_text else None)


@router.command("traloi", roles=VOLUNTEER)
async def answer_command(turn: Turn, arg: str) -> None:
    """/traloi 12 … names the request and carries the answer in one go: sent as typed."""
    request_id, _, text = arg.partition(" ")
    if as_id(request_id.lstrip("#")) is None or not text.strip():
        turn.say(T["usage_answer"])
        return
    if privacy.looks_secret(text, learner=False):
        privacy.refuse(turn)
        return
    request = await own_request(turn, request_id.lstrip("#"))
    if request is None or request.status == "resolved":
        await show_screen(turn, "vmenu", T["not_found"])
        return
    await _answer(turn, request, text.strip()[:MAX_ANSWER])


async def _answer(turn: Turn, request: HelpRequest, body: str) -> None:
    learner = await turn.repo.user(request.learner_id)
    if learner is None or learner.deleted_at is not None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    turn.notify(
        learner,
        Reply(
            T["answer_to_learner"].format(
                volunteer=display(turn.user), text=body, b=turn.tutor.words.address
            ),
            sender="volunteer",
        ),
    )
    request.status = "answered"
    request.answered_at = request.answered_at or turn.now
    request.volunteer_id = request.volunteer_id or turn.user.id
    turn.show(
        f"help-answered:{request.id}",
        T["answer_sent"].format(learner=display(learner)),
        [("✅ Đã giải quyết", f"resolve:{request.id}", False), OTHER_TASKS],
    )


@router.command("xong", roles=VOLUNTEER)
async def resolve_command(turn: Turn, arg: str) -> None:
    if as_id(arg.strip().lstrip("#")) is None:
        turn.say(T["usage_resolve"])
        return
    await resolve(turn, arg.strip().lstrip("#"))


@router.action("resolve", roles=VOLUNTEER)
async def resolve(turn: Turn, request_id: str) -> None:
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
    await show_screen(turn, "vmenu", T["resolved"].format(id=request.id))


@router.command("xemtruoc", roles=VOLUNTEER)
async def preview_setting(turn: Turn, arg: str) -> None:
    word = normalize(arg)
    if word in ("tat", "khong", "off"):
        turn.set_state("no_preview", True)
        turn.say(T["preview_off"])
    elif word in ("bat", "co", "on"):
        turn.set_state("no_preview", None)
        turn.say(T["preview_on"])
    else:
        turn.say(T["usage_preview"])

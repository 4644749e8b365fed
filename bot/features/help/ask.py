"""«Hỏi người giúp» / /giupdo: a help request that carries its context to the right person.

The context is what the bot knows, never what the learner typed: the lesson, the step text and the
learner's last answer (an option or an action). A request always reaches a person, at once: the
paired volunteer; else the volunteers of the learner's unit; else the organizers of the nearest
unit up the tree; else the campaign's organizers. With nobody at all, the learner is told so
honestly and given the campaign's hotline (`campaign.hotline`).
"""

from __future__ import annotations

from bot.core.lesson_state import current_lesson
from bot.core.people import display
from bot.core.replies import Reply
from bot.core.router import Router
from bot.core.screens import show_screen
from bot.core.turn import Turn
from bot.features.help.texts import T, help_buttons
from bot.store.models import HelpRequest
from bot.text import as_id, short_label

router = Router()

ANSWER_NAMES = {"next": "Tiếp tục", "done": "Xong", "notyet": "Chưa làm được", "skip": "Bỏ qua"}


async def describe_context(turn: Turn) -> tuple[str, str | None, str | None]:
    found = await current_lesson(turn)
    if found is None:
        return "Đang ở menu, chưa vào bài học.", None, None
    lesson, progress = found
    step = lesson.steps[progress.step_index]
    lines = [
        f"Bài: {lesson.title}",
        f"Bước {progress.step_index + 1}/{len(lesson.steps)}: {short_label(step.text, 200)}",
    ]
    last = await turn.repo.last_answer(turn.user.id, lesson.id)
    if last is not None and last.step_id == step.id and last.answer:
        answer = last.answer
        number = as_id(answer)
        if step.quiz is not None and number is not None and 1 <= number <= len(step.quiz.options):
            answer = f"{answer}. {step.quiz.options[number - 1].text}" + (
                " (đúng)" if last.correct else " (chưa đúng)"
            )
        lines.append(f"Trả lời gần nhất: {ANSWER_NAMES.get(answer, answer)}")
    return "\n".join(lines), lesson.id, step.id


@router.command("giupdo", "help", "trogiup", menu="Nhờ người giúp")
@router.action("help")
async def ask_help(turn: Turn, _arg: str) -> None:
    existing = await turn.repo.open_help_request(turn.user.id)
    if existing is not None and existing.status == "open":
        turn.reprompt(turn.w("help_already")) if turn.choices else turn.say(turn.w("help_already"))
        return
    context, lesson_id, step_id = await describe_context(turn)
    request = HelpRequest(
        learner_id=turn.user.id,
        unit_id=turn.user.unit_id,
        lesson_id=lesson_id,
        step_id=step_id,
        context=context,
        status="open",
        created_at=turn.now,
    )
    turn.repo.add(request)
    await turn.repo.flush()
    message = await route_request(turn, request)
    if not await show_screen(turn, "lesson", message):  # back to the step, or a screen of its own
        turn.show("help", message, [(turn.w("btn_menu"), "menu", True)])


async def route_request(turn: Turn, request: HelpRequest) -> str:
    """Tell the first people down the chain; what to tell the learner."""
    b = turn.tutor.words.address
    helpers = await turn.repo.helpers_for(turn.user)
    key = "request_for_helper"
    if not helpers:
        helpers = await turn.repo.organizers_to_tell(turn.user.unit_id)
        key = "request_for_organizer"
        request.escalated_at = turn.now  # already with the organizers: nothing left to escalate
    if not helpers:
        hotline = turn.tutor.settings.campaign.hotline
        if hotline:
            return T["help_nobody_hotline"].format(b=b, hotline=hotline)
        return T["help_nobody"].format(b=b)
    # One helper owns the request (they may act on it whatever their scope); several share it.
    request.volunteer_id = helpers[0].id if len(helpers) == 1 else None
    name = display(turn.user)  # a reference, named when sent (bot.core.people)
    text = T[key].format(learner=name, id=request.id, context=request.context)
    for helper in helpers:
        turn.notify(helper, Reply(text=text, buttons=help_buttons(request.id)))
    return turn.w("help_sent")

"""Becoming a volunteer: an organizer's invitation, opened by its link (`/start v-…`) or typed code.

It is a decision, never an accident: the code shows what it would do («Bạn sẽ trở thành tình
nguyện viên của Xã …») and nothing changes until the person agrees. A learner keeps their lessons
and progress; a volunteer of another unit is told what happens to their classes and learners (they
stay where they are, with this volunteer, until an organizer moves them). The organizer who made
the invitation is told who accepted. Someone already volunteering for that unit uses nothing up.
"""

from __future__ import annotations

from bot.core import codes
from bot.core.people import display
from bot.core.replies import Reply
from bot.core.router import Router
from bot.core.screens import show_home, show_screen
from bot.core.timefmt import local_text
from bot.core.turn import Turn
from bot.features.volunteers.menu import show_volunteer_menu
from bot.store.models import Invite

router = Router()

T = {
    "confirm": (
        "✉️ Lời mời của {organizer}: bạn sẽ trở thành tình nguyện viên của {unit}. Tình nguyện viên tạo lớp, "
        "giao bài và trả lời khi học viên cần giúp.{keep}\nBạn đồng ý chứ?"
    ),
    "keep_progress": " Các bài bạn đang học vẫn được giữ nguyên.",
    "confirm_move": (
        "✉️ Lời mời của {organizer}: chuyển bạn từ {old} sang làm tình nguyện viên của {unit}.\n"
        "{classes} lớp và {learners} học viên của bạn vẫn ở {old} và vẫn do bạn phụ trách, cho đến khi "
        "cán bộ chuyển họ cho người khác. Bạn có muốn chuyển không?"
    ),
    "yes": "✅ Đồng ý",
    "yes_move": "✅ Chuyển sang {unit}",
    "no": "Không, cảm ơn",
    "no_move": "Không, ở lại {old}",
    "became": (
        "🎉 Chào mừng bạn trở thành tình nguyện viên của {unit}! Bạn có thể tạo lớp, giao bài và giúp học viên. "
        "Gõ /tnvmenu để xem các việc."
    ),
    "moved": "✅ Từ nay bạn là tình nguyện viên của {unit}. Các lớp và học viên cũ của bạn vẫn ở {old}.",
    "declined": "Dạ, không có gì thay đổi.",
    "gone": "Lời mời này đã hết lượt hoặc hết hạn. Bạn nhờ cán bộ gửi lời mời mới nhé.",
    "already": "Bạn đã là tình nguyện viên của {unit} rồi.",
    "already_organizer": "Bạn đang là cán bộ phụ trách, không cần nhận lời mời này.",
    "organizer_told": "✉️ {name} đã nhận lời mời làm tình nguyện viên của {unit}{moved} (còn {left} lượt, hết hạn {expires}).",
    "organizer_told_moved": ", chuyển từ {old}",
}


def valid(invite: Invite, now) -> bool:
    return invite.expires_at > now and invite.uses < invite.max_uses


@router.code_kind("invite")
async def redeem_invite_code(turn: Turn, code: str, typed: bool, first_contact: bool) -> bool:
    # No learner welcome on a first contact: an invitation is no learner's business.
    invite = await turn.repo.invite_by_code(code)
    if invite is None or not (typed or invite.code == code) or not valid(invite, turn.now):
        return False
    await offer_invite(turn, invite)
    return True


async def _unit_name(turn: Turn, unit_id: str | None) -> str:
    unit = await turn.repo.unit(unit_id) if unit_id else None
    return unit.name if unit else (unit_id or "chiến dịch")


async def offer_invite(turn: Turn, invite: Invite) -> None:
    user = turn.user
    unit = await _unit_name(turn, invite.unit_id)
    if user.role == "organizer":
        await show_home(turn, T["already_organizer"])
        return
    if user.role == "volunteer" and user.unit_id == invite.unit_id:
        await show_volunteer_menu(turn, T["already"].format(unit=unit))  # no use taken
        return
    maker = await turn.repo.user(invite.created_by) if invite.created_by else None
    organizer = display(maker) if maker else "ban tổ chức"
    if user.role == "volunteer":
        old = await _unit_name(turn, user.unit_id)
        classes = len(await turn.repo.classes_of(user.id))
        learners = len(await turn.repo.learners_of(user.id, limit=1000))
        text = T["confirm_move"].format(
            organizer=organizer, old=old, unit=unit, classes=classes, learners=learners
        )
        yes, no = T["yes_move"].format(unit=unit), T["no_move"].format(old=old)
    else:
        keep = T["keep_progress"] if await turn.repo.progress_map(user.id) else ""
        text = T["confirm"].format(organizer=organizer, unit=unit, keep=keep)
        yes, no = T["yes"], T["no"]
    # The invitation travels in the stored screen, never in a button: only this person, on this
    # screen, can accept it.
    turn.show(
        "invite-confirm", text, [(yes, f"invite-accept:{invite.code}", False), (no, "invite-decline", False)]
    )


@router.action("invite-accept")
async def accept_invite(turn: Turn, code: str) -> None:
    user = turn.user
    invite = await turn.repo.invite_by_code(code) if turn.screen == "invite-confirm" else None
    if invite is None or user.role == "organizer":
        await show_home(turn, T["gone"])
        return
    if user.role == "volunteer" and user.unit_id == invite.unit_id:
        await show_volunteer_menu(turn, T["already"].format(unit=await _unit_name(turn, invite.unit_id)))
        return
    uses = await turn.repo.use_invite(invite.code, turn.now)
    if uses is None:  # used up or expired meanwhile (another person took the last use)
        await show_home(turn, T["gone"])
        return
    old_unit = user.unit_id if user.role == "volunteer" else None
    unit = await _unit_name(turn, invite.unit_id)
    user.role = "volunteer"
    user.unit_id = invite.unit_id
    old = await _unit_name(turn, old_unit) if old_unit else None
    maker = await turn.repo.user(invite.created_by) if invite.created_by else None
    if maker is not None and maker.deleted_at is None and maker.id != user.id:
        turn.notify(
            maker,
            Reply(
                T["organizer_told"].format(
                    name=display(user),
                    unit=unit,
                    moved=T["organizer_told_moved"].format(old=old) if old else "",
                    left=invite.max_uses - uses,
                    expires=local_text(invite.expires_at),
                )
            ),
        )
    intro = T["moved"].format(unit=unit, old=old) if old else T["became"].format(unit=unit)
    await show_volunteer_menu(turn, intro)


@router.action("invite-decline")
async def decline_invite(turn: Turn, _arg: str) -> None:
    if turn.user.role == "learner" and await show_screen(turn, "lesson", T["declined"]):
        return  # back to the step the learner was on
    await show_home(turn, T["declined"])


@router.link("v-")
async def invite_link(turn: Turn, code: str) -> None:
    await codes.redeem(turn, code, typed=False)

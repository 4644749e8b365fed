"""/xoadulieu: a person deletes their own personal data (after a confirmation).

The user row is kept but made anonymous — name, platform id, state, class and commune gone (the unit
becomes the province above it) — so the campaign's counts keep their progress rows and step events
without anything that points back at the person. Help requests, pairings, enrollments, assignments,
re-checks and every message to them are deleted; messages to others that name them now read
«(đã xóa dữ liệu)». Writing again starts a brand-new, empty profile. README, Privacy, has the list.
"""

from __future__ import annotations

import secrets

from bot.core.router import Router
from bot.core.screens import show_menu
from bot.core.turn import Turn

router = Router()

CONFIRM = (
    "{b} muốn xóa dữ liệu của mình? Cháu sẽ xóa tên, tiến độ gắn với {b} và các yêu cầu giúp đỡ. "
    "Việc này không hoàn tác được."
)
DONE = "Cháu đã xóa dữ liệu của {b}. Nếu {b} nhắn lại, cháu sẽ coi như lần đầu gặp. Chúc {b} mạnh khỏe!"
KEPT = "Dạ, cháu giữ nguyên dữ liệu của {b}."


@router.command("xoadulieu", menu="Xóa dữ liệu của tôi")
async def ask(turn: Turn, _arg: str) -> None:
    b = turn.tutor.words.address
    turn.show(
        "confirm-delete",
        CONFIRM.format(b=b),
        [("🗑 Có, xóa dữ liệu", "erase:yes", False), ("Không, giữ lại", "erase:no", False)],
    )


@router.action("erase")
async def erase(turn: Turn, answer: str) -> None:
    b = turn.tutor.words.address
    if answer != "yes" or turn.screen != "confirm-delete":
        await show_menu(turn, intro=KEPT.format(b=b))
        return
    turn.say(DONE.format(b=b))
    user = turn.user
    await turn.repo.erase_personal_data(user.id)
    # Counted in the province's and the campaign's figures, no longer in a commune of a few people.
    user.unit_id = (await turn.repo.ancestors(user.unit_id))[-1] if user.unit_id else None
    user.display_name = None
    user.external_id = f"deleted-{user.id}-{secrets.token_hex(6)}"
    user.state = {}
    user.lesson_id = None
    user.reminders_paused = True
    user.deleted_at = turn.now


CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "console": "máy tính (console)"}
MY_ID = "🆔 {who} dùng {channel}, mã: {external}\nĐể cấp quyền, người quản trị gõ: hocvuso admin grant volunteer {person}"


@router.command("id", menu="Xem mã của tôi")
async def my_id(turn: Turn, _arg: str) -> None:
    """Everyone's own channel and id: what `hocvuso admin grant … CHANNEL:ID` needs (a Telegram
    @username is no id the bot can use)."""
    user = turn.user
    who = turn.tutor.words.address if user.role == "learner" else "Bạn"
    person = f"{user.channel}:{user.external_id}"
    text = MY_ID.format(
        who=who,
        channel=CHANNEL_NAMES.get(user.channel, user.channel),
        external=user.external_id,
        person=person,
    )
    if turn.choices:
        turn.reprompt(text)
    else:
        turn.say(text)

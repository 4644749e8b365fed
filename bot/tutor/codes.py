"""Join codes: class links (`/start c-…`), volunteer invites (`/start v-…`), and the short codes people
type where there are no deep links (Zalo, or reading a code off a poster).

Link codes carry 72 random bits; typed codes are short (6 characters, ~30 bits) and therefore
rate-limited per user: after 5 wrong codes in 15 minutes, codes are refused for a while.
"""

from __future__ import annotations

import io
import re
import secrets
from datetime import datetime, timedelta

import segno

from bot.store.models import Class, Invite
from bot.tutor.router import Router
from bot.tutor.turn import Turn

router = Router()

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: easy to read aloud and type
SHORT_LENGTH = 6
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
TYPED_CODE = re.compile(r"^(?=.*\d)(?=.*[A-Z])[A-Z0-9]{6}$")

JOINED = "🎉 Bác đã vào lớp «{name}»{place}. Tình nguyện viên {volunteer} sẽ giúp Bác học."
ALREADY_JOINED = "Bác đã ở trong lớp «{name}» rồi ạ."
NEW_LEARNER = "👋 {learner} đã vào lớp «{name}»."
BECAME_VOLUNTEER = (
    "🎉 Chào mừng bạn trở thành tình nguyện viên của {unit}! Bạn có thể tạo lớp, giao bài và giúp học viên. "
    "Gõ /tnvmenu để xem các việc."
)
ALREADY_ORGANIZER = "Bạn đang là cán bộ phụ trách, không cần nhận lời mời này."
TOO_MANY = "{b} đã nhập sai mã nhiều lần. {b} chờ 15 phút rồi thử lại, hoặc nhờ tình nguyện viên giúp nhé."


def link_code() -> str:
    return secrets.token_urlsafe(9)  # 12 characters, 72 bits


def short_code() -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(SHORT_LENGTH))
        if TYPED_CODE.match(code):
            return code


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=3)
    return buffer.getvalue()


def looks_like_code(text: str) -> str | None:
    candidate = text.strip().upper().replace(" ", "").replace("-", "")
    return candidate if TYPED_CODE.match(candidate) else None


def _rate_limited(turn: Turn) -> bool:
    cutoff = (turn.now - FAILURE_WINDOW).isoformat()
    failures = [t for t in turn.state.get("code_failures", []) if t >= cutoff]
    return len(failures) >= MAX_FAILURES


def _failed(turn: Turn) -> None:
    cutoff = (turn.now - FAILURE_WINDOW).isoformat()
    failures = [t for t in turn.state.get("code_failures", []) if t >= cutoff]
    turn.set_state("code_failures", [*failures, turn.now.isoformat()][-MAX_FAILURES:])


async def redeem(turn: Turn, code: str, typed: bool, first_contact: bool = False) -> None:
    """A class code or a volunteer invite, from a deep link or typed. On a first contact the
    learner welcome comes first — except for an invitation, which is no learner's business."""
    b = turn.tutor.words.address
    if typed and _rate_limited(turn):
        turn.say(TOO_MANY.format(b=b))
        return
    klass = await turn.repo.class_by_code(code)
    if klass is not None and (typed or klass.code == code):
        if first_contact:
            turn.say(turn.w("welcome"))
        await join_class(turn, klass)
        return
    invite = await turn.repo.invite_by_code(code)
    if invite is not None and (typed or invite.code == code) and _valid(invite, turn.now):
        await accept_invite(turn, invite)
        return
    if typed:
        _failed(turn)
    if first_contact:
        turn.say(turn.w("welcome"))
    from bot.tutor import screens

    await screens.show_menu(turn, intro=turn.w("deep_link_unknown"))


def _valid(invite: Invite, now: datetime) -> bool:
    return invite.expires_at > now and invite.uses < invite.max_uses


async def join_class(turn: Turn, klass: Class) -> None:
    from bot.tutor import screens

    learner = turn.user
    joined = await turn.repo.enroll(klass.id, learner.id, turn.now)
    volunteer = await turn.repo.user(klass.volunteer_id)
    if not joined:
        await screens.show_menu(turn, intro=ALREADY_JOINED.format(name=klass.name))
        return
    if learner.unit_id is None:
        learner.unit_id = klass.unit_id
    if volunteer is not None and volunteer.id != learner.id:
        # 1 kèm 1: the class's volunteer tutors the learner unless someone already does.
        await turn.repo.pair(learner.id, volunteer.id, turn.now)
        from bot.tutor.replies import Reply

        turn.notify(volunteer, Reply(NEW_LEARNER.format(learner=display(learner), name=klass.name)))
    place = f" ({klass.place})" if klass.place else ""
    vname = display(volunteer) if volunteer else "của lớp"
    await screens.show_menu(turn, intro=JOINED.format(name=klass.name, place=place, volunteer=vname))


async def accept_invite(turn: Turn, invite: Invite) -> None:
    from bot.tutor import volunteer as volunteer_feature

    user = turn.user
    if user.role == "organizer":
        turn.say(ALREADY_ORGANIZER)
        return
    invite.uses += 1
    user.role = "volunteer"
    user.unit_id = invite.unit_id
    unit = await turn.repo.unit(invite.unit_id)
    turn.say(BECAME_VOLUNTEER.format(unit=unit.name if unit else invite.unit_id))
    await volunteer_feature.show_volunteer_menu(turn)


def display(user: object) -> str:
    name = getattr(user, "display_name", None)
    return name or f"#{getattr(user, 'id', '?')}"


@router.link("c-")
async def class_link(turn: Turn, code: str) -> None:
    await redeem(turn, code, typed=False)


@router.link("v-")
async def invite_link(turn: Turn, code: str) -> None:
    await redeem(turn, code, typed=False)


@router.command("ma", "vaolop", "thamgia")
async def typed_code(turn: Turn, arg: str) -> None:
    code = looks_like_code(arg)
    if code is None:
        turn.say(turn.w("deep_link_unknown"))
        return
    await redeem(turn, code, typed=True)

"""/buoihoc: a volunteer starts a session of their class (or plans the next one), shows its QR code,
ticks learners from the roster, counts attendees without a phone, and ends it.

Every handler re-checks its untrusted argument on the server: a class or session the user runs
(its volunteer), or — for organizers — one inside their unit's subtree."""

from __future__ import annotations

from datetime import datetime

from bot.core import codes
from bot.core.links import link_base
from bot.core.people import display
from bot.core.router import VOLUNTEER, Router
from bot.core.scope import manages_class
from bot.core.screens import show_screen
from bot.core.timefmt import local_day, local_text, parse_local_time
from bot.core.turn import ChoiceSpec, Turn
from bot.core.words import class_title
from bot.features.sessions import queries
from bot.features.sessions.texts import SKIP, VMENU, T
from bot.store.models import Class, ClassSession
from bot.store.queries.campaign import session_is_open
from bot.text import as_id, normalize, short_label

router = Router()

ROSTER_PAGE = 8
MAX_WALK_INS = 500
CANCEL_WORDS = {"huy", "thoi", "khong", "quay lai", "menu"}


async def session_link(turn: Turn, session: ClassSession, unit_id: str | None) -> str | None:
    base = await link_base(turn, unit_id)
    return f"{base}s-{session.code}" if base else None


async def managed_class(turn: Turn, class_id: str) -> Class | None:
    number = as_id(class_id)
    klass = await turn.repo.class_(number) if number is not None else None
    return klass if klass is not None and await manages_class(turn, klass) else None


async def managed_session(turn: Turn, session_id: str) -> tuple[ClassSession, Class] | None:
    number = as_id(session_id)
    session = await turn.repo.session.get(ClassSession, number) if number is not None else None
    if session is None:
        return None
    klass = await turn.repo.class_(session.class_id)
    return (session, klass) if klass is not None and await manages_class(turn, klass) else None


@router.command("buoihoc", roles=VOLUNTEER, menu="Buổi học, điểm danh")
@router.action("sessions", roles=VOLUNTEER)
async def sessions(turn: Turn, _arg: str) -> None:
    """The session going on now if there is one; else the class to open or plan one for."""
    current = await turn.repo.open_session_of(turn.user.id, turn.now)
    if current is not None:
        klass = await turn.repo.class_(current.class_id)
        if klass is not None:
            await show_session(turn, current, klass)
            return
    classes = await turn.repo.classes_of(turn.user.id)
    if not classes:
        turn.show("sessions", T["no_classes"], [("➕ Tạo lớp", "class-new", False), VMENU])
        return
    if len(classes) == 1:
        await show_class(turn, classes[0][0])
        return
    choices: list[ChoiceSpec] = [
        (short_label(f"🏫 {klass.name}"), f"sessions-class:{klass.id}", False) for klass, _ in classes[:8]
    ]
    turn.show("sessions", T["pick_class"], [*choices, VMENU])


@router.action("sessions-class", roles=VOLUNTEER)
async def class_sessions(turn: Turn, class_id: str) -> None:
    klass = await managed_class(turn, class_id)
    if klass is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    await show_class(turn, klass)


async def show_class(turn: Turn, klass: Class, intro: str | None = None) -> None:
    held, attendance = await queries.class_figures(turn.repo, klass.id)
    day_start, _ = local_day(turn.now)
    upcoming = await queries.planned(turn.repo, klass.id, day_start)
    following = ""
    if upcoming:
        place = upcoming[0].place or klass.place
        following = T["next"].format(
            when=local_text(upcoming[0].starts_at), place=f", {place}" if place else ""
        )
    text = T["class"].format(title=class_title(klass.name), held=held, attendance=attendance, next=following)
    turn.show(
        f"sessions-class:{klass.id}",
        f"{intro}\n\n{text}" if intro else text,
        [
            ("▶️ Bắt đầu buổi học ngay", f"session-start:{klass.id}", False),
            ("📅 Lên lịch buổi học", f"session-plan:{klass.id}", False),
            ("🤝 Đơn vị phối hợp", f"partners:c{klass.id}", False),
            VMENU,
        ],
    )


# --- planning ------------------------------------------------------------------------------------


@router.action("session-plan", roles=VOLUNTEER)
async def plan(turn: Turn, class_id: str) -> None:
    klass = await managed_class(turn, class_id)
    if klass is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    turn.set_state("session_draft", {"class": klass.id})
    turn.show("session-time", T["ask_time"], [("✖️ Hủy", f"sessions-class:{klass.id}", True)])
    turn.set_state("awaiting", "session-time")


@router.action("input-session-time", roles=VOLUNTEER)
async def plan_time(turn: Turn, text: str) -> None:
    when = parse_local_time(text, turn.now)
    if when is None:
        turn.reprompt(T["bad_time"])
        return
    draft = dict(turn.state.get("session_draft") or {})
    draft["when"] = when.isoformat()
    turn.set_state("session_draft", draft)
    turn.show("session-place", T["ask_place"], [(SKIP, "session-place-skip", False)])
    turn.set_state("awaiting", "session-place")


@router.action("input-session-place", roles=VOLUNTEER)
async def plan_place(turn: Turn, text: str) -> None:
    await _plan(turn, " ".join(text.split())[:160] or None)


@router.action("session-place-skip", roles=VOLUNTEER)
async def plan_place_skip(turn: Turn, _arg: str) -> None:
    await _plan(turn, None)


async def _plan(turn: Turn, place: str | None) -> None:
    draft = dict(turn.state.get("session_draft") or {})
    turn.set_state("session_draft", None)
    turn.set_state("awaiting", None)
    klass = await managed_class(turn, str(draft.get("class", "")))
    if klass is None or not draft.get("when"):
        await show_screen(turn, "vmenu", T["not_found"])
        return
    session = await _new_session(turn, klass, datetime.fromisoformat(draft["when"]), place)
    where = session.place or klass.place
    intro = T["planned"].format(when=local_text(session.starts_at), place=f", {where}" if where else "")
    await show_class(turn, klass, intro=intro)


async def _new_session(turn: Turn, klass: Class, when: datetime | None, place: str | None) -> ClassSession:
    session = ClassSession(
        class_id=klass.id,
        starts_at=when,
        place=place,
        code=codes.link_code(),
        short_code=await codes.free_short_code(turn.repo),
        walk_ins=0,
        created_at=turn.now,
    )
    turn.repo.add(session)
    await turn.repo.flush()
    return session


# --- the session itself --------------------------------------------------------------------------


@router.action("session-start", roles=VOLUNTEER)
async def start(turn: Turn, class_id: str) -> None:
    """Start today's planned session of the class, or a new one now; then show its QR code."""
    klass = await managed_class(turn, class_id)
    if klass is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    day_start, day_end = local_day(turn.now)
    today = await queries.planned(turn.repo, klass.id, day_start, day_end)
    session = today[0] if today else await _new_session(turn, klass, turn.now, None)
    session.held_at = turn.now
    session.started_by = turn.user.id
    await show_session(turn, session, klass, qr=True)


@router.action("session", roles=VOLUNTEER)
async def session_detail(turn: Turn, session_id: str) -> None:
    found = await managed_session(turn, session_id)
    if found is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    await show_session(turn, *found)


@router.action("session-qr", roles=VOLUNTEER)
async def session_qr(turn: Turn, session_id: str) -> None:
    found = await managed_session(turn, session_id)
    if found is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    await show_session(turn, *found, qr=True)


async def show_session(
    turn: Turn, session: ClassSession, klass: Class, intro: str | None = None, qr: bool = False
) -> None:
    checked = await queries.checked_in(turn.repo, session.id)
    place = session.place or klass.place
    details = ", ".join(p for p in (local_text(session.held_at or session.starts_at), place) if p)
    values = {
        "title": class_title(klass.name),
        "details": details,
        "checked": checked,
        "walk_ins": session.walk_ins,
        "total": checked + session.walk_ins,
    }
    open_now = session_is_open(session, turn.now)
    link = await session_link(turn, session, klass.unit_id)
    if open_now:
        text = T["open"].format(code=session.short_code, link=f"\nLink: {link}" if link else "", **values)
    else:
        text = T["ended"].format(**values)
    if intro:
        text = f"{intro}\n\n{text}"
    choices: list[ChoiceSpec] = [
        ("☑️ Điểm danh theo danh sách", f"roster:{session.id}", False),
        (f"👥 +1 người không có điện thoại ({session.walk_ins})", f"walkin-add:{session.id}", False),
        ("✏️ Sửa số người không có điện thoại", f"walkin-set:{session.id}", False),
        ("🤝 Ghi lượt hỗ trợ", "support-new", False),
    ]
    if open_now:
        choices += [
            ("📷 Mã QR điểm danh", f"session-qr:{session.id}", False),
            ("⏹ Kết thúc buổi học", f"session-end:{session.id}", False),
        ]
    choices.append(VMENU)
    media = {"image_bytes": codes.qr_png(link or session.short_code)} if qr and open_now else {}
    turn.show(f"session:{session.id}", text, choices, **media)


@router.action("session-end", roles=VOLUNTEER)
async def end(turn: Turn, session_id: str) -> None:
    found = await managed_session(turn, session_id)
    if found is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    session, klass = found
    if session_is_open(session, turn.now):
        session.ended_at = turn.now
    await show_session(turn, session, klass)


# --- attendance ----------------------------------------------------------------------------------


@router.action("roster", roles=VOLUNTEER)
async def show_roster(turn: Turn, arg: str) -> None:
    session_id, _, page_text = arg.partition(".")
    found = await managed_session(turn, session_id)
    if found is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    session, klass = found
    page = as_id(page_text) or 0
    enrolled = await queries.enrolled_count(turn.repo, klass.id)
    if not enrolled:
        await show_session(turn, session, klass, intro=T["roster_empty"])
        return
    page = min(page, (enrolled - 1) // ROSTER_PAGE)
    people = await queries.roster(turn.repo, session, page * ROSTER_PAGE, ROSTER_PAGE)
    choices: list[ChoiceSpec] = [
        (
            short_label(f"{'✅' if present else '⬜'} {display(user)}"),
            f"tick:{session.id}.{user.id}.{page}",
            False,
        )
        for user, present in people
    ]
    if (page + 1) * ROSTER_PAGE < enrolled:
        choices.append(("➡️ Trang sau", f"roster:{session.id}.{page + 1}", True))
    if page > 0:
        choices.append(("⬅️ Trang trước", f"roster:{session.id}.{page - 1}", True))
    choices.append(("✔️ Xong", f"session:{session.id}", True))
    checked = await queries.checked_in(turn.repo, session.id)
    text = T["roster"].format(title=class_title(klass.name), checked=checked, enrolled=enrolled)
    turn.show(f"roster:{session.id}", text, choices)


@router.action("tick", roles=VOLUNTEER)
async def tick(turn: Turn, arg: str) -> None:
    session_id, _, rest = arg.partition(".")
    user_id, _, page = rest.partition(".")
    found = await managed_session(turn, session_id)
    learner = as_id(user_id)
    if found is None or learner is None or not await queries.is_enrolled(turn.repo, found[1].id, learner):
        await show_screen(turn, "vmenu", T["not_found"])
        return
    session = found[0]
    if not await queries.check_in(turn.repo, session.id, learner, "tick", turn.now):
        await queries.untick(turn.repo, session.id, learner)
    await show_roster(turn, f"{session.id}.{page}")


@router.action("walkin-add", roles=VOLUNTEER)
async def walk_in(turn: Turn, session_id: str) -> None:
    found = await managed_session(turn, session_id)
    if found is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    session, klass = found
    session.walk_ins = min(MAX_WALK_INS, session.walk_ins + 1)
    await show_session(turn, session, klass)


@router.action("walkin-set", roles=VOLUNTEER)
async def ask_walk_ins(turn: Turn, session_id: str) -> None:
    found = await managed_session(turn, session_id)
    if found is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    # No buttons here: a typed number is the answer, never a button's position.
    turn.set_state("walkin_session", found[0].id)
    turn.show("walk-ins", T["ask_walk_ins"].format(walk_ins=found[0].walk_ins), [])
    turn.set_state("awaiting", "walk-ins")


@router.action("input-walk-ins", roles=VOLUNTEER)
async def set_walk_ins(turn: Turn, text: str) -> None:
    found = await managed_session(turn, str(turn.state.get("walkin_session") or ""))
    typed = normalize(text)
    if found is None or typed in CANCEL_WORDS:
        turn.set_state("awaiting", None)
        turn.set_state("walkin_session", None)
        if found is None:
            await show_screen(turn, "vmenu", T["not_found"])
        else:
            await show_session(turn, *found)
        return
    number = as_id(typed, max_digits=3)
    if number is None or number > MAX_WALK_INS:
        turn.say(T["bad_walk_ins"])
        return
    turn.set_state("awaiting", None)
    turn.set_state("walkin_session", None)
    session, klass = found
    session.walk_ins = number
    await show_session(turn, session, klass)

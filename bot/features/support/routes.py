"""/hotro in four taps (menu → what → how many → where): the entry is saved at the last tap. The
places offered come from what the volunteer is doing now: their open class session, the outreach
days and service-centre shifts they checked in to today, a service centre, at home / elsewhere.
Afterwards, optionally, the entry is tied to one of their learners; /hoantac undoes it within 10
minutes. Nothing about the people helped is stored: a kind, a number and a place."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, func, select

from bot.core.people import display
from bot.core.router import VOLUNTEER, Router
from bot.core.screens import show_screen
from bot.core.timefmt import local_date_text, local_day
from bot.core.turn import ChoiceSpec, Turn
from bot.core.words import class_title
from bot.features.support.texts import CANCEL, KINDS, SHORT_KIND, SHORT_PLACE, VMENU, T
from bot.store.models import Attendance, ClassSession, Enrollment, OutreachEvent, SupportEntry, User
from bot.store.queries.campaign import session_is_open
from bot.text import as_id, normalize, short_label

router = Router()

UNDO_WINDOW = timedelta(minutes=10)
MAX_PEOPLE = 500
CANCEL_WORDS = {"huy", "thoi", "khong", "quay lai", "menu"}
EVENT_PLACE = {"outreach": ("📣 Ra quân", "outreach"), "center": ("🏛 Trực trung tâm", "center")}


@router.command("hotro", roles=VOLUNTEER, menu="Ghi lượt hỗ trợ người dân")
@router.action("support-new", roles=VOLUNTEER)
async def what(turn: Turn, _arg: str) -> None:
    turn.set_state("support", None)
    choices: list[ChoiceSpec] = [(label, f"support-kind:{kind}", False) for kind, label in KINDS.items()]
    turn.show("support-kind", T["kind"], [*choices, CANCEL])


@router.action("support-kind", roles=VOLUNTEER)
async def how_many(turn: Turn, kind: str) -> None:
    if kind not in KINDS:
        await what(turn, "")
        return
    turn.set_state("support", {"kind": kind})
    # Button n is n people, so typing «3» means 3 either way; larger numbers are typed. No cancel
    # button: its position would be a number someone types to mean people («hủy» works instead).
    choices: list[ChoiceSpec] = [(f"{n} người", f"support-count:{n}", False) for n in range(1, 6)]
    turn.show("support-count", T["count"].format(kind=SHORT_KIND[kind]), choices)
    turn.set_state("awaiting", "support-count")


@router.action("support-count", "input-support-count", roles=VOLUNTEER)
async def where(turn: Turn, text: str) -> None:
    draft = dict(turn.state.get("support") or {})
    typed = normalize(text)
    if draft.get("kind") not in KINDS or typed in CANCEL_WORDS:
        turn.set_state("awaiting", None)
        turn.set_state("support", None)
        await show_screen(turn, "vmenu", T["cancelled"])
        return
    people = as_id(typed.removesuffix(" nguoi"), max_digits=3)
    if people is None or not 1 <= people <= MAX_PEOPLE:
        turn.reprompt(T["bad_count"])
        turn.set_state("awaiting", "support-count")
        return
    turn.set_state("awaiting", None)
    draft["people"] = people
    turn.set_state("support", draft)
    choices = await place_choices(turn)
    turn.show("support-place", T["place"].format(kind=SHORT_KIND[draft["kind"]], people=people), choices)


async def place_choices(turn: Turn) -> list[ChoiceSpec]:
    choices: list[ChoiceSpec] = []
    session = await turn.repo.open_session_of(turn.user.id, turn.now)
    if session is not None:
        klass = await turn.repo.class_(session.class_id)
        label = f"🏫 Buổi học {class_title(klass.name) if klass else session.class_id}"
        choices.append((short_label(label), f"support-place:session.{session.id}", False))
    day_start, day_end = local_day(turn.now)
    at_center = False
    for event in (await turn.repo.events_checked_in(turn.user.id, day_start, day_end))[:3]:
        if event.kind in EVENT_PLACE:
            icon, place = EVENT_PLACE[event.kind]
            label = f"{icon}: {event.place or local_date_text(event.starts_at)}"
            choices.append((short_label(label), f"support-place:{place}.{event.id}", False))
            at_center = at_center or place == "center"
    if not at_center:
        choices.append(("🏛 Trung tâm phục vụ hành chính công", "support-place:center", False))
    choices += [("🏠 Tại nhà, nơi khác", "support-place:home", False), CANCEL]
    return choices


@router.action("support-place", roles=VOLUNTEER)
async def save(turn: Turn, arg: str) -> None:
    draft = dict(turn.state.get("support") or {})
    turn.set_state("support", None)
    place, _, ref = arg.partition(".")
    kind, people = draft.get("kind"), draft.get("people")
    if kind not in KINDS or not isinstance(people, int) or place not in SHORT_PLACE:
        await what(turn, "")
        return
    entry = SupportEntry(
        volunteer_id=turn.user.id, kind=kind, place=place, people=people, unit_id=turn.user.unit_id
    )
    where_text = SHORT_PLACE[place]
    if place == "session":
        session = await _own_open_session(turn, ref)
        if session is None:
            await show_screen(turn, "vmenu", T["not_found"])
            return
        klass = await turn.repo.class_(session.class_id)
        entry.session_id, entry.unit_id = session.id, klass.unit_id if klass else entry.unit_id
        where_text = f"buổi học {class_title(klass.name)}" if klass else where_text
    elif ref:
        event = await _checked_in_event(turn, ref, place)
        if event is None:
            await show_screen(turn, "vmenu", T["not_found"])
            return
        entry.event_id, entry.unit_id = event.id, event.unit_id
    entry.created_at = turn.now
    turn.repo.add(entry)
    await turn.repo.flush()
    today = await _people_today(turn)
    text = T["saved"].format(people=people, kind=SHORT_KIND[kind], place=where_text, today=today)
    turn.show(
        "support-saved",
        text,
        [
            ("➕ Ghi tiếp", "support-new", False),
            ("👤 Gắn với học viên trong bot", f"support-learner:{entry.id}", False),
            ("↩️ Hoàn tác (trong 10 phút)", "support-undo", False),
            VMENU,
        ],
    )


async def _own_open_session(turn: Turn, ref: str) -> ClassSession | None:
    current = await turn.repo.open_session_of(turn.user.id, turn.now)
    number = as_id(ref)
    if current is None or number != current.id or not session_is_open(current, turn.now):
        return None
    return current


async def _checked_in_event(turn: Turn, ref: str, place: str) -> OutreachEvent | None:
    number = as_id(ref)
    day_start, day_end = local_day(turn.now)
    for event in await turn.repo.events_checked_in(turn.user.id, day_start, day_end):
        if event.id == number and EVENT_PLACE.get(event.kind, ("", ""))[1] == place:
            return event
    return None


async def _people_today(turn: Turn) -> int:
    day_start, day_end = local_day(turn.now)
    total = await turn.repo.session.execute(
        select(func.coalesce(func.sum(SupportEntry.people), 0)).where(
            SupportEntry.volunteer_id == turn.user.id,
            SupportEntry.created_at >= day_start,
            SupportEntry.created_at < day_end,
        )
    )
    return int(total.scalar_one())


async def _own_recent_entry(turn: Turn, entry_id: str | None = None) -> SupportEntry | None:
    """The volunteer's newest entry (or the one named), if made within the undo window."""
    query = select(SupportEntry).where(
        SupportEntry.volunteer_id == turn.user.id, SupportEntry.created_at >= turn.now - UNDO_WINDOW
    )
    if entry_id is not None:
        number = as_id(entry_id)
        if number is None:
            return None
        query = query.where(SupportEntry.id == number)
    found = await turn.repo.session.execute(query.order_by(SupportEntry.id.desc()).limit(1))
    return found.scalar_one_or_none()


@router.command("hoantac", roles=VOLUNTEER, menu="Hoàn tác lượt hỗ trợ vừa ghi")
@router.action("support-undo", roles=VOLUNTEER)
async def undo(turn: Turn, _arg: str) -> None:
    entry = await _own_recent_entry(turn)
    if entry is None:
        await show_screen(turn, "vmenu", T["nothing_to_undo"])
        return
    text = T["undone"].format(
        people=entry.people, kind=SHORT_KIND[entry.kind], place=SHORT_PLACE[entry.place]
    )
    await turn.repo.session.delete(entry)
    await show_screen(turn, "vmenu", text)


@router.action("support-learner", roles=VOLUNTEER)
async def pick_learner(turn: Turn, entry_id: str) -> None:
    entry = await _own_recent_entry(turn, entry_id)
    if entry is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    learners = await _learners_for(turn, entry)
    if not learners:
        await show_screen(turn, "vmenu", T["no_learners"])
        return
    choices: list[ChoiceSpec] = [
        (short_label(f"👤 {display(u)}"), f"support-learner-set:{entry.id}.{u.id}", False) for u in learners
    ]
    turn.show("support-learner", T["learner"], [*choices, VMENU])


@router.action("support-learner-set", roles=VOLUNTEER)
async def set_learner(turn: Turn, arg: str) -> None:
    entry_id, _, learner_id = arg.partition(".")
    entry = await _own_recent_entry(turn, entry_id)
    number = as_id(learner_id)
    learner = next((u for u in await _learners_for(turn, entry) if u.id == number), None) if entry else None
    if entry is None or learner is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    entry.learner_id = learner.id
    await show_screen(turn, "vmenu", T["linked"].format(name=display(learner)))


async def _learners_for(turn: Turn, entry: SupportEntry) -> list[User]:
    """Learners an entry may name: those at its session (checked in or in the class), else the
    learners the volunteer tutors."""
    session = await turn.repo.session.get(ClassSession, entry.session_id) if entry.session_id else None
    if session is not None:
        present = (
            select(User)
            .outerjoin(
                Attendance, and_(Attendance.user_id == User.id, Attendance.session_id == entry.session_id)
            )
            .outerjoin(
                Enrollment, and_(Enrollment.user_id == User.id, Enrollment.class_id == session.class_id)
            )
            .where(
                User.deleted_at.is_(None),
                (Attendance.user_id.is_not(None)) | (Enrollment.user_id.is_not(None)),
            )
            .order_by(Attendance.at.is_(None), Attendance.at.desc(), User.id)
            .limit(8)
        )
        return list((await turn.repo.session.execute(present)).scalars())
    return [user for user, _progress, _help in await turn.repo.learners_of(turn.user.id, limit=8)]

"""/raquan: the outreach days, shifts and trainings a volunteer may take part in (their unit, the
units above it, their team's), one of them in detail, and checking in to it on the day.

Every handler re-checks its untrusted argument: an event the user reaches (volunteers) or manages
(its creator, its team's leader, organizers of its unit's subtree)."""

from __future__ import annotations

from datetime import timedelta

from bot.core import codes
from bot.core.links import link_base
from bot.core.router import VOLUNTEER, Router
from bot.core.scope import manages_event, organizer_scope, volunteer_reaches
from bot.core.screens import show_screen
from bot.core.timefmt import local_date_text, local_day, local_text
from bot.core.turn import ChoiceSpec, Turn
from bot.features.outreach import queries
from bot.features.outreach.texts import EVENTS, SHORT, VMENU, T
from bot.store.models import OutreachEvent, Team
from bot.text import as_id, short_label

router = Router()


async def event_link(turn: Turn, event: OutreachEvent) -> str | None:
    base = await link_base(turn, event.unit_id)
    return f"{base}r-{event.code}" if base else None


def describe(event: OutreachEvent) -> str:
    """'📣 Ra quân 25/11/2026 · Nhà văn hóa thôn 3' (the time only when one was given)."""
    when = local_text(event.starts_at)
    when = when[6:] if when.startswith("00:00 ") else when
    return f"{SHORT.get(event.kind, event.kind)} {when}" + (f" · {event.place}" if event.place else "")


async def reaches(turn: Turn, event: OutreachEvent) -> bool:
    """May take part: a volunteer of the event's unit or a unit under it, or of its team."""
    if await volunteer_reaches(turn, event.unit_id):
        return True
    team = await turn.repo.team_of(turn.user.id) if event.team_id is not None else None
    return team is not None and team.id == event.team_id


async def visible_event(turn: Turn, event_id: str) -> OutreachEvent | None:
    number = as_id(event_id)
    event = await turn.repo.session.get(OutreachEvent, number) if number is not None else None
    if event is None or not (await reaches(turn, event) or await manages_event(turn, event)):
        return None
    return event


@router.command("raquan", roles=VOLUNTEER, menu="Ra quân, trực, tập huấn")
@router.action("events", roles=VOLUNTEER)
async def list_events(turn: Turn, _arg: str) -> None:
    yesterday, _ = local_day(turn.now, -1)
    until = yesterday + timedelta(days=16)
    if turn.user.role == "organizer":
        found = await queries.events_for(turn.repo, await organizer_scope(turn), None, yesterday, until)
    else:
        units = await turn.repo.ancestors(turn.user.unit_id) if turn.user.unit_id else []
        team = await turn.repo.team_of(turn.user.id)
        found = await queries.events_for(turn.repo, units, team.id if team else None, yesterday, until)
    choices: list[ChoiceSpec] = [(short_label(describe(e)), f"event:{e.id}", False) for e in found]
    if await can_create(turn):
        choices.append(("➕ Tạo hoạt động", "event-new", False))
    turn.show("events", T["list"] if found else T["none"], [*choices, VMENU])


async def can_create(turn: Turn) -> Team | bool:
    """Organizers create events; so does a team's leader (for their team): the team, or True."""
    if turn.user.role == "organizer":
        return True
    team = await turn.repo.team_of(turn.user.id)
    return team if team is not None and team.leader_id == turn.user.id else False


@router.action("event", roles=VOLUNTEER)
async def event_detail(turn: Turn, event_id: str) -> None:
    event = await visible_event(turn, event_id)
    if event is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    await show_event(turn, event)


async def show_event(turn: Turn, event: OutreachEvent, intro: str | None = None, qr: bool = False) -> None:
    checkins, people = await queries.figures(turn.repo, event.id)
    unit = await turn.repo.unit(event.unit_id)
    team = await turn.repo.session.get(Team, event.team_id) if event.team_id else None
    partners = [
        turn.tutor.settings.campaign.partner_name(p) for p in await queries.partners_of(turn.repo, event.id)
    ]
    text = T["event"].format(
        what=describe(event),
        unit=unit.name if unit else event.unit_id,
        team=f" · đội hình {team.name}" if team else "",
        partners=f"\nPhối hợp: {', '.join(partners)}" if partners else "",
        checkins=checkins,
        people=people,
    )
    manages = await manages_event(turn, event)
    link = await event_link(turn, event)
    if manages:
        text += T["event_code"].format(code=event.short_code, link=f"\nLink: {link}" if link else "")
    if intro:
        text = f"{intro}\n\n{text}"
    choices: list[ChoiceSpec] = []
    if await queries.is_checked_in(turn.repo, event.id, turn.user.id):
        if event.kind != "training":
            choices.append(("🤝 Ghi lượt hỗ trợ", "support-new", False))
    elif await reaches(turn, event):
        choices.append(("✅ Tôi có mặt", f"event-checkin:{event.id}", False))
    if manages:
        choices += [
            ("📷 Mã QR điểm danh ĐVTN", f"event-qr:{event.id}", False),
            ("🤝 Đơn vị phối hợp", f"partners:e{event.id}", False),
        ]
    choices += [EVENTS, VMENU]
    media = {"image_bytes": codes.qr_png(link or event.short_code)} if qr else {}
    turn.show(f"event:{event.id}", text[:500], choices, **media)


@router.action("event-qr", roles=VOLUNTEER)
async def event_qr(turn: Turn, event_id: str) -> None:
    number = as_id(event_id)
    event = await turn.repo.session.get(OutreachEvent, number) if number is not None else None
    if event is None or not await manages_event(turn, event):
        await show_screen(turn, "vmenu", T["not_found"])
        return
    await show_event(turn, event, qr=True)


@router.action("event-checkin", roles=VOLUNTEER)
async def checkin_button(turn: Turn, event_id: str) -> None:
    number = as_id(event_id)
    event = await turn.repo.session.get(OutreachEvent, number) if number is not None else None
    if event is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    await check_in(turn, event)


async def check_in(turn: Turn, event: OutreachEvent) -> None:
    """One «lượt ĐVTN»: a volunteer who reaches the event, on its day, once."""
    if not await reaches(turn, event):
        unit = await turn.repo.unit(event.unit_id)
        await show_screen(turn, "vmenu", T["out_of_reach"].format(unit=unit.name if unit else event.unit_id))
        return
    day_start, day_end = local_day(event.starts_at)
    if not day_start <= turn.now < day_end:
        await show_event(turn, event, intro=T["not_today"].format(day=local_date_text(event.starts_at)))
        return
    fresh = await queries.check_in(turn.repo, event.id, turn.user.id, turn.now)
    intro = T["checked_in"].format(what=describe(event)) if fresh else T["already"]
    await show_event(turn, event, intro=intro)

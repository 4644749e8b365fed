"""/taoraquan: an organizer (in their scope) or a team leader (for their team) creates an outreach
day, a service-centre duty shift or a training: what, which day, where, which unit and team, which
partner organizations; then gets the QR code and typed code volunteers check in with."""

from __future__ import annotations

from datetime import datetime

from bot.core import codes
from bot.core.router import VOLUNTEER, Router
from bot.core.scope import organizer_covers, organizer_scope, units_to_offer
from bot.core.screens import show_screen
from bot.core.timefmt import local_day, parse_local_time
from bot.core.turn import ChoiceSpec, Turn
from bot.features.outreach import queries
from bot.features.outreach.routes import can_create, describe, event_link, show_event
from bot.features.outreach.texts import CANCEL, KINDS, SKIP, T
from bot.store.models import EventPartner, OutreachEvent, Team
from bot.text import as_id, short_label

router = Router()


def _draft(turn: Turn) -> dict:
    return dict(turn.state.get("event_draft") or {})


def _keep(turn: Turn, draft: dict) -> None:
    turn.set_state("event_draft", draft)


@router.command("taoraquan", roles=VOLUNTEER, menu="Tạo hoạt động ra quân")
@router.action("event-new", roles=VOLUNTEER)
async def new_event(turn: Turn, _arg: str) -> None:
    if not await can_create(turn):
        await show_screen(turn, "vmenu", T["only_leaders"])
        return
    _keep(turn, {})
    choices: list[ChoiceSpec] = [(label, f"event-kind:{kind}", False) for kind, label in KINDS.items()]
    turn.show("event-kind", T["ask_kind"], [*choices, CANCEL])


@router.action("event-kind", roles=VOLUNTEER)
async def event_kind(turn: Turn, kind: str) -> None:
    if kind not in KINDS or not await can_create(turn):
        await new_event(turn, "")
        return
    _keep(turn, {"kind": kind})
    turn.show(
        "event-date",
        T["ask_date"],
        [("📅 Hôm nay", "event-date:0", False), ("📅 Ngày mai", "event-date:1", False), CANCEL],
    )
    turn.set_state("awaiting", "event-date")


@router.action("event-date", roles=VOLUNTEER)
async def event_day(turn: Turn, offset: str) -> None:
    days = as_id(offset)
    if days is None or days > 1:
        await new_event(turn, "")
        return
    start, _ = local_day(turn.now, days)
    await _dated(turn, start)


@router.action("input-event-date", roles=VOLUNTEER)
async def event_typed_date(turn: Turn, text: str) -> None:
    when = parse_local_time(text, turn.now)
    if when is None:
        turn.reprompt(T["bad_date"])
        return
    await _dated(turn, when)


async def _dated(turn: Turn, when: datetime) -> None:
    draft = _draft(turn)
    if draft.get("kind") not in KINDS:
        await new_event(turn, "")
        return
    draft["when"] = when.isoformat()
    _keep(turn, draft)
    turn.show("event-place", T["ask_place"], [(SKIP, "event-place-skip", False), CANCEL])
    turn.set_state("awaiting", "event-place")


@router.action("input-event-place", roles=VOLUNTEER)
async def event_place(turn: Turn, text: str) -> None:
    await _placed(turn, " ".join(text.split())[:160] or None)


@router.action("event-place-skip", roles=VOLUNTEER)
async def event_place_skip(turn: Turn, _arg: str) -> None:
    await _placed(turn, None)


async def _placed(turn: Turn, place: str | None) -> None:
    turn.set_state("awaiting", None)
    draft = _draft(turn)
    if not draft.get("when"):
        await new_event(turn, "")
        return
    draft["place"] = place
    _keep(turn, draft)
    creator = await can_create(turn)
    if isinstance(creator, Team):  # a team leader: their team, in the team's unit
        draft.update(unit=creator.unit_id, team=creator.id)
        _keep(turn, draft)
        await ask_partners(turn)
        return
    if creator is not True:
        await new_event(turn, "")
        return
    scope = await organizer_scope(turn)
    if scope is not None and len(scope) == 1:
        await _unit_chosen(turn, scope[0])
        return
    offered = await units_to_offer(turn)
    choices: list[ChoiceSpec] = [
        (short_label(f"🏛 {u.name}"), f"event-unit:{u.id}", False) for u in offered[:8]
    ]
    example = offered[-1].id if offered else "xa-an-phu"
    turn.show("event-unit", T["ask_unit"].format(example=example), [*choices, CANCEL])
    turn.set_state("awaiting", "event-unit")


@router.action("event-unit", "input-event-unit", roles=VOLUNTEER)
async def event_unit(turn: Turn, unit_id: str) -> None:
    unit_id = unit_id.strip().lower()
    unit = await turn.repo.unit(unit_id) if unit_id else None
    if unit is None or not await organizer_covers(turn, unit.id):
        turn.reprompt(T["unknown_unit"].format(unit=unit_id[:40]))
        turn.set_state("awaiting", "event-unit")
        return
    await _unit_chosen(turn, unit.id)


async def _unit_chosen(turn: Turn, unit_id: str) -> None:
    turn.set_state("awaiting", None)
    draft = _draft(turn)
    draft["unit"] = unit_id
    _keep(turn, draft)
    teams = await queries.teams_in(turn.repo, await turn.repo.scope(unit_id) or [unit_id])
    if not teams:
        await ask_partners(turn)
        return
    choices: list[ChoiceSpec] = [(short_label(f"🚩 {t.name}"), f"event-team:{t.id}", False) for t in teams]
    turn.show("event-team", T["ask_team"], [*choices, ("Không theo đội hình", "event-team:0", False), CANCEL])


@router.action("event-team", roles=VOLUNTEER)
async def event_team(turn: Turn, team_id: str) -> None:
    draft = _draft(turn)
    number = as_id(team_id)
    team = await turn.repo.session.get(Team, number) if number else None
    units = await turn.repo.scope(draft.get("unit")) or [draft.get("unit")]
    if (
        turn.user.role != "organizer"
        or not draft.get("unit")
        or (team is not None and team.unit_id not in units)
    ):
        await new_event(turn, "")
        return
    draft["team"] = team.id if team else None
    _keep(turn, draft)
    await ask_partners(turn)


async def ask_partners(turn: Turn) -> None:
    chosen = set(_draft(turn).get("partners") or [])
    choices: list[ChoiceSpec] = [
        (short_label(f"{'✅' if p.id in chosen else '⬜'} {p.name}"), f"event-partner:{p.id}", False)
        for p in turn.tutor.settings.campaign.partners[:8]
    ]
    turn.show("event-partners", T["ask_partners"], [*choices, ("✔️ Xong", "event-create", False), CANCEL])


@router.action("event-partner", roles=VOLUNTEER)
async def toggle_partner(turn: Turn, partner_id: str) -> None:
    draft = _draft(turn)
    known = {p.id for p in turn.tutor.settings.campaign.partners}
    if not draft.get("unit") or partner_id not in known:
        await new_event(turn, "")
        return
    chosen = set(draft.get("partners") or [])
    chosen ^= {partner_id}
    draft["partners"] = sorted(chosen)
    _keep(turn, draft)
    await ask_partners(turn)


@router.action("event-create", roles=VOLUNTEER)
async def create(turn: Turn, _arg: str) -> None:
    draft = _draft(turn)
    turn.set_state("event_draft", None)
    creator = await can_create(turn)
    unit_id, team_id = draft.get("unit"), draft.get("team")
    allowed = (isinstance(creator, Team) and creator.id == team_id and creator.unit_id == unit_id) or (
        creator is True and unit_id and await organizer_covers(turn, unit_id)
    )
    if draft.get("kind") not in KINDS or not draft.get("when") or not allowed:
        await new_event(turn, "")
        return
    event = OutreachEvent(
        kind=draft["kind"],
        place=draft.get("place"),
        starts_at=datetime.fromisoformat(draft["when"]),
        unit_id=unit_id,
        team_id=team_id,
        code=codes.link_code(),
        short_code=await codes.free_short_code(turn.repo),
        created_by=turn.user.id,
        created_at=turn.now,
    )
    turn.repo.add(event)
    await turn.repo.flush()
    for partner in draft.get("partners") or []:
        turn.repo.add(EventPartner(event_id=event.id, partner=partner))
    await turn.repo.flush()
    link = await event_link(turn, event)
    turn.say(
        T["created"].format(
            what=describe(event), link=f" hoặc mở link:\n{link}\n" if link else "", code=event.short_code
        ),
        image_bytes=codes.qr_png(link or event.short_code),
    )
    await show_event(turn, event)

"""/doihinh lists the teams of an organizer's scope (a volunteer: their own team); /taodoihinh lays
one down (name, unit, leader); organizers add volunteers and name the leader.

Every handler re-checks its untrusted argument: a team the organizer's scope covers (members may
look at their own team), volunteers whose unit lies in the team's unit subtree."""

from __future__ import annotations

from bot.core import codes
from bot.core.links import link_base
from bot.core.people import display
from bot.core.replies import Reply
from bot.core.router import ORGANIZER, VOLUNTEER, Router
from bot.core.scope import organizer_covers, organizer_scope, units_to_offer
from bot.core.screens import show_screen
from bot.core.turn import ChoiceSpec, Turn
from bot.features.teams import queries
from bot.features.teams.texts import CANCEL, OMENU, TEAMS, VMENU, T
from bot.store.models import Team, User
from bot.text import as_id, short_label

router = Router()


async def team_link(turn: Turn, team: Team) -> str | None:
    base = await link_base(turn, team.unit_id)
    return f"{base}t-{team.code}" if base else None


async def unit_name(turn: Turn, unit_id: str | None) -> str:
    unit = await turn.repo.unit(unit_id) if unit_id else None
    return unit.name if unit else (unit_id or "—")


async def visible_team(turn: Turn, team_id: str) -> Team | None:
    """A team the user may look at: one their scope covers (organizers), or their own."""
    number = as_id(team_id)
    team = await turn.repo.session.get(Team, number) if number is not None else None
    if team is None:
        return None
    if await organizer_covers(turn, team.unit_id):
        return team
    mine = await turn.repo.team_of(turn.user.id)
    return team if mine is not None and mine.id == team.id else None


async def managed_team(turn: Turn, team_id: str) -> Team | None:
    """A team the user may change: organizers of its unit's subtree only."""
    number = as_id(team_id)
    team = await turn.repo.session.get(Team, number) if number is not None else None
    return team if team is not None and await organizer_covers(turn, team.unit_id) else None


@router.command("doihinh", roles=VOLUNTEER, menu="Đội hình")
@router.action("teams", roles=VOLUNTEER)
async def list_teams(turn: Turn, _arg: str) -> None:
    if turn.user.role != "organizer":
        mine = await turn.repo.team_of(turn.user.id)
        if mine is None:
            await show_screen(turn, "vmenu", T["no_team"])
        else:
            await show_team(turn, mine)
        return
    teams = await queries.teams_in(turn.repo, await organizer_scope(turn))
    new: ChoiceSpec = ("➕ Tạo đội hình", "team-new", False)
    if not teams:
        turn.show("teams", T["none_in_scope"], [new, OMENU])
        return
    lines = []
    for team, count in teams:
        leader = await turn.repo.user(team.leader_id) if team.leader_id else None
        lines.append(
            T["list_line"].format(
                id=team.id,
                name=team.name,
                unit=await unit_name(turn, team.unit_id),
                leader=display(leader) if leader else "chưa có",
                members=count,
            )
        )
        names = [display(u) for u in await queries.members(turn.repo, team.id, limit=11)]
        if names:
            lines.append("   " + ", ".join(names[:10]) + (", …" if len(names) > 10 else ""))
    turn.say_lines(T["list"].format(count=len(teams)), lines)
    choices: list[ChoiceSpec] = [(short_label(f"🚩 {t.name}"), f"team:{t.id}", False) for t, _ in teams[:6]]
    turn.show("teams", T["pick"], [*choices, new, OMENU])


@router.action("team", roles=VOLUNTEER)
async def team_detail(turn: Turn, team_id: str) -> None:
    team = await visible_team(turn, team_id)
    if team is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    await show_team(turn, team)


def names_within(people: list[User], room: int) -> str:
    """Members' names, as many as fit in `room` characters; the rest are counted."""
    shown: list[str] = []
    used = 0
    for index, user in enumerate(people):
        name = display(user)[:30]
        if used + len(name) + 2 > room:
            return ", ".join(shown) + f" và {len(people) - index} người khác"
        shown.append(name)
        used += len(name) + 2
    return ", ".join(shown) or "chưa có"


async def show_team(turn: Turn, team: Team, intro: str | None = None, qr: bool = False) -> None:
    people = await queries.members(turn.repo, team.id)
    leader = await turn.repo.user(team.leader_id) if team.leader_id else None
    organizer = await organizer_covers(turn, team.unit_id)
    leads = team.leader_id == turn.user.id
    link = await team_link(turn, team)
    code = ""
    if organizer or leads:
        code = T["team_code"].format(code=team.short_code, link=f"\nLink: {link}" if link else "")
    if intro and len(intro) > 150:
        turn.say(intro)
        intro = None
    head = T["team"].format(
        name=team.name,
        unit=await unit_name(turn, team.unit_id),
        leader=display(leader) if leader else "chưa có",
        count=len(people),
        members="",
    )
    room = 490 - len(head) - len(code) - (len(intro) + 2 if intro else 0)
    text = head + names_within(people, max(room, 40)) + code
    if intro:
        text = f"{intro}\n\n{text}"
    choices: list[ChoiceSpec] = []
    if organizer:
        choices += [
            ("➕ Thêm ĐVTN vào đội", f"team-add:{team.id}", False),
            ("👑 Chọn đội trưởng", f"team-lead-pick:{team.id}", False),
        ]
    if organizer or leads:
        choices += [
            ("📷 Mã QR vào đội", f"team-qr:{team.id}", False),
            ("📣 Tạo hoạt động ra quân", "event-new", False),
        ]
    choices += [TEAMS, OMENU] if turn.user.role == "organizer" else [VMENU]
    media = {"image_bytes": codes.qr_png(link or team.short_code)} if qr else {}
    turn.show(f"team:{team.id}", text, choices, **media)


@router.action("team-qr", roles=VOLUNTEER)
async def team_qr(turn: Turn, team_id: str) -> None:
    team = await visible_team(turn, team_id)
    if team is None or not (await organizer_covers(turn, team.unit_id) or team.leader_id == turn.user.id):
        await show_screen(turn, "vmenu", T["not_found"])
        return
    await show_team(turn, team, qr=True)


# --- creating a team -----------------------------------------------------------------------------


@router.command("taodoihinh", roles=ORGANIZER, menu="Lập đội hình")
@router.action("team-new", roles=ORGANIZER)
async def new_team(turn: Turn, arg: str) -> None:
    turn.set_state("team_draft", {})
    name = " ".join(arg.split())
    if name:
        await team_name(turn, name)
        return
    turn.show("team-name", T["ask_name"], [CANCEL])
    turn.set_state("awaiting", "team-name")


@router.action("input-team-name", roles=ORGANIZER)
async def team_name(turn: Turn, text: str) -> None:
    name = " ".join(text.split())
    if not 3 <= len(name) <= 120:
        turn.show("team-name", T["bad_name"], [CANCEL])
        turn.set_state("awaiting", "team-name")
        return
    turn.set_state("team_draft", {"name": name})
    scope = await organizer_scope(turn)
    if scope is not None and len(scope) == 1:
        await _create(turn, scope[0])
        return
    offered = await units_to_offer(turn)
    choices: list[ChoiceSpec] = [
        (short_label(f"🏛 {u.name}"), f"team-unit:{u.id}", False) for u in offered[:8]
    ]
    example = offered[-1].id if offered else "xa-an-phu"
    turn.show("team-unit", T["ask_unit"].format(example=example), [*choices, CANCEL])
    turn.set_state("awaiting", "team-unit")


@router.action("team-unit", "input-team-unit", roles=ORGANIZER)
async def team_unit(turn: Turn, unit_id: str) -> None:
    unit_id = unit_id.strip().lower()
    unit = await turn.repo.unit(unit_id) if unit_id else None
    if unit is None or not await organizer_covers(turn, unit.id):
        turn.reprompt(T["unknown_unit"].format(unit=unit_id[:40]))
        turn.set_state("awaiting", "team-unit")
        return
    await _create(turn, unit.id)


async def _create(turn: Turn, unit_id: str) -> None:
    draft = dict(turn.state.get("team_draft") or {})
    turn.set_state("team_draft", None)
    turn.set_state("awaiting", None)
    if not draft.get("name"):
        await new_team(turn, "")
        return
    team = Team(
        name=draft["name"],
        unit_id=unit_id,
        code=codes.link_code(),
        short_code=await codes.free_short_code(turn.repo),
        created_by=turn.user.id,
        created_at=turn.now,
    )
    turn.repo.add(team)
    await turn.repo.flush()
    link = await team_link(turn, team)
    turn.say(
        T["created"].format(
            name=team.name,
            unit=await unit_name(turn, unit_id),
            link=f" hoặc mở link:\n{link}\n" if link else "",
            code=team.short_code,
        ),
        image_bytes=codes.qr_png(link or team.short_code),
    )
    await pick_leader(turn, str(team.id))


# --- members and leader --------------------------------------------------------------------------


@router.action("team-lead-pick", roles=ORGANIZER)
async def pick_leader(turn: Turn, team_id: str) -> None:
    team = await managed_team(turn, team_id)
    if team is None:
        await show_screen(turn, "omenu", T["not_found"])
        return
    found = await queries.candidates(turn.repo, team)
    if not found:
        await show_team(turn, team, intro=T["no_candidates"].format(unit=await unit_name(turn, team.unit_id)))
        return
    choices: list[ChoiceSpec] = [
        (short_label(f"👤 {display(user)}"), f"team-leader:{team.id}.{user.id}", False) for user, _ in found
    ]
    turn.show("team-leader", T["ask_leader"], [*choices, ("Chọn sau", f"team:{team.id}", True)])


async def _volunteer_for(turn: Turn, team: Team, user_id: str) -> User | None:
    """A volunteer the organizer may put in this team: their unit is in the team's unit subtree."""
    number = as_id(user_id)
    user = await turn.repo.user(number) if number is not None else None
    if user is None or user.role != "volunteer" or user.deleted_at is not None:
        return None
    units = await turn.repo.scope(team.unit_id) or [team.unit_id]
    return user if user.unit_id in units else None


@router.action("team-leader", roles=ORGANIZER)
async def set_leader(turn: Turn, arg: str) -> None:
    team_id, _, user_id = arg.partition(".")
    team = await managed_team(turn, team_id)
    user = await _volunteer_for(turn, team, user_id) if team else None
    if team is None or user is None:
        await show_screen(turn, "omenu", T["not_found"])
        return
    await queries.join(turn.repo, user.id, team.id, turn.now)
    team.leader_id = user.id
    turn.notify(user, Reply(T["leader_told"].format(team=team.name)))
    await show_team(turn, team, intro=T["leader_set"].format(name=display(user), team=team.name))


@router.action("team-add", roles=ORGANIZER)
async def pick_member(turn: Turn, team_id: str) -> None:
    team = await managed_team(turn, team_id)
    if team is None:
        await show_screen(turn, "omenu", T["not_found"])
        return
    found = [
        (u, t) for u, t in await queries.candidates(turn.repo, team, limit=40) if t is None or t.id != team.id
    ]
    if not found:
        await show_team(turn, team, intro=T["no_candidates"].format(unit=await unit_name(turn, team.unit_id)))
        return
    choices: list[ChoiceSpec] = [
        (
            short_label(f"👤 {display(u)}" + (f" (đội {t.name})" if t else "")),
            f"team-add-to:{team.id}.{u.id}",
            False,
        )
        for u, t in found[:8]
    ]
    turn.show(
        "team-add", T["add_pick"].format(team=team.name), [*choices, ("⬅️ Quay lại", f"team:{team.id}", True)]
    )


@router.action("team-add-to", roles=ORGANIZER)
async def add_member(turn: Turn, arg: str) -> None:
    team_id, _, user_id = arg.partition(".")
    await _add(turn, team_id, user_id)


@router.command("themdoihinh", roles=ORGANIZER)
async def add_member_command(turn: Turn, arg: str) -> None:
    parts = [p.lstrip("#") for p in arg.split()]
    if len(parts) != 2 or as_id(parts[0]) is None or as_id(parts[1]) is None:
        turn.say(T["usage_add"])
        return
    await _add(turn, parts[0], parts[1])


async def _add(turn: Turn, team_id: str, user_id: str) -> None:
    team = await managed_team(turn, team_id)
    user = await _volunteer_for(turn, team, user_id) if team else None
    if team is None or user is None:
        turn.say(T["not_found"])
        return
    await queries.join(turn.repo, user.id, team.id, turn.now)
    turn.notify(user, Reply(T["added_told"].format(team=team.name, unit=await unit_name(turn, team.unit_id))))
    await show_team(turn, team, intro=T["added"].format(name=display(user), team=team.name))

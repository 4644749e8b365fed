"""Joining a team by its code: the QR / link (`/start t-…`) or the typed code. Only volunteers join
(a learner is told they need a volunteer invitation first), only a team of their own unit or a
unit above it, and only one team at a time (moving is confirmed)."""

from __future__ import annotations

from bot.core import codes
from bot.core.people import display
from bot.core.replies import Reply
from bot.core.router import VOLUNTEER, Router
from bot.core.scope import volunteer_reaches
from bot.core.screens import show_menu, show_screen
from bot.core.turn import Turn
from bot.features.teams import queries
from bot.features.teams.routes import show_team, unit_name
from bot.features.teams.texts import T
from bot.store.models import Team
from bot.text import as_id, short_label

router = Router()


@router.code_kind("team")
async def redeem_team_code(turn: Turn, code: str, typed: bool, first_contact: bool) -> bool:
    team = await turn.repo.team_by_code(code)
    if team is None or not (typed or team.code == code):
        return False
    if turn.user.role == "learner":
        await show_menu(turn, intro=T["for_volunteers"])
        return True
    if turn.user.role == "organizer":
        await show_screen(turn, "omenu", T["organizer_code"])
        return True
    await offer_team(turn, team)
    return True


async def offer_team(turn: Turn, team: Team) -> None:
    user = turn.user
    if user.unit_id is None:
        user.unit_id = team.unit_id  # a volunteer granted without a unit takes the team's
    if not await volunteer_reaches(turn, team.unit_id):
        unit = await unit_name(turn, team.unit_id)
        await show_screen(turn, "vmenu", T["out_of_reach"].format(team=team.name, unit=unit))
        return
    current = await turn.repo.team_of(user.id)
    if current is not None and current.id == team.id:
        await show_team(turn, team, intro=T["already"].format(team=team.name))
        return
    if current is not None:
        turn.show(
            "team-move",
            T["move_ask"].format(current=current.name, team=team.name),
            [
                (short_label(f"✅ Chuyển sang «{team.name}»"), f"team-move:{team.id}", False),
                (short_label(f"Ở lại «{current.name}»"), "team-stay", False),
            ],
        )
        return
    await _join(turn, team)


@router.action("team-move", roles=VOLUNTEER)
async def move(turn: Turn, team_id: str) -> None:
    number = as_id(team_id)
    team = await turn.repo.session.get(Team, number) if number is not None else None
    if team is None or turn.user.role != "volunteer" or not await volunteer_reaches(turn, team.unit_id):
        await show_screen(turn, "vmenu", T["not_found"])
        return
    await _join(turn, team)


@router.action("team-stay", roles=VOLUNTEER)
async def stay(turn: Turn, _arg: str) -> None:
    current = await turn.repo.team_of(turn.user.id)
    await show_screen(turn, "vmenu", T["stay"].format(team=current.name) if current else None)


async def _join(turn: Turn, team: Team) -> None:
    await queries.join(turn.repo, turn.user.id, team.id, turn.now)
    leader = await turn.repo.user(team.leader_id) if team.leader_id else None
    if leader is not None and leader.id != turn.user.id:
        turn.notify(leader, Reply(T["joined_leader"].format(name=display(turn.user), team=team.name)))
    text = T["joined"].format(
        team=team.name,
        unit=await unit_name(turn, team.unit_id),
        leader=display(leader) if leader else "chưa có",
    )
    await show_screen(turn, "vmenu", text)


@router.link("t-", welcome=False)
async def team_link(turn: Turn, code: str) -> None:
    await codes.redeem(turn, code, typed=False)

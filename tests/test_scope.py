"""Scope, checked where every volunteer and organizer handler checks its untrusted argument: who
may act on which learner, help request and class (`own_learner`, `own_request`, `own_class`,
`bot.core.scope`). One small campaign, every person against every thing, as a table."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from bot.core.engine import Tutor
from bot.core.scope import organizer_covers, organizer_scope
from bot.core.turn import Turn
from bot.features.classes.assign import own_learner
from bot.features.classes.views import own_class
from bot.features.help.answers import own_request
from bot.store.models import Class, HelpRequest

NOW = datetime(2026, 11, 4, 3, 0)
PEOPLE = {  # name: (role, unit)
    "org-all": ("organizer", None),
    "org-hn": ("organizer", "hn"),
    "org-a": ("organizer", "hn-a"),
    "vol-a": ("volunteer", "hn-a"),
    "vol-a2": ("volunteer", "hn-a"),
    "vol-b": ("volunteer", "hn-b"),
    "vol-none": ("volunteer", None),
    "la": ("learner", "hn-a"),
    "lb": ("learner", "hn-b"),
    "gone": ("learner", "hn-a"),
}
# thing: everyone who may act on it (anyone else: "not found")
LEARNERS = {
    "la": {"vol-a", "org-a", "org-hn", "org-all"},  # paired with vol-a
    "lb": {"org-hn", "org-all"},  # nobody's pair
    "gone": set(),  # erased their data (was paired with vol-a)
}
REQUESTS = {
    "r-a-open": {"vol-a", "vol-a2", "org-a", "org-hn", "org-all"},  # unanswered, in hn-a
    "r-a-taken": {"vol-a2", "org-a", "org-hn", "org-all"},  # taken by vol-a2
    "r-b-taken": {"vol-b", "org-hn", "org-all"},
    "r-nowhere": {"org-all"},  # no unit: only an organizer of everything
}
CLASSES = {"c-a": {"vol-a", "org-a", "org-hn", "org-all"}, "c-b": {"vol-b", "org-hn", "org-all"}}


@pytest.fixture
async def world(sqlite_tutor: Tutor) -> AsyncIterator[tuple[Tutor, dict[str, int]]]:
    tutor = sqlite_tutor
    ids: dict[str, int] = {}
    async with tutor.db.transaction() as repo:
        await repo.upsert_unit("hn", "Hà Nội", None, "tinh")
        await repo.upsert_unit("hn-a", "Phường A", "hn", "xa")
        await repo.upsert_unit("hn-b", "Xã B", "hn", "xa")
        for name, (role, unit) in PEOPLE.items():
            ids[name] = (await repo.grant("console", name, role, unit, NOW)).id
        await repo.pair(ids["la"], ids["vol-a"], NOW)
        await repo.pair(ids["gone"], ids["vol-a"], NOW)
        gone = await repo.user(ids["gone"])
        assert gone is not None
        gone.deleted_at = NOW
        for name, learner, unit, volunteer in (
            ("r-a-open", "la", "hn-a", None),
            ("r-a-taken", "la", "hn-a", "vol-a2"),
            ("r-b-taken", "lb", "hn-b", "vol-b"),
            ("r-nowhere", "la", None, None),
        ):
            request = HelpRequest(
                learner_id=ids[learner],
                volunteer_id=ids[volunteer] if volunteer else None,
                unit_id=unit,
                context="",
                status="open",
                created_at=NOW,
            )
            repo.session.add(request)
            await repo.session.flush()
            ids[name] = request.id
        for name, volunteer, unit in (("c-a", "vol-a", "hn-a"), ("c-b", "vol-b", "hn-b")):
            klass = Class(
                code=f"code-{name}", short_code=name.upper(), name=name, volunteer_id=ids[volunteer],
                unit_id=unit, created_at=NOW,
            )  # fmt: skip
            repo.session.add(klass)
            await repo.session.flush()
            ids[name] = klass.id
    yield tutor, ids


async def allowed(tutor: Tutor, ids: dict[str, int], check, thing: str) -> set[str]:
    """Everyone for whom `check(turn, "<id of thing>")` finds the thing."""
    found = set()
    async with tutor.db.transaction() as repo:
        for name in PEOPLE:
            user = await repo.user(ids[name])
            assert user is not None
            result = await check(Turn(tutor=tutor, repo=repo, user=user, now=NOW), str(ids[thing]))
            if result is not None:
                assert result.id == ids[thing]
                found.add(name)
    return found


async def test_who_may_act_on_each_learner(world) -> None:
    tutor, ids = world
    assert {thing: await allowed(tutor, ids, own_learner, thing) for thing in LEARNERS} == LEARNERS


async def test_who_may_act_on_each_help_request(world) -> None:
    tutor, ids = world
    assert {thing: await allowed(tutor, ids, own_request, thing) for thing in REQUESTS} == REQUESTS


async def test_who_may_manage_each_class(world) -> None:
    tutor, ids = world
    assert {thing: await allowed(tutor, ids, own_class, thing) for thing in CLASSES} == CLASSES


@pytest.mark.parametrize("check", [own_learner, own_request, own_class])
async def test_ids_that_are_not_ids_find_nothing(world, check) -> None:
    tutor, ids = world
    async with tutor.db.transaction() as repo:
        user = await repo.user(ids["org-all"])
        assert user is not None
        turn = Turn(tutor=tutor, repo=repo, user=user, now=NOW)
        for raw in ("", "abc", "-1", "1.5", "99999", " 1"):
            assert await check(turn, raw) is None, raw


async def test_an_organizers_scope_is_their_subtree_and_nobody_elses(world) -> None:
    tutor, ids = world
    async with tutor.db.transaction() as repo:

        async def turn(name: str) -> Turn:
            user = await repo.user(ids[name])
            assert user is not None
            return Turn(tutor=tutor, repo=repo, user=user, now=NOW)

        assert sorted(await organizer_scope(await turn("org-hn")) or []) == ["hn", "hn-a", "hn-b"]
        assert await organizer_scope(await turn("org-a")) == ["hn-a"]
        assert await organizer_scope(await turn("org-all")) is None  # everything
        assert await organizer_scope(await turn("vol-a")) is None  # a volunteer has no unit scope
        assert await organizer_covers(await turn("org-a"), "hn-a")
        assert not await organizer_covers(await turn("org-a"), "hn-b")
        assert not await organizer_covers(await turn("org-a"), None)
        assert await organizer_covers(await turn("org-all"), None)
        assert not await organizer_covers(await turn("vol-a"), "hn-a")

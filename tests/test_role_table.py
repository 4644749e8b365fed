"""Roles, checked on the server for everything the registry answers (`bot.app.build_router()`).

The table below says who may use each command, action, deep link and raw button. It is written out
here, not read from the registry, so that widening a role in the code fails this test; and the
registry must match it entry for entry, so a new command cannot escape: it fails until someone
decides, here, who may use it. Then every entry is tried by every role that must not use it —
typed, pressed on a screen stored before a demotion, opened by link, sent as raw callback data —
and its handler must never run; the same attempt by an allowed role does reach it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlalchemy.orm.attributes import flag_modified

from bot.core.engine import Tutor
from bot.core.events import Actor, Choice, Command, Event, Start, Text
from bot.core.router import Route
from tests.conftest import make_tutor

FIXED_NOW = datetime(2026, 11, 4, 3, 0)  # naive UTC, as stored: no test reads the wall clock

ANYONE, VOLUNTEER, ORGANIZER = "anyone", "volunteer", "organizer"
ALLOWED = {
    ANYONE: {"learner", "volunteer", "organizer"},
    VOLUNTEER: {"volunteer", "organizer"},
    ORGANIZER: {"organizer"},
}
ROLE_TABLE: dict[str, dict[str, str]] = {
    "commands": {
        **dict.fromkeys(
            [
                "giupdo", "help", "trogiup", "menu", "baihoc", "tiendo", "hoc", "tamdung",
                "tieptucnhac", "nhaclai", "chamlai", "binhthuong", "quaylai", "ma", "vaolop",
                "thamgia", "xoadulieu", "id", "chungnhan",
            ],
            ANYONE,
        ),
        **dict.fromkeys(
            [
                "yeucau", "traloi", "xong", "taolop", "lop", "giaobai", "tnvmenu", "hocvien", "xemtruoc",
                "web", "doihinh", "buoihoc", "hotro", "hoantac", "raquan", "taoraquan",
            ],
            VOLUNTEER,
        ),
        **dict.fromkeys(
            [
                "canbo", "moi", "tnv", "chuyen", "thongke", "baocao", "loimoi", "thuhoi", "bantin",
                "taodoihinh", "themdoihinh",
            ],
            ORGANIZER,
        ),
    },
    "actions": {
        **dict.fromkeys(
            [
                "help", "menu", "lessons", "track", "progress", "continue", "open", "pause", "resume",
                "next", "notyet", "showagain", "skip", "done", "opt", "repeat", "slow", "normal",
                "back", "recheck", "erase", "invite-accept", "invite-decline", "cert-offer",
                "cert-name", "input-cert-name", "cert-make", "certificates", "cert-send",
            ],
            ANYONE,
        ),
        **dict.fromkeys(
            [
                "requests", "input-help-answer", "class-new", "input-class-name", "input-class-place",
                "class-place-skip", "input-class-time", "class-time-skip", "classes", "class",
                "assign", "assign-pick", "assign-to", "assign-track", "assign-lesson", "vmenu",
                "learners", "answer", "answer-cancel", "answer-edit", "answer-send", "class-rotate",
                "class-time-keep", "class-time-retype", "request", "resolve",
                # the campaign's field work: teams (read), sessions, attendance, support, outreach days
                "teams", "team", "team-qr", "team-move", "team-stay", "sessions", "sessions-class",
                "session-plan", "input-session-time", "input-session-place", "session-place-skip",
                "session-start", "session", "session-qr", "session-end", "roster", "tick",
                "walkin-add", "walkin-set", "input-walk-ins", "support-new", "support-kind",
                "support-count", "input-support-count", "support-place", "support-undo",
                "support-learner", "support-learner-set", "events", "event", "event-qr",
                "event-checkin", "event-new", "event-kind", "event-date", "input-event-date",
                "input-event-place", "event-place-skip", "event-unit", "input-event-unit",
                "event-team", "event-partner", "event-create", "partners", "partner-toggle",
            ],
            VOLUNTEER,
        ),
        **dict.fromkeys(
            [
                "omenu", "invite", "volunteers", "stats", "report", "invites", "invite-revoke",
                "digest", "digest-off", "digest-on", "team-new", "input-team-name", "team-unit",
                "input-team-unit", "team-lead-pick", "team-leader", "team-add", "team-add-to",
            ],
            ORGANIZER,
        ),
    },
    # t- (a team's invitation), s- (a session's check-in) and r- (an outreach day's check-in) are
    # opened by whoever scans them; their handlers decide (tests/test_campaign_access.py).
    "links": {"l-": ANYONE, "c-": ANYONE, "v-": ANYONE, "t-": ANYONE, "s-": ANYONE, "r-": ANYONE},
    "buttons": {"h": VOLUNTEER, "l": ANYONE},
}  # fmt: skip
KINDS = tuple(ROLE_TABLE)
PEOPLE = {"learner": "hv-1", "volunteer": "tnv-1", "organizer": "cb-1"}
SCREEN_SEQ = 41


def entries() -> list[tuple[str, str, str]]:
    return [(kind, name, who) for kind in KINDS for name, who in ROLE_TABLE[kind].items()]


def test_the_role_table_names_every_route_with_its_roles() -> None:
    from bot.app import build_router

    router = build_router()
    registered = {
        (kind, name): set(route.roles) for kind in KINDS for name, route in getattr(router, kind).items()
    }
    expected = {(kind, name): ALLOWED[who] for kind, name, who in entries()}
    missing = sorted(set(registered) - set(expected))
    assert not missing, f"routes with no line in ROLE_TABLE (decide who may use them): {missing}"
    assert sorted(set(expected) - set(registered)) == []
    wrong = {key: sorted(roles) for key, roles in registered.items() if roles != expected[key]}
    assert wrong == {}, "roles differ from ROLE_TABLE"


class Spy:
    """Stands in for a route's handler: records that it was reached, does nothing."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []  # (kind:name, who)

    def handler(self, key: str):
        async def reached(turn, arg: str) -> None:
            self.calls.append((key, turn.user.role))

        return reached


@pytest.fixture
async def spied(sqlite_url: str) -> AsyncIterator[tuple[Tutor, Spy]]:
    tutor = await make_tutor(sqlite_url)
    spy = Spy()
    for kind in KINDS:
        routes = getattr(tutor.router, kind)
        for name, route in list(routes.items()):
            routes[name] = Route(spy.handler(f"{kind}:{name}"), route.roles)
    async with tutor.db.transaction() as repo:
        await repo.upsert_unit("x", "Xã X", None, "xa")
        for role, external in PEOPLE.items():
            await repo.grant("console", external, role, "x", FIXED_NOW)
    yield tutor, spy
    await tutor.db.close()


async def attempt(tutor: Tutor, role: str, kind: str, name: str) -> list[str]:
    """Try one entry as `role` the way a person could reach it; the texts that came back."""
    actor = Actor("console", PEOPLE[role], role)
    event: Event
    if kind == "commands":
        event = Command(name, "1")
    elif kind == "links":
        event = Start(f"{name}abc123")
    elif kind == "buttons":
        event = Choice(f"{name}.r1")
    else:
        # An action is reached from a screen the person was shown, e.g. before their role was
        # taken away, or (input-…) by typing while such a screen waits for text.
        async with tutor.db.transaction() as repo:
            user = await repo.user_by_external("console", PEOPLE[role])
            assert user is not None
            if name.startswith("input-"):
                user.state = {"welcomed": True, "awaiting": name.removeprefix("input-")}
                event = Text("Lớp buổi sáng")
            else:
                user.state = {
                    "welcomed": True,
                    "seq": SCREEN_SEQ,
                    "choices": [["Thử", f"{name}:1", False]],
                    "screen": "x",
                }
                event = Choice(f"{SCREEN_SEQ}.0")
            flag_modified(user, "state")
    return [d.reply.text for d in await tutor.handle(actor, event)]


@pytest.mark.parametrize("role", ["learner", "volunteer"])
async def test_no_role_reaches_what_is_not_theirs(spied: tuple[Tutor, Spy], role: str) -> None:
    tutor, spy = spied
    tried = []
    for kind, name, who in entries():
        if role in ALLOWED[who]:
            continue
        texts = await attempt(tutor, role, kind, name)
        tried.append(f"{kind}:{name}")
        assert not any("trục trặc" in t for t in texts), (kind, name, texts)  # refused, not crashed
        if kind != "actions" or not name.startswith("input-"):
            assert any(t.startswith("Cháu chưa biết lệnh này.") for t in texts), (kind, name, texts)
    reached = [key for key, _who in spy.calls]
    assert reached == [], f"a {role} reached: {reached}"
    # Everything one step up the ladder was tried: a learner tries every volunteer and organizer
    # entry, a volunteer every organizer entry.
    assert len(tried) == sum(1 for _k, _n, who in entries() if role not in ALLOWED[who]) > 0


async def test_the_same_attempts_reach_the_handler_for_allowed_roles(spied: tuple[Tutor, Spy]) -> None:
    """The attempts above are real ways in: by the least role allowed, each reaches its handler."""
    tutor, spy = spied
    for kind, name, who in entries():
        least = {"anyone": "learner", "volunteer": "volunteer", "organizer": "organizer"}[who]
        before = len(spy.calls)
        await attempt(tutor, least, kind, name)
        assert spy.calls[before:] == [(f"{kind}:{name}", least)], (kind, name, spy.calls[before:])

"""Property-based fuzzing: random Unicode, huge texts, random commands and callback data, media, in
random order, for learners, volunteers and organizers. Every event gets a reply, no exception
escapes (the error reply never appears), messages stay short, and the stored state stays consistent.

HOCVUSO_FUZZ_EXAMPLES sets the number of examples (default 2000: the CI runs them all).
"""

from __future__ import annotations

import itertools
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.clock import utcnow
from bot.core.engine import Tutor
from bot.core.events import Actor, Choice, Command, Event, Media, Start, Text
from bot.core.router import Router
from bot.store.models import Outbox, Progress, User

EXAMPLES = int(os.environ.get("HOCVUSO_FUZZ_EXAMPLES", "2000"))
_ids = itertools.count()


def _commands() -> list[str]:
    from bot.app import build_router

    router: Router = build_router()
    return sorted(router.commands)


WORDS = [
    "1",
    "2",
    "3",
    "9",
    "0",
    "tiep tuc",
    "Tiếp tục",
    "xong",
    "chua lam duoc",
    "nhắc lại",
    "quay lai",
    "giup",
    "menu",
    "co",
    "khong",
    "bo qua",
    "tam dung",
    "tiếp tục nhắc",
    "AB12CD",
    "hủy",
    "25/11 8:00",
]
texts = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=200),
    st.integers(min_value=1001, max_value=12_000).map(lambda n: ("Bác ơi " * n)[:n]),
    st.from_regex(r"\d{4,12}", fullmatch=True),
)
callback = st.one_of(
    st.from_regex(r"\d{1,3}\.\d{1,2}", fullmatch=True),
    st.sampled_from(["h.r1", "h.d1", "h.x", "l.thu-nghiem", "l.nope", "recheck:1.1", "", "."]),
    st.text(max_size=80),
)
events: st.SearchStrategy[Event] = st.one_of(
    st.builds(Text, texts),
    st.builds(Choice, callback),
    st.builds(
        Command,
        st.sampled_from(_commands()) | st.from_regex(r"[a-z_]{1,12}", fullmatch=True),
        st.text(max_size=60),
    ),
    st.builds(
        Media,
        st.sampled_from(
            ["sticker", "photo", "voice", "video", "document", "location", "contact", "unsupported"]
        ),
    ),
    st.builds(
        Start,
        st.none()
        | st.sampled_from(["l-thu-nghiem", "l-bai-hai", "l-nope", "c-nope", "v-nope"])
        | st.text(max_size=64),
    ),
)
ROLES = ["learner", "learner", "volunteer", "organizer"]
steps = st.lists(st.tuples(st.sampled_from(range(len(ROLES))), events), min_size=1, max_size=10)


async def check_consistent(tutor: Tutor, user_ids: list[int]) -> None:
    async with tutor.db.reader() as repo:
        users = (await repo.session.execute(select(User).where(User.id.in_(user_ids)))).scalars().all()
        for user in users:
            state = user.state or {}
            assert isinstance(state.get("seq", 0), int)
            for choice in state.get("choices", []):
                label, action, nav = choice
                assert isinstance(label, str) and isinstance(action, str) and isinstance(nav, bool)
                assert len(label) <= 64
            if user.lesson_id:
                lesson = tutor.catalog.lesson(user.lesson_id)
                row = await repo.session.get(Progress, (user.id, user.lesson_id))
                assert lesson is not None and row is not None and row.status == "in_progress"
                assert lesson.steps[row.step_index].id == row.step_id
        pending = (
            (await repo.session.execute(select(Outbox.payload).where(Outbox.user_id.in_(user_ids))))
            .scalars()
            .all()
        )
        assert all(p.get("text") for p in pending)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(script=steps)
async def test_random_events_always_get_a_reply(sqlite_tutor: Tutor, script: list[tuple[int, Event]]) -> None:
    tutor = sqlite_tutor
    run = next(_ids)
    actors = [Actor("console", f"fuzz-{run}-{i}", f"Người {i}") for i in range(len(ROLES))]
    async with tutor.db.transaction() as repo:
        if await repo.unit("fuzz") is None:
            await repo.upsert_unit("fuzz", "Xã Fuzz", None, "xa")
        for actor, role in zip(actors, ROLES, strict=True):
            if role != "learner":
                await repo.grant(actor.channel, actor.external_id, role, "fuzz", utcnow())
    error = tutor.words("error")
    for who, event in script:
        deliveries = await tutor.handle(actors[who], event)
        mine = [d.reply for d in deliveries if d.external_id == actors[who].external_id]
        assert mine, f"no reply to {event!r}"
        for delivery in deliveries:
            assert delivery.reply.text != error, f"{event!r} raised inside the tutor"
            if delivery.reply.sender != "volunteer":
                assert len(delivery.reply.text) <= 500, delivery.reply.text
    async with tutor.db.reader() as repo:
        ids = [u.id for a in actors if (u := await repo.user_by_external(a.channel, a.external_id))]
    await check_consistent(tutor, ids)

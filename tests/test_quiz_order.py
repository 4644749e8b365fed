"""Quiz options come in an order shuffled per learner (so tapping «1» every time measures nothing),
stable for that learner, and answers are kept by the option itself, not its place on screen."""

from __future__ import annotations

from bot.core.events import Actor
from bot.reports import build_tables, report_scope
from tests.support.dialog import Chat

QUIZ = "❓ Có nên đưa mã OTP cho người lạ không?"


async def to_quiz(chat: Chat) -> list[str]:
    """Open the test lesson, go to its quiz, and return the options as this learner sees them."""
    await chat.say("/start l-thu-nghiem")
    replies = await chat.say("tiep tuc")
    assert QUIZ in replies[-1].text
    return [b.label for b in chat.last_buttons[:3]]


async def test_learners_see_different_orders_each_stable_for_them(tutor) -> None:
    learners = [Chat(tutor, Actor("console", f"hv-{n}", f"Học viên {n}")) for n in range(8)]
    orders = [await to_quiz(chat) for chat in learners]
    assert all(sorted(order) == sorted(orders[0]) for order in orders)
    assert len({tuple(order) for order in orders}) >= 2  # not everyone sees the file's order
    assert {order.index("Không") for order in orders} != {0}  # the right one is not always first
    for chat, order in zip(learners, orders, strict=True):
        await chat.say("nhac lai")  # «Nhắc lại» shows the same order
        assert [b.label for b in chat.last_buttons[:3]] == order
        wrong = next(i for i, label in enumerate(order) if label == "Có")
        await chat.say(str(wrong + 1))  # a wrong first answer: the second try keeps the order
        assert [b.label for b in chat.last_buttons[:3]] == order


async def test_tapping_1_scores_by_the_option_tapped_not_by_position(tutor, clock) -> None:
    """Two learners both tap the first button: the one whose first button is «Không» is right, the
    other is not; the stored answers and the report count the option itself."""
    first_right = first_wrong = None
    n = 0
    while first_right is None or first_wrong is None:
        chat = Chat(tutor, Actor("console", f"hv-{n}", f"Học viên {n}"))
        order = await to_quiz(chat)
        n += 1
        if order[0] == "Không" and first_right is None:
            first_right = chat
        elif order[0] != "Không" and first_wrong is None:
            first_wrong = chat
        assert n < 40, "the order never varied"
    right = await first_right.say("1")
    wrong = await first_wrong.say("1")
    assert right[0].text.startswith("✅ Đúng rồi!")
    assert wrong[0].text.startswith("❌ Chưa đúng.")
    async with tutor.db.reader() as repo:
        scope = await report_scope(repo, None, clock.now)
        (steps,) = await build_tables(repo, tutor.catalog, tutor.settings, scope, ["step"])
    quiz_row = next(r for r in steps.rows if r[3] == "cau-hoi")
    # First-try correct on the quiz: exactly one of the two learners who answered it.
    answered = 2
    assert quiz_row[-1] == 1 / answered


async def test_the_order_shown_is_the_learners_order_for_that_quiz(tutor) -> None:
    """The screen shows the order `option_order` gives this learner for this lesson and step — the
    one the spaced re-checks show again — as main buttons (one per row), not navigation."""
    from bot.features.learning.steps.quiz import option_order

    chat = Chat(tutor)
    labels = await to_quiz(chat)
    async with tutor.db.reader() as repo:
        user = await repo.user_by_external("console", "learner-1")
    assert user is not None
    options = tutor.catalog.lesson("thu-nghiem").steps[1].quiz.options
    order = option_order(user.id, "thu-nghiem", "cau-hoi", len(options))
    assert labels == [options[i].text for i in order]
    assert order != option_order(user.id, "thu-nghiem", "khac", len(options)) or order != option_order(
        user.id, "bai-khac", "cau-hoi", len(options)
    )  # the quiz's names are in the seed
    assert [b.nav for b in chat.last_buttons[:3]] == [False, False, False]


async def test_an_option_that_is_no_longer_there_changes_nothing(tutor) -> None:
    """A screen stored before the lesson lost an option (or a forged one) may name an option that
    does not exist: no answer is recorded and nothing breaks."""
    from sqlalchemy import select
    from sqlalchemy.orm.attributes import flag_modified

    from bot.core.events import Choice
    from bot.store.models import StepEvent

    chat = Chat(tutor)
    await to_quiz(chat)
    for action in ("opt:9", "opt:0", "opt:abc", "opt:"):
        async with tutor.db.transaction() as repo:
            user = await repo.user_by_external("console", "learner-1")
            assert user is not None
            user.state = {**user.state, "seq": 90, "choices": [["Cũ", action, False]]}
            flag_modified(user, "state")
        replies = await chat.send(Choice("90.0"))
        assert replies and not any("trục trặc" in r.text for r in replies), action
    async with tutor.db.reader() as repo:
        kinds = (
            (await repo.session.execute(select(StepEvent.kind).where(StepEvent.step_id == "cau-hoi")))
            .scalars()
            .all()
        )
    assert "answer" not in kinds

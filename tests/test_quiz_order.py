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

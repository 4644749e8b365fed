"""/giaobai: assign a lesson to a class or to one learner; they are told, and it comes first in
their menu. The target is untrusted input, re-checked against the user's own classes and learners."""

from __future__ import annotations

from bot.core.people import display
from bot.core.replies import Button, Reply
from bot.core.router import VOLUNTEER, Router
from bot.core.scope import organizer_covers
from bot.core.screens import show_screen
from bot.core.turn import ChoiceSpec, Turn
from bot.core.words import class_title
from bot.features.classes.texts import CANCEL, T
from bot.features.classes.views import own_class
from bot.store.models import Assignment, User
from bot.text import as_id, short_label

router = Router()


@router.command("giaobai", roles=VOLUNTEER, menu="Giao bài cho lớp hoặc học viên")
async def assign_command(turn: Turn, arg: str) -> None:
    parts = arg.split()
    if not parts:
        await assign_start(turn, "")
        return
    lesson = turn.catalog.lesson(parts[0])
    target = parts[1] if len(parts) > 1 else ""
    if lesson is None or not target:
        turn.say(T["usage_assign"])
        return
    if target.startswith("#") and as_id(target[1:]) is not None:
        key = f"u{target[1:]}"
    else:
        klass = await turn.repo.class_by_code(target.upper())
        key = f"c{klass.id}" if klass else ""
    await _assign(turn, key, lesson.id)


@router.action("assign", roles=VOLUNTEER)
async def assign_start(turn: Turn, _arg: str) -> None:
    classes = await turn.repo.classes_of(turn.user.id)
    choices: list[ChoiceSpec] = [
        (
            short_label(T["class_choice"].format(title=class_title(klass.name), count=count)),
            f"assign-to:c{klass.id}",
            False,
        )
        for klass, count in classes[:6]
    ]
    choices += [("👤 Một học viên", "assign-pick", False), CANCEL]
    turn.show("assign", T["assign_to"], choices)


@router.action("assign-pick", roles=VOLUNTEER)
async def assign_pick_learner(turn: Turn, _arg: str) -> None:
    learners = await turn.repo.learners_of(turn.user.id, limit=8)
    if not learners:
        await show_screen(turn, "vmenu", T["no_learners"])
        return
    choices: list[ChoiceSpec] = [
        (short_label(f"👤 {display(u)}"), f"assign-to:u{u.id}", False) for u, _, _ in learners
    ]
    choices.append(CANCEL)
    turn.show("assign-learner", T["assign_learner"], choices)


@router.action("assign-to", roles=VOLUNTEER)
async def assign_target(turn: Turn, target: str) -> None:
    if await _target_learners(turn, target) is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    turn.set_state("assign_target", target)
    choices: list[ChoiceSpec] = [
        (track.title, f"assign-track:{track.id}", False)
        for track in turn.catalog.tracks
        if turn.catalog.in_track(track.id)
    ]
    choices.append(CANCEL)
    turn.show("assign-track", T["assign_track"], choices)


@router.action("assign-track", roles=VOLUNTEER)
async def assign_track(turn: Turn, track_id: str) -> None:
    lessons = turn.catalog.in_track(track_id)
    choices: list[ChoiceSpec] = [
        (short_label(lesson.title), f"assign-lesson:{lesson.id}", False) for lesson in lessons[:10]
    ]
    choices.append(CANCEL)
    turn.show("assign-lesson", T["assign_lesson"], choices)


@router.action("assign-lesson", roles=VOLUNTEER)
async def assign_lesson(turn: Turn, lesson_id: str) -> None:
    await _assign(turn, str(turn.state.get("assign_target") or ""), lesson_id)


async def _target_learners(turn: Turn, target: str) -> tuple[str, list[User]] | None:
    """('lớp «X»' or the learner's name, the learners) if the user may assign to this target."""
    kind, ident = target[:1], target[1:]
    if kind == "c":
        klass = await own_class(turn, ident)
        if klass is None:
            return None
        return f"lớp «{klass.name}»", await turn.repo.enrolled(klass.id)
    if kind == "u":
        learner = await own_learner(turn, ident)
        return (display(learner), [learner]) if learner else None
    return None


async def own_learner(turn: Turn, learner_id: str) -> User | None:
    """A learner the user tutors (paired), or — for organizers — one inside their scope."""
    number = as_id(learner_id)
    if number is None:
        return None
    learner = await turn.repo.user(number)
    if learner is None or learner.deleted_at is not None:
        return None
    paired = await turn.repo.paired_volunteer(learner.id)
    if paired is not None and paired.id == turn.user.id:
        return learner
    if await organizer_covers(turn, learner.unit_id):
        return learner
    return None


async def _assign(turn: Turn, target: str, lesson_id: str) -> None:
    lesson = turn.catalog.lesson(lesson_id)
    found = await _target_learners(turn, target)
    turn.set_state("assign_target", None)
    if lesson is None or found is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    label, learners = found
    kind, ident = target[:1], int(target[1:])
    turn.repo.add(
        Assignment(
            lesson_id=lesson.id,
            learner_id=ident if kind == "u" else None,
            class_id=ident if kind == "c" else None,
            assigned_by=turn.user.id,
            created_at=turn.now,
        )
    )
    note = T["assigned_learner"].format(
        volunteer=display(turn.user), title=lesson.title, b=turn.tutor.words.address
    )
    for learner in learners:
        turn.notify(learner, Reply(note, buttons=(Button("▶️ Học ngay", f"l.{lesson.id}"),)))
    done = T["assigned"].format(title=lesson.title, target=label)
    if lesson.requires:
        # An assignment waives the prerequisite for the learners it names (bot.features.learning):
        # the volunteer, who knows them, is told what they skip.
        required = turn.catalog.lesson(lesson.requires[0])
        done += T["assigned_waived"].format(required=required.title if required else lesson.requires[0])
    await show_screen(turn, "vmenu", done)

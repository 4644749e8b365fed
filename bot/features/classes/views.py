"""A volunteer's classes: the list, one class with its join link, QR code and typed code.

Every handler re-checks on the server that the user may see the class named in its (untrusted)
argument: their own, or — for organizers — one inside their unit's subtree.
"""

from __future__ import annotations

from bot.core import codes
from bot.core.router import VOLUNTEER, Router
from bot.core.scope import organizer_covers
from bot.core.screens import show_screen
from bot.core.timefmt import local_text
from bot.core.turn import ChoiceSpec, Turn
from bot.features.classes.texts import OTHER_TASKS, T
from bot.store.models import Class
from bot.text import as_id, short_label

router = Router()


def details(klass: Class) -> str:
    parts = [p for p in (klass.place, local_text(klass.starts_at)) if p]
    return f" ({', '.join(parts)})" if parts else ""


def join_link(turn: Turn, klass: Class) -> str | None:
    base = turn.tutor.link_base
    return f"{base}c-{klass.code}" if base else None


async def own_class(turn: Turn, class_id: str) -> Class | None:
    """A class the user may manage: their own, or (organizers) one inside their scope."""
    number = as_id(class_id)
    if number is None:
        return None
    klass = await turn.repo.class_(number)
    if klass is None:
        return None
    if klass.volunteer_id == turn.user.id:
        return klass
    if await organizer_covers(turn, klass.unit_id):
        return klass
    return None


def class_actions(klass: Class) -> list[ChoiceSpec]:
    return [("📌 Giao bài cho lớp này", f"assign-to:c{klass.id}", False), OTHER_TASKS]


@router.command("lop", roles=VOLUNTEER)
@router.action("classes", roles=VOLUNTEER)
async def my_classes(turn: Turn, _arg: str) -> None:
    classes = await turn.repo.classes_of(turn.user.id)
    if not classes:
        turn.show("classes", T["no_classes"], [("➕ Tạo lớp", "class-new", False), OTHER_TASKS])
        return
    choices: list[ChoiceSpec] = [
        (short_label(f"🏫 {klass.name} ({count} học viên)"), f"class:{klass.id}", False)
        for klass, count in classes[:8]
    ]
    choices.append(OTHER_TASKS)
    turn.show("classes", T["classes"], choices)


@router.action("class", roles=VOLUNTEER)
async def class_detail(turn: Turn, class_id: str) -> None:
    klass = await own_class(turn, class_id)
    if klass is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    count = len(await turn.repo.enrolled(klass.id))
    link = join_link(turn, klass)
    turn.show(
        f"class:{klass.id}",
        T["class"].format(
            name=klass.name,
            details=details(klass),
            count=count,
            code=klass.short_code,
            link=f"\nLink: {link}" if link else "",
        ),
        class_actions(klass),
        image_bytes=codes.qr_png(link or klass.short_code),
    )

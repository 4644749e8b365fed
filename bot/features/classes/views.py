"""A volunteer's classes: the list, one class with its join link, QR code and typed code.

Every handler re-checks on the server that the user may see the class named in its (untrusted)
argument: their own, or — for organizers — one inside their unit's subtree.
"""

from __future__ import annotations

from bot.core import codes
from bot.core.replies import Reply
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


def how_to_join(turn: Turn, klass: Class) -> str:
    link = join_link(turn, klass)
    return (
        T["join_link"].format(link=link, code=klass.short_code)
        if link
        else T["join_code"].format(code=klass.short_code)
    )


def class_card(turn: Turn, klass: Class, text: str) -> Reply:
    """`text` with the class's QR code (of its join link, else of its typed code)."""
    return Reply(
        text,
        image_bytes=codes.qr_png(join_link(turn, klass) or klass.short_code),
        image_name=f"qr-lop-{klass.short_code}.png",
    )


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
    return [
        ("📌 Giao bài cho lớp này", f"assign-to:c{klass.id}", False),
        ("🔄 Đổi mã lớp", f"class-rotate:{klass.id}", False),
        OTHER_TASKS,
    ]


@router.command("lop", roles=VOLUNTEER, menu="Lớp của tôi")
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
    await show_class(turn, klass)


async def show_class(turn: Turn, klass: Class, intro: str | None = None) -> None:
    count = len(await turn.repo.enrolled(klass.id))
    text = T["class"].format(
        name=klass.name, details=details(klass), count=count, how=how_to_join(turn, klass)
    )
    card = class_card(turn, klass, f"{intro}\n\n{text}" if intro else text)
    turn.show(
        f"class:{klass.id}",
        card.text,
        class_actions(klass),
        image_bytes=card.image_bytes,
        image_name=card.image_name,
    )


@router.action("class-rotate", roles=VOLUNTEER)
async def rotate_code(turn: Turn, class_id: str) -> None:
    """New link and typed codes for a class whose code went too far (a poster, a group chat):
    the old ones stop working; learners already in the class stay."""
    klass = await own_class(turn, class_id)
    if klass is None:
        await show_screen(turn, "vmenu", T["not_found"])
        return
    klass.code = codes.link_code()
    klass.short_code = await codes.free_short_code(turn.repo)
    await show_class(turn, klass, T["rotated"].format(name=klass.name))

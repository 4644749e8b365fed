"""«🤝 Đơn vị phối hợp» on a class (`partners:c12`) or an outreach day (`partners:e5`): the configured
partner organizations, ticked on or off. The target is untrusted: only who runs the class (its
volunteer), or the outreach day (its creator, its team's leader), or an organizer of its unit's
subtree may change it. «Xong» goes back to the screen it came from (an action of its feature)."""

from __future__ import annotations

from sqlalchemy import delete, select

from bot.core.router import VOLUNTEER, Router
from bot.core.scope import manages_class, manages_event
from bot.core.screens import show_screen
from bot.core.turn import ChoiceSpec, Turn
from bot.core.words import class_title
from bot.store.models import ClassPartner, EventPartner, OutreachEvent
from bot.text import as_id, short_label

router = Router()

PICK = "🤝 Tổ chức nào phối hợp với {what}? Bấm để chọn (bấm lại để bỏ)."
NOT_FOUND = "Không tìm thấy, hoặc bạn không phụ trách việc này."


async def _target(turn: Turn, target: str) -> tuple[str, int, str] | None:
    """(kind, id, what it is in words) of a class or event the user may change."""
    kind, number = target[:1], as_id(target[1:])
    if number is None:
        return None
    if kind == "c":
        klass = await turn.repo.class_(number)
        if klass is not None and await manages_class(turn, klass):
            return "c", klass.id, class_title(klass.name)
    elif kind == "e":
        event = await turn.repo.session.get(OutreachEvent, number)
        if event is not None and await manages_event(turn, event):
            return "e", event.id, "hoạt động này"
    return None


async def _chosen(turn: Turn, kind: str, ident: int) -> set[str]:
    if kind == "c":
        query = select(ClassPartner.partner).where(ClassPartner.class_id == ident)
    else:
        query = select(EventPartner.partner).where(EventPartner.event_id == ident)
    return set((await turn.repo.session.execute(query)).scalars())


@router.action("partners", roles=VOLUNTEER)
async def show_partners(turn: Turn, target: str) -> None:
    found = await _target(turn, target)
    if found is None:
        await show_screen(turn, "vmenu", NOT_FOUND)
        return
    kind, ident, what = found
    chosen = await _chosen(turn, kind, ident)
    choices: list[ChoiceSpec] = [
        (
            short_label(f"{'✅' if p.id in chosen else '⬜'} {p.name}"),
            f"partner-toggle:{kind}{ident}.{p.id}",
            False,
        )
        for p in turn.tutor.settings.campaign.partners[:8]
    ]
    back = f"sessions-class:{ident}" if kind == "c" else f"event:{ident}"
    turn.show(f"partners:{kind}{ident}", PICK.format(what=what), [*choices, ("✔️ Xong", back, True)])


@router.action("partner-toggle", roles=VOLUNTEER)
async def toggle(turn: Turn, arg: str) -> None:
    target, _, partner = arg.partition(".")
    found = await _target(turn, target)
    if found is None or partner not in {p.id for p in turn.tutor.settings.campaign.partners}:
        await show_screen(turn, "vmenu", NOT_FOUND)
        return
    kind, ident, _what = found
    model, key = (
        (ClassPartner, ClassPartner.class_id) if kind == "c" else (EventPartner, EventPartner.event_id)
    )
    if partner in await _chosen(turn, kind, ident):
        await turn.repo.session.execute(delete(model).where(key == ident, model.partner == partner))
    elif kind == "c":
        turn.repo.add(ClassPartner(class_id=ident, partner=partner))
    else:
        turn.repo.add(EventPartner(event_id=ident, partner=partner))
    await turn.repo.flush()
    await show_partners(turn, target)

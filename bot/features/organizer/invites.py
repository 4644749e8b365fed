"""Invitations for volunteers: an organizer makes one (/moi), lists those that still work with their
uses left and expiry (/loimoi), and revokes one (/thuhoi, or its button). Accepting one is the
volunteers feature's business (bot.features.volunteers.invite)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core import codes
from bot.core.links import link_base
from bot.core.people import display
from bot.core.router import ORGANIZER, Router
from bot.core.scope import organizer_covers, organizer_scope
from bot.core.timefmt import local_text
from bot.core.turn import ChoiceSpec, Turn
from bot.features.organizer.routes import show_organizer_menu
from bot.store import Repository
from bot.store.models import Invite

router = Router()

INVITE_DAYS = 7
INVITE_USES = 20

T = {
    "invite": "✉️ Lời mời làm tình nguyện viên của {unit} (dùng được {uses} lần, hết hạn {expires}).\n{how}",
    # A link goes on a line of its own, with nothing glued to its end: some apps take a final
    # full stop as part of the address.
    "invite_link": "Gửi link này cho người được mời:\n{link}\nHoặc họ nhắn cho bot và gõ mã: {code}",
    "invite_code": "Người được mời nhắn cho bot và gõ mã: {code}",
    "invite_unit": "Bạn quản lý mọi đơn vị: gõ /moi <mã đơn vị>, ví dụ /moi {example}.",
    "unknown_unit": "Không có đơn vị «{unit}» trong phạm vi của bạn.",
    "invites": "📨 Lời mời còn dùng được ({count}):",
    "invite_line": "• {code} · {unit} · còn {left}/{uses} lượt · hết hạn {expires} · do {by} tạo",
    "no_invites": "Không có lời mời nào còn dùng được. Tạo lời mời mới bằng /moi.",
    "revoked": "🗑 Đã thu hồi lời mời {code} ({unit}). Mã và link của lời mời này không dùng được nữa.",
    "usage_revoke": "Cách dùng: /thuhoi <mã lời mời>, ví dụ /thuhoi AB12CD. Xem các mã: /loimoi",
    "not_found": "Không tìm thấy lời mời này trong phạm vi của bạn.",
}


@router.command("moi", roles=ORGANIZER, menu="Mời tình nguyện viên")
@router.action("invite", roles=ORGANIZER)
async def invite(turn: Turn, arg: str) -> None:
    unit_id = arg.strip() or turn.user.unit_id
    if not unit_id:
        units = await turn.repo.units()
        example = units[-1].id if units else "xa-an-phu"
        await show_organizer_menu(turn, intro=T["invite_unit"].format(example=example))
        return
    unit = await turn.repo.unit(unit_id)
    if unit is None or not await organizer_covers(turn, unit_id):
        await show_organizer_menu(turn, intro=T["unknown_unit"].format(unit=unit_id))
        return
    created = await make_invite(turn.repo, unit.id, turn.user.id, turn.now)
    base = await link_base(turn, unit.id)  # the bot that serves this unit
    link = f"{base}v-{created.code}" if base else None
    how = (
        T["invite_link"].format(link=link, code=codes.spaced(created.short_code))
        if link
        else T["invite_code"].format(code=codes.spaced(created.short_code))
    )
    turn.say(
        T["invite"].format(
            unit=unit.name, uses=created.max_uses, expires=local_text(created.expires_at), how=how
        ),
        image_bytes=codes.qr_png(link or created.short_code),
        image_name=f"qr-loi-moi-{created.short_code}.png",
    )
    await show_organizer_menu(turn)


async def make_invite(
    repo: Repository,
    unit_id: str,
    created_by: int | None,
    now: datetime,
    days: int = INVITE_DAYS,
    uses: int = INVITE_USES,
) -> Invite:
    """Shared by the chat command and `hocvuso invite`."""
    short = await codes.free_short_code(repo, codes.INVITE_LENGTH)  # long: hopeless to guess
    created = Invite(
        code=codes.link_code(),
        short_code=short,
        unit_id=unit_id,
        role="volunteer",
        expires_at=now + timedelta(days=days),
        max_uses=uses,
        uses=0,
        created_by=created_by,
        created_at=now,
    )
    repo.add(created)
    await repo.flush()
    return created


@router.command("loimoi", roles=ORGANIZER, menu="Các lời mời còn dùng được")
@router.action("invites", roles=ORGANIZER)
async def list_invites(turn: Turn, _arg: str, intro: str | None = None) -> None:
    invites = await turn.repo.invites_in(await organizer_scope(turn), turn.now)
    if not invites:
        await show_organizer_menu(turn, intro="\n\n".join(p for p in (intro, T["no_invites"]) if p))
        return
    lines = []
    for item in invites:
        unit = await turn.repo.unit(item.unit_id)
        maker = await turn.repo.user(item.created_by) if item.created_by else None
        lines.append(
            T["invite_line"].format(
                code=codes.spaced(item.short_code),
                unit=unit.name if unit else item.unit_id,
                left=item.max_uses - item.uses,
                uses=item.max_uses,
                expires=local_text(item.expires_at),
                by=display(maker) if maker else "quản trị viên",
            )
        )
    header = T["invites"].format(count=len(invites))
    text = "\n".join([*([intro, ""] if intro else []), header, *lines])
    if len(text) > 480:  # long lists: the lines as messages, the buttons on a short screen
        turn.say_lines(header, lines)
        text = intro or header
    choices: list[ChoiceSpec] = [
        (f"🗑 Thu hồi {codes.spaced(item.short_code)}", f"invite-revoke:{item.short_code}", False)
        for item in invites[:5]
    ]
    choices += [("✉️ Tạo lời mời mới", "invite", False), ("📋 Việc khác", "omenu", True)]
    turn.show("invites", text, choices)


@router.command("thuhoi", roles=ORGANIZER)
@router.action("invite-revoke", roles=ORGANIZER)
async def revoke_invite(turn: Turn, arg: str) -> None:
    code = codes.looks_like_code(arg)
    if code is None:
        turn.say(T["usage_revoke"])
        return
    item = await turn.repo.invite_by_code(code)
    if item is None or item.expires_at <= turn.now or not await organizer_covers(turn, item.unit_id):
        await list_invites(turn, "", intro=T["not_found"])
        return
    item.expires_at = turn.now  # an expired invitation opens nothing; the row stays for the record
    unit = await turn.repo.unit(item.unit_id)
    await list_invites(
        turn,
        "",
        intro=T["revoked"].format(
            code=codes.spaced(item.short_code), unit=unit.name if unit else item.unit_id
        ),
    )

"""Certificates: offered when a lesson completion completes a track (the learning feature emits
"lesson-completed"; this feature listens), issued once per learner and track after the learner
confirms or corrects the printed name, resent from /chungnhan.

Whether a track is complete is always re-checked on the server from the progress rows, so a
replayed or forged button cannot produce a certificate. The name a learner types is checked to be
letters only (never digits: no ID or OTP can ride on it) and becomes their display name too."""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import UTC, date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.core.codes import ALPHABET
from bot.core.router import Router
from bot.core.screens import show_menu
from bot.core.signals import LESSON_COMPLETED
from bot.core.turn import ChoiceSpec, Turn
from bot.features.certificates.picture import CertificateText, display_code, render
from bot.features.certificates.texts import T
from bot.store.models import Certificate
from bot.text import as_id, short_label

router = Router()

CODE_LENGTH = 10  # ~50 random bits: not guessable, short enough to read out
NAME = re.compile(r"[^\W\d_]+(?:[ .'-]+[^\W\d_]+)*\.?")


def clean_name(text: str) -> str | None:
    """A printable person's name (letters, spaces, . ' -; 2–60 characters), or None."""
    name = " ".join(unicodedata.normalize("NFC", text).split())
    return name if 2 <= len(name) <= 60 and NAME.fullmatch(name) else None


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


async def track_complete(turn: Turn, track_id: str) -> bool:
    lessons = turn.catalog.in_track(track_id)
    if not lessons:
        return False
    progress = await turn.repo.progress_map(turn.user.id)
    return all(
        (row := progress.get(lesson.id)) is not None
        and (row.status == "done" or row.completed_at is not None)
        for lesson in lessons
    )


async def certificate_for(turn: Turn, track_id: str) -> Certificate | None:
    found = await turn.repo.session.execute(
        select(Certificate).where(Certificate.user_id == turn.user.id, Certificate.track_id == track_id)
    )
    return found.scalar_one_or_none()


@router.on(LESSON_COMPLETED)
async def on_lesson_completed(turn: Turn, lesson_id: str) -> None:
    """The lesson completed its track: offer the certificate under the completion message."""
    lesson = turn.catalog.lesson(lesson_id)
    if lesson is None or not await track_complete(turn, lesson.track):
        return
    if await certificate_for(turn, lesson.track) is None:
        text, choices = offer(turn, lesson.track)
        turn.extend_screen(text, choices, screen=f"cert-offer:{lesson.track}")


def offer(turn: Turn, track_id: str) -> tuple[str, list[ChoiceSpec]]:
    """The offer: the name that will be printed, and the buttons to get it or correct the name."""
    b = turn.tutor.words.address
    track = turn.catalog.track(track_id)
    title = track.title if track else track_id
    name = turn.user.display_name and clean_name(turn.user.display_name)
    choices: list[ChoiceSpec] = [("🎓 Nhận giấy chứng nhận", f"cert-make:{track_id}", False)]
    if not name:
        return T["offer_no_name"].format(b=b, track=title), choices
    choices.append(("✏️ Sửa tên trên giấy", f"cert-name:{track_id}", False))
    return T["offer"].format(b=b, track=title, name=name), choices


@router.action("cert-offer")
async def offer_again(turn: Turn, track_id: str) -> None:
    if turn.catalog.track(track_id) is None or not await track_complete(turn, track_id):
        await show_menu(turn, intro=T["not_done"].format(b=turn.tutor.words.address))
        return
    text, choices = offer(turn, track_id)
    turn.show(f"cert-offer:{track_id}", text, [*choices, (turn.w("btn_menu"), "menu", True)])


@router.action("cert-name")
async def ask_name(turn: Turn, track_id: str) -> None:
    if turn.catalog.track(track_id) is None:
        await show_menu(turn)
        return
    turn.set_state("cert_track", track_id)
    turn.show(
        "cert-name", T["ask_name"].format(b=turn.tutor.words.address), [(turn.w("btn_menu"), "menu", True)]
    )
    turn.set_state("awaiting", "cert-name")


@router.action("input-cert-name")
async def typed_name(turn: Turn, text: str) -> None:
    name = clean_name(text)
    if name is None:
        turn.reprompt(T["bad_name"].format(b=turn.tutor.words.address))
        return
    turn.set_state("awaiting", None)
    track_id = str(turn.state.get("cert_track") or "")
    turn.set_state("cert_track", None)
    turn.user.display_name = name
    await offer_again(turn, track_id)


@router.action("cert-make")
async def make(turn: Turn, track_id: str) -> None:
    b = turn.tutor.words.address
    if turn.catalog.track(track_id) is None or not await track_complete(turn, track_id):
        await show_menu(turn, intro=T["not_done"].format(b=b))
        return
    certificate = await certificate_for(turn, track_id)
    name = turn.user.display_name and clean_name(turn.user.display_name)
    if certificate is None:
        if not name:
            await ask_name(turn, track_id)
            return
        code = new_code()
        while await turn.repo.certificate_by_code(code) is not None:
            code = new_code()
        certificate = Certificate(
            code=code,
            user_id=turn.user.id,
            track_id=track_id,
            track_title=turn.catalog.track(track_id).title,
            name=name,
            unit_id=turn.user.unit_id,
            issued_at=turn.now,
        )
        turn.repo.add(certificate)
        await turn.repo.flush()
    await send(turn, certificate)


def issued_on(turn: Turn, certificate: Certificate) -> date:
    """The local day a certificate was issued (what is printed on it)."""
    timezone = ZoneInfo(turn.tutor.settings.timezone)
    return certificate.issued_at.replace(tzinfo=UTC).astimezone(timezone).date()


async def send(turn: Turn, certificate: Certificate) -> None:
    settings = turn.tutor.settings
    unit = await turn.repo.unit(certificate.unit_id) if certificate.unit_id else None
    day = issued_on(turn, certificate)
    picture = render(
        CertificateText(
            campaign=settings.campaign.name,
            name=certificate.name or "",
            track=certificate.track_title,
            unit=unit.name if unit else None,
            day=day,
            code=certificate.code,
        )
    )
    b = turn.tutor.words.address
    text = T["issued"].format(
        b=b, track=certificate.track_title, day=day.strftime("%d/%m/%Y"), code=display_code(certificate.code)
    )
    if turn.user.channel == "zalo":
        text += T["zalo"].format(b=b)
    turn.say(text, image_bytes=picture, image_label="giấy chứng nhận")
    await show_menu(turn)


@router.command("chungnhan", menu="Giấy chứng nhận của tôi")
@router.action("certificates")
async def list_certificates(turn: Turn, _arg: str) -> None:
    b = turn.tutor.words.address
    rows = (
        await turn.repo.session.execute(
            select(Certificate).where(Certificate.user_id == turn.user.id).order_by(Certificate.issued_at)
        )
    ).scalars()
    mine = list(rows)
    choices: list[ChoiceSpec] = [
        (short_label(f"🎓 Gửi lại: {c.track_title}"), f"cert-send:{c.id}", False) for c in mine[:6]
    ]
    issued = {c.track_id for c in mine}
    for track in turn.catalog.tracks:  # finished before certificates existed, or not yet taken
        if track.id not in issued and await track_complete(turn, track.id):
            choices.append((short_label(f"🎓 Nhận giấy: {track.title}"), f"cert-offer:{track.id}", False))
    if not choices:
        await show_menu(turn, intro=T["none"].format(b=b))
        return
    lines = [
        T["line"].format(
            track=c.track_title, day=issued_on(turn, c).strftime("%d/%m/%Y"), code=display_code(c.code)
        )
        for c in mine
    ]
    if lines:
        turn.say_lines(T["list"].format(b=b), lines)
    turn.show("certificates", T["pick"], [*choices[:8], (turn.w("btn_menu"), "menu", True)])


@router.action("cert-send")
async def resend(turn: Turn, certificate_id: str) -> None:
    number = as_id(certificate_id)
    certificate = await turn.repo.session.get(Certificate, number) if number is not None else None
    if certificate is None or certificate.user_id != turn.user.id:
        await show_menu(turn, intro=T["not_found"])
        return
    await send(turn, certificate)

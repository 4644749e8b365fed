"""The Monday digest: every Monday from 08:00 (local time) each organizer gets a short message on the
past week in their scope — what was done, in the campaign's units — and which units are behind
their targets. /bantin (or the button under the digest) turns it off and on again.

Run by the scheduler on every tick: a digest goes out once per organizer and ISO week (remembered
in their row, under their row lock), any time on Monday after 08:00 — a bot that was down at 08:00
sends it when it comes back, never a stale one on Tuesday."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.router import ORGANIZER, Router
from bot.core.screens import show_screen
from bot.core.turn import ChoiceSpec, Turn
from bot.reports import build_tables, campaign_period, report_scope
from bot.store import Repository
from bot.store.campaign_stats import CampaignStats
from bot.store.models import User
from bot.store.stats import Window

router = Router()

HOUR = 8  # local time, Monday
MAX_BEHIND = 5  # units listed as behind their targets
SHORT = {
    "teams": "đội hình",
    "classes_held": "lớp đã tổ chức",
    "attendance": "lượt dự lớp",
    "people_supported": "người dân được hỗ trợ",
    "outreach_events": "ra quân",
    "volunteer_shifts": "lượt ĐVTN trực",
    "volunteers_trained": "lượt ĐVTN tập huấn",
    "certificates": "giấy chứng nhận",
}
T = {
    "head": "📰 Bản tin tuần {start}–{end} — {unit}",
    "week": (
        "Tuần qua: {sessions_held} buổi học ({attendance} lượt dự), {people_supported} lượt người dân "
        "được hỗ trợ ({center} tại trung tâm), {outreach_events} ra quân, {volunteer_shifts} lượt ĐVTN "
        "trực, {volunteers_trained} lượt ĐVTN tập huấn, {certificates} giấy chứng nhận."
    ),
    "behind": "⚠️ Chậm so với chỉ tiêu{pace}:",
    "pace": " (chiến dịch đã qua {percent}% thời gian)",
    "on_track": "✅ Các đơn vị có chỉ tiêu đều đúng tiến độ.",
    "settings_on": "🔔 Bản tin thứ Hai (8:00) đang bật: mỗi tuần một tin ngắn về phạm vi của bạn.",
    "settings_off": "🔕 Bản tin thứ Hai đang tắt.",
    "turned_off": "🔕 Đã tắt bản tin thứ Hai. Muốn nhận lại, gõ /bantin.",
    "turned_on": "🔔 Đã bật bản tin thứ Hai: 8:00 mỗi thứ Hai.",
}


def _local(now: datetime, timezone: str) -> datetime:
    return now.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))


def _utc(local: datetime) -> datetime:
    return local.astimezone(UTC).replace(tzinfo=None)


@router.job("digest")
async def weekly_digest(tutor: Any, now: datetime) -> int:
    local = _local(now, tutor.settings.timezone)
    if local.weekday() != 0 or local.hour < HOUR:
        return 0
    week = local.strftime("%G-W%V")
    monday = local.replace(hour=0, minute=0, second=0, microsecond=0)
    since, until = _utc(monday - timedelta(days=7)), _utc(monday)
    async with tutor.db.reader() as repo:
        organizers = await repo.people("organizer", None, limit=100_000)
    sent = 0
    for organizer in organizers:
        state = organizer.state or {}
        if state.get("digest_off") or state.get("digest_week") == week:
            continue
        # The figures are read first, outside any write lock (on SQLite a write transaction
        # holds back every learner's update while it runs); the message is then queued under the
        # organizer's row lock, where what was decided is checked again.
        async with tutor.db.reader() as repo:
            text = await digest_text(tutor, repo, organizer, now, since, until)
        async with tutor.system_turn(organizer.id, now) as turn:
            if turn is None or turn.user.role != "organizer" or turn.state.get("digest_off"):
                continue
            if turn.state.get("digest_week") == week:
                continue
            turn.show(
                "digest",
                text,
                [
                    ("📊 Thống kê", "stats", False),
                    ("🔕 Tắt bản tin thứ Hai", "digest-off", False),
                    ("📋 Việc của cán bộ", "omenu", True),
                ],
            )
            turn.set_state("digest_week", week)
            sent += 1
    return sent


async def digest_text(
    tutor: Any, repo: Repository, organizer: User, now: datetime, since: datetime, until: datetime
) -> str:
    settings = tutor.settings
    scope = await report_scope(repo, organizer.unit_id, now)
    totals: dict[str, int] = {}
    week = Window(scope.window.scope, since, until)
    for figures in (await CampaignStats(repo.session).per_unit(week)).values():
        for key, value in figures.items():
            totals[key] = totals.get(key, 0) + value
    tz = settings.timezone
    lines = [
        T["head"].format(
            start=_local(since, tz).strftime("%d/%m"),
            end=_local(until - timedelta(days=1), tz).strftime("%d/%m"),
            unit=scope.unit_name,
        ),
        T["week"].format(
            center=totals.get("people_supported.place.center", 0),
            **{key: totals.get(key, 0) for key in _WEEK_KEYS},
        ),
    ]
    behind, pace = await behind_targets(tutor, repo, organizer, now)
    if behind:
        lines.append(T["behind"].format(pace=T["pace"].format(percent=round(pace * 100)) if pace < 1 else ""))
        for line in behind[:MAX_BEHIND]:
            if len("\n".join([*lines, line])) > 500:
                break
            lines.append(line)
    else:
        lines.append(T["on_track"])
    return "\n".join(lines)[:500]


_WEEK_KEYS = (
    "sessions_held",
    "attendance",
    "people_supported",
    "outreach_events",
    "volunteer_shifts",
    "volunteers_trained",
    "certificates",
)


async def behind_targets(
    tutor: Any, repo: Repository, organizer: User, now: datetime
) -> tuple[list[str], float]:
    """Lines for the units of the scope behind their targets, and the pace they are measured at:
    the share of the campaign period gone by (1.0 without a period: behind = below target)."""
    settings = tutor.settings
    since, until = campaign_period(settings)
    pace = 1.0
    if since is not None and until is not None and until > since:
        pace = min(1.0, max(0.0, (now - since) / (until - since)))
    period_end = min(now, until) if until is not None else None
    scope = await report_scope(repo, organizer.unit_id, now, since, period_end)
    (table,) = await build_tables(repo, tutor.catalog, settings, scope, ["campaign"])
    weakest: dict[str, list[tuple[float, str]]] = {}
    names = {row[0]: row[1] for row in table.rows if row[1]}  # on the first row of a unit's block
    for unit_id, _name, metric, _label, target, actual, _percent in table.rows:
        # A unit is measured against its own targets only (the campaign's apply to the whole).
        if not target or metric not in SHORT or (unit_id and unit_id not in settings.campaign.unit_targets):
            continue
        share = actual / target
        if share < pace:
            weakest.setdefault(unit_id, []).append((share, SHORT[metric]))
    lines = []
    for unit_id, misses in sorted(weakest.items(), key=lambda item: min(item[1])[0]):
        parts = [f"{label} {round(share * 100)}%" for share, label in sorted(misses)[:2]]
        lines.append(f"• {names[unit_id]}: {' · '.join(parts)}")
    return lines, pace


@router.command("bantin", roles=ORGANIZER, menu="Bản tin thứ Hai")
@router.action("digest", roles=ORGANIZER)
async def digest_settings(turn: Turn, _arg: str) -> None:
    off = bool(turn.state.get("digest_off"))
    choice: ChoiceSpec = (
        ("🔔 Bật bản tin", "digest-on", False) if off else ("🔕 Tắt bản tin", "digest-off", False)
    )
    turn.show(
        "digest-settings",
        T["settings_off" if off else "settings_on"],
        [choice, ("📋 Việc của cán bộ", "omenu", True)],
    )


@router.action("digest-off", roles=ORGANIZER)
async def turn_off(turn: Turn, _arg: str) -> None:
    turn.set_state("digest_off", True)
    await show_screen(turn, "omenu", T["turned_off"])


@router.action("digest-on", roles=ORGANIZER)
async def turn_on(turn: Turn, _arg: str) -> None:
    turn.set_state("digest_off", None)
    await show_screen(turn, "omenu", T["turned_on"])

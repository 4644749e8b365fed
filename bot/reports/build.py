"""Assemble report tables for a scope, and the short /thongke summary."""

from __future__ import annotations

from datetime import datetime

from bot.config import Settings
from bot.lessons import Catalog
from bot.reports.campaign import SHEETS, CampaignReportBuilder
from bot.reports.render import display
from bot.reports.tables import SUMMARY, Progress, Scope, Table, day_bounds
from bot.store import Repository
from bot.store.stats import Stats, Window


def campaign_period(settings: Settings) -> tuple[datetime | None, datetime | None]:
    """`campaign.start`–`campaign.end` (local days, inclusive) as naive-UTC [since, until): the
    period of a report that names none."""
    return day_bounds(settings.campaign.start, settings.campaign.end, settings.timezone)


async def report_scope(
    repo: Repository,
    unit_id: str | None,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    mask_names: bool = False,
) -> Scope:
    unit = await repo.unit(unit_id) if unit_id else None
    return Scope(
        unit_id=unit_id,
        unit_name=unit.name if unit else "Toàn chiến dịch",
        window=Window(await repo.scope(unit_id), since, until),
        now=now,
        mask_names=mask_names,
    )


async def build_tables(
    repo: Repository,
    catalog: Catalog,
    settings: Settings,
    scope: Scope,
    keys: list[str] | None = None,
    progress: Progress | None = None,
    learner_limit: int | None = None,
    session_limit: int | None = None,
) -> list[Table]:
    keys = keys or SHEETS
    builder = CampaignReportBuilder(
        Stats(repo.session),
        catalog,
        settings,
        scope,
        with_funnel="step" in keys,
        learner_limit=learner_limit,
        session_limit=session_limit,
    )
    tables = []
    for number, key in enumerate(keys, start=1):
        if progress is not None:
            progress(number, len(keys), key)
        tables.append(await builder.build(key))
    return tables


def summary_text(table: Table, scope: Scope, campaign: str, limit: int = 500) -> str:
    """/thongke: the summary's headline figures for one scope, "actual/target (percent)" where a
    target is set. Within `limit` characters: with very large figures the targets, then the
    percents, are left out (the workbook has them all)."""
    values = {row[0]: row for row in table.rows}
    column = {c.id: c for c in SUMMARY}

    def n(metric: str) -> str:
        return display(values[metric][3], column["actual"]) if metric in values else "—"

    def text(detail: int) -> str:
        def vs(metric: str) -> str:
            row = values.get(metric)
            if row is None or row[2] is None or detail == 0:
                return n(metric)
            rate = display(row[4], column["percent"])
            return (
                f"{n(metric)}/{display(row[2], column['target'])} ({rate})"
                if detail == 2
                else f"{n(metric)} ({rate})"
            )

        lines = [
            f"📊 {campaign[:40]} — {scope.unit_name[:60]}",
            f"Người học: {vs('learners')} · 7 ngày: {n('active_7d')}",
            f"Bài đã bắt đầu: {n('lessons_started')} · học xong: {vs('completions')}",
            f"Lớp tạo: {vs('classes')} · TNV: {vs('volunteers')} · chờ giúp: {n('help_open')}",
            "🎯 Chiến dịch (kết quả/chỉ tiêu):" if detail == 2 else "🎯 Chiến dịch:",
            f"Đội hình: {vs('teams')} · {n('team_volunteers')} ĐVTN",
            f"Lớp đã tổ chức: {vs('classes_held')} · {n('sessions_held')} buổi",
            f"Lượt dự lớp: {vs('attendance')}",
            f"Dân được hỗ trợ: {vs('people_supported')} · tại trung tâm: {n('people_supported.place.center')}",
            f"Ra quân: {vs('outreach_events')}",
            f"Lượt ĐVTN trực trung tâm: {vs('volunteer_shifts')}",
            f"Lượt ĐVTN tập huấn: {vs('volunteers_trained')}",
            f"Giấy chứng nhận: {vs('certificates')}",
        ]
        return "\n".join(lines)

    for detail in (2, 1, 0):
        message = text(detail)
        if len(message) <= limit:
            return message
    return message[:limit].rsplit("\n", 1)[0]  # whole lines only

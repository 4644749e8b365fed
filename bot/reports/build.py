"""Assemble report tables for a scope, and the short /thongke summary."""

from __future__ import annotations

from datetime import datetime

from bot.config import Settings
from bot.lessons import Catalog
from bot.reports.campaign import SHEETS, CampaignReportBuilder
from bot.reports.render import display
from bot.reports.shapes import Scope, Table, day_bounds
from bot.reports.tables import Progress
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
    rows = {row[0]: (number, row) for number, row in enumerate(table.rows)}
    columns = [c.id for c in table.columns]
    target_at, actual_at, percent_at = (columns.index(c) for c in ("target", "actual", "percent"))
    any_target = any(row[target_at] is not None for _, row in rows.values())

    def n(metric: str) -> str:
        if metric not in rows:
            return "—"
        number, row = rows[metric]
        return display(row[actual_at], table.kind(number, actual_at))

    def text(detail: int) -> str:
        def vs(metric: str) -> str:
            row = rows[metric][1] if metric in rows else None
            if row is None or row[target_at] is None or detail == 0:
                return n(metric)
            reached = display(row[percent_at], "rate")
            if detail == 1:
                return f"{n(metric)} ({reached})"
            return f"{n(metric)}/{display(row[target_at], 'int')} ({reached})"

        lines = [
            f"📊 {display(campaign[:40], 'text')} — {display(scope.unit_name[:60], 'text')}",
            f"Người học: {vs('learners')} · 7 ngày: {n('active_7d')}",
            f"Bài đã bắt đầu: {n('lessons_started')} · học xong: {vs('completions')} · tỉ lệ {n('completion_rate')}",
            f"TNV: {vs('volunteers')} · yêu cầu giúp đang chờ: {n('help_open')}",
            "🎯 Chiến dịch (kết quả/chỉ tiêu):" if detail == 2 and any_target else "🎯 Chiến dịch:",
            f"Đội hình: {vs('teams')} · {n('team_volunteers')} ĐVTN",
            f"Lớp đã tổ chức: {vs('classes_held')} · {n('sessions_held')} buổi",
            f"Lượt dự lớp: {vs('attendance')}",
            f"Dân được hỗ trợ: {vs('people_supported')} · tại trung tâm: {n('people_supported.place.center')}",
            f"Ra quân: {vs('outreach_events')}",
            f"Lượt ĐVTN trực trung tâm: {vs('volunteer_shifts')}",
            f"Lượt ĐVTN tập huấn: {vs('volunteers_trained')}",
            f"Giấy chứng nhận: {vs('certificates')}",
        ]
        if not any_target:  # a unit is never measured against the campaign's targets (ReportBuilder.targets)
            lines.append("Đơn vị này chưa có chỉ tiêu riêng." if scope.unit_id else "Chưa đặt chỉ tiêu.")
        return "\n".join(lines)

    for detail in (2, 1, 0):
        message = text(detail)
        if len(message) <= limit:
            return message
    return message[:limit].rsplit("\n", 1)[0]  # whole lines only

"""Assemble report tables for a scope, and the short /thongke summary."""

from __future__ import annotations

from datetime import datetime

from bot.config import Settings
from bot.lessons import Catalog
from bot.reports.render import display
from bot.reports.tables import SHEETS, Progress, ReportBuilder, Scope, Table
from bot.store import Repository
from bot.store.stats import Stats, Window


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
) -> list[Table]:
    keys = keys or SHEETS
    builder = ReportBuilder(
        Stats(repo.session), catalog, settings, scope, with_funnel="step" in keys, learner_limit=learner_limit
    )
    tables = []
    for number, key in enumerate(keys, start=1):
        if progress is not None:
            progress(number, len(keys), key)
        tables.append(await builder.build(key))
    return tables


def summary_text(table: Table, scope: Scope, campaign: str) -> str:
    """/thongke: the summary table for one scope in a few short lines (≤ 500 characters)."""
    rows = {row[0]: (number, row) for number, row in enumerate(table.rows)}
    columns = [c.id for c in table.columns]
    target_at, actual_at, percent_at = (columns.index(c) for c in ("target", "actual", "percent"))

    def actual(metric: str) -> str:
        number, row = rows[metric]
        return display(row[actual_at], table.kind(number, actual_at))

    lines = [
        f"📊 {campaign} — {display(scope.unit_name, 'text')}",
        f"Người học: {actual('learners')} (hoạt động 7 ngày: {actual('active_7d')})",
        f"Bài đã bắt đầu: {actual('lessons_started')} · học xong: {actual('completions')} "
        f"({actual('completion_rate')})",
        f"Lớp học đã tổ chức: {actual('classes')} · Tình nguyện viên: {actual('volunteers')}",
        f"Yêu cầu giúp đang chờ: {actual('help_open')} · trả lời sau (trung vị): {actual('help_median_minutes')} phút",
    ]
    targets = []
    for metric, label in (
        ("classes", "Lớp"),
        ("learners", "Người học"),
        ("completions", "Lượt học xong"),
        ("volunteers", "TNV"),
    ):
        number, row = rows[metric]
        if row[target_at] is not None:
            reached = display(row[percent_at], table.kind(number, percent_at))
            targets.append(f"• {label}: {actual(metric)}/{display(row[target_at], 'int')} ({reached})")
    if targets:
        lines += ["🎯 Chỉ tiêu:", *targets]
    else:  # a unit is never measured against the campaign's targets (ReportBuilder.targets)
        lines.append("🎯 Đơn vị này chưa có chỉ tiêu riêng." if scope.unit_id else "🎯 Chưa đặt chỉ tiêu.")
    return "\n".join(lines)

"""Tổng quan: every campaign metric against its target for the scope and period (the summary
report), and the units furthest behind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bot.config import Settings
from bot.reports.render import csv_value, display
from bot.reports.shapes import Table
from bot.web.pages.common import organizer_view
from bot.web.render import page

TARGETED = ("classes", "learners", "completions", "volunteers")
BEHIND_SHOWN = 5


@dataclass
class Metric:
    id: str
    label: str
    actual: str  # as displayed
    target: str | None
    percent: str | None
    bar: float  # 0–100, width of the progress bar
    raw_actual: str  # CSV values, for checking
    raw_target: str


def metrics(summary: Table) -> tuple[list[Metric], list[Metric]]:
    """(metrics with a target, the others)."""
    with_target, others = [], []
    actual_at = [c.id for c in summary.columns].index("actual")
    for number, (metric_id, label, target, actual, percent) in enumerate(summary.rows):
        item = Metric(
            metric_id,
            label,
            display(actual, summary.kind(number, actual_at)),
            display(target, "int") if target else None,
            display(percent, "rate") if percent is not None else None,
            min(100.0, percent * 100) if percent is not None else 0.0,
            str(csv_value(actual)),
            str(csv_value(target)),
        )
        (with_target if target else others).append(item)
    return with_target, others


def behind(units: Table, settings: Settings, shown_unit: str | None) -> list[dict[str, Any]]:
    """The units right under the one shown, furthest behind first: against their own targets
    (campaign.unit_targets) where set, else by completion rate."""
    col = {c.id: i for i, c in enumerate(units.columns)}
    children = [r for r in units.rows if r[col["unit_id"]] and (r[col["parent_id"]] or None) == shown_unit]
    if shown_unit is None:  # campaign-wide: the provinces (rows without a parent)
        children = [r for r in units.rows if r[col["unit_id"]] and not r[col["parent_id"]]]
    ranked = []
    for row in children:
        targets = settings.campaign.unit_targets.get(row[col["unit_id"]])
        ratios = []
        if targets is not None:
            for metric, column in (
                ("learners", "learners"),
                ("classes", "classes"),
                ("completions", "completed"),
                ("volunteers", "volunteers"),
            ):
                goal = getattr(targets, metric)
                if goal:
                    ratios.append((row[col[column]] / goal, metric))
        name = row[col["unit_name"]].strip()
        if ratios:
            ratio, metric = min(ratios)
            label = {
                "learners": "người học",
                "classes": "lớp học",
                "completions": "lượt học xong",
                "volunteers": "tình nguyện viên",
            }[metric]
            reason = f"đạt {display(ratio, 'rate')} chỉ tiêu {label}"
            ranked.append(((0, ratio), row[col["unit_id"]], name, reason))
        else:
            rate = row[col["completion_rate"]]
            reason = (
                f"tỷ lệ học xong {display(rate, 'rate')}"
                if rate is not None
                else "chưa có ai bắt đầu bài học"
            )
            ranked.append(
                (
                    (1, rate if rate is not None else -1.0, row[col["learners"]]),
                    row[col["unit_id"]],
                    name,
                    reason,
                )
            )
    ranked.sort(key=lambda item: item[0])
    return [{"id": u, "name": n, "reason": r} for _k, u, n, r in ranked[:BEHIND_SHOWN]]


async def overview(request: Request) -> Response:
    async with organizer_view(request) as v:
        summary, units = await v.tables("summary", "unit")
        targeted, others = metrics(summary)
        context = await v.context(
            targeted=targeted,
            others=others,
            behind=[
                {**b, "href": v.unit_href("/don-vi", b["id"])}
                for b in behind(units, v.ctx.settings, v.filters.unit_id)
            ],
            csv=v.csv("summary"),
        )
    return page(request, "overview.html", context)

"""The campaign report in the campaign's own units: the summary's campaign metrics, the sheet a union
pastes into its report upward («Báo cáo chiến dịch»: chỉ tiêu · kết quả · tỉ lệ by unit), and the
sheets for teams, sessions, support by kind and partner organizations.

Metric ids are stable (CSV); their definitions are in bot/store/campaign_stats.py and the README."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.config import Targets
from bot.reports import tables
from bot.reports.shapes import Column, Table, local, rate
from bot.reports.tables import ReportBuilder
from bot.store.campaign_stats import SUPPORT_KINDS, SUPPORT_PLACES, CampaignStats

KIND_LABELS = {
    "vneid": "Cài đặt, kích hoạt VNeID",
    "dvc": "Dịch vụ công, thủ tục trực tuyến",
    "payment": "Thanh toán không tiền mặt",
    "phone": "Thao tác cơ bản trên điện thoại",
    "ai": "Dùng công cụ AI",
    "other": "Việc khác",
}
PLACE_LABELS = {
    "session": "Tại buổi học",
    "outreach": "Khi ra quân",
    "center": "Tại trung tâm phục vụ hành chính công",
    "home": "Tại nhà, nơi khác",
}


def _lower_first(label: str) -> str:
    """«Dùng công cụ AI» → «dùng công cụ AI»: a sub-row reads on from its parent; names keep capitals."""
    return label[:1].lower() + label[1:]


@dataclass(frozen=True)
class Metric:
    id: str
    label: str
    target: str | None = None  # key of `campaign.targets`


METRICS = [
    Metric("teams", "Đội hình", "teams"),
    Metric("team_volunteers", "ĐVTN trong các đội hình"),
    Metric("volunteers_active", "ĐVTN hoạt động (ghi hỗ trợ, mở buổi học, ra quân)"),
    Metric("classes_held", "Lớp học đã tổ chức (có buổi học)", "classes_held"),
    Metric("sessions_held", "Buổi học đã tổ chức"),
    Metric("attendance", "Lượt người dân dự buổi học", "attendance"),
    Metric("attendance_walk_ins", "… trong đó không có điện thoại"),
    Metric("people_supported", "Lượt người dân được hỗ trợ trực tiếp", "people_supported"),
    *(Metric(f"people_supported.kind.{k}", f"… {_lower_first(KIND_LABELS[k])}") for k in SUPPORT_KINDS),
    *(Metric(f"people_supported.place.{p}", f"… {_lower_first(PLACE_LABELS[p])}") for p in SUPPORT_PLACES),
    Metric("outreach_events", "Hoạt động ra quân", "outreach_events"),
    Metric("outreach_volunteers", "Lượt ĐVTN tham gia ra quân"),
    Metric("volunteer_shifts", "Lượt ĐVTN trực tại trung tâm phục vụ HCC", "volunteer_shifts"),
    Metric("volunteers_trained", "Lượt ĐVTN được tập huấn", "volunteers_trained"),
    Metric("certificates", "Giấy chứng nhận đã cấp", "certificates"),
]
METRIC = {m.id: m for m in METRICS}
# The rows of «Báo cáo chiến dịch» for each unit: what a union reports upward.
HEADLINE = [
    "teams",
    "team_volunteers",
    "classes_held",
    "sessions_held",
    "attendance",
    "people_supported",
    "people_supported.place.center",
    "outreach_events",
    "outreach_volunteers",
    "volunteer_shifts",
    "volunteers_trained",
    "certificates",
]
# Every sheet of the workbook, in order: the summary, the campaign report, today's breakdowns, then
# the campaign's own lists.
SHEETS = ["summary", "campaign", *tables.SHEETS[1:], "team", "session", "support", "partner"]
# The workbook lists at most this many sessions (a campaign's 20,000 would take longer to write
# than every campaign figure together); the full list is `report --by session --format csv`.
WORKBOOK_SESSIONS = 2_000


def target_of(targets: Targets | None, metric: str) -> int | None:
    key = METRIC[metric].target if metric in METRIC else None
    if targets is None or key is None:
        return None
    if key == "classes_held" and targets.classes_held is None:
        return targets.classes  # the same figure as `classes`: a target for either measures it
    return getattr(targets, key)


COLUMNS: dict[str, list[Column]] = {
    "campaign": [
        Column("unit_id", "Mã đơn vị", "text", 16),
        Column("unit_name", "Đơn vị", "text", 28, indent=True),
        Column("metric", "Chỉ số (mã)", "text", 22),
        Column("label", "Nội dung", "text", 44),
        Column("target", "Chỉ tiêu", "int", 11),
        Column("actual", "Kết quả", "int", 11),
        Column("percent", "Tỉ lệ", "rate", 10),
    ],
    "team": [
        Column("team_id", "Mã đội", width=8),
        Column("team_name", "Đội hình", "text", 30),
        Column("unit_id", "Đơn vị", "text", 16),
        Column("leader", "Đội trưởng", "text", 22),
        Column("members", "ĐVTN"),
        Column("outreach_events", "Hoạt động ra quân, trực, tập huấn", width=18),
        Column("volunteer_checkins", "Lượt ĐVTN tham gia", width=16),
        Column("people_supported", "Lượt người dân được hỗ trợ", width=20),
        Column("created_at", "Ngày lập", "datetime", 18),
    ],
    "session": [
        Column("session_id", "Mã buổi", width=8),
        Column("class_id", "Mã lớp", width=8),
        Column("class_name", "Lớp", "text", 30),
        Column("unit_id", "Đơn vị", "text", 16),
        Column("planned_at", "Dự kiến", "datetime", 18),
        Column("held_at", "Bắt đầu lúc", "datetime", 18),
        Column("place", "Địa điểm", "text", 24),
        Column("volunteer", "Tình nguyện viên", "text", 20),
        Column("checked_in", "Điểm danh", width=10),
        Column("walk_ins", "Không có điện thoại", width=12),
        Column("attendance", "Lượt dự", width=10),
    ],
    "support": [
        Column("kind", "Mã nội dung", "text", 12),
        Column("label", "Nội dung hỗ trợ", "text", 36),
        *(Column(f"at_{p}", PLACE_LABELS[p], width=16) for p in SUPPORT_PLACES),
        Column("people_supported", "Tổng lượt người dân", width=16),
        Column("entries", "Số lần ghi", width=10),
    ],
    "partner": [
        Column("partner_id", "Mã tổ chức", "text", 16),
        Column("partner_name", "Tổ chức phối hợp", "text", 28),
        Column("classes", "Lớp phối hợp", width=12),
        Column("classes_held", "Lớp đã tổ chức", width=12),
        Column("sessions_held", "Buổi học", width=10),
        Column("attendance", "Lượt dự", width=10),
        Column("outreach_events", "Ra quân, trực, tập huấn", width=16),
        Column("volunteer_checkins", "Lượt ĐVTN", width=10),
        Column("people_supported", "Lượt người dân được hỗ trợ", width=20),
    ],
}


class CampaignReportBuilder(ReportBuilder):
    """Today's report tables and the campaign's: each query runs once and is reused."""

    def __init__(self, *args: Any, session_limit: int | None = None, **kwargs: Any):
        """`session_limit` caps the session sheet (the workbook's), as `learner_limit` does learners."""
        super().__init__(*args, **kwargs)
        self.session_limit = session_limit
        self._figures: dict[str | None, dict[str, int]] | None = None
        self._stats = CampaignStats(self.stats.session)  # one instance: it keeps what it read

    def _campaign_stats(self) -> CampaignStats:
        return self._stats

    async def campaign_figures(self) -> dict[str | None, dict[str, int]]:
        if self._figures is None:
            self._figures = await self._campaign_stats().per_unit(self.scope.window)
        return self._figures

    async def campaign_totals(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for figures in (await self.campaign_figures()).values():
            for key, value in figures.items():
                totals[key] = totals.get(key, 0) + value
        return totals

    async def _summary(self) -> Table:
        """Today's metrics, then the campaign's (each with its target and percent)."""
        table = await super()._summary()
        totals = await self.campaign_totals()
        targets = self.targets()  # the unit's own, the campaign's for the whole campaign
        for metric in METRICS:
            target, actual = target_of(targets, metric.id), totals.get(metric.id, 0)
            table.rows.append(
                [metric.id, metric.label, target, actual, rate(actual, target) if target else None]
            )
        return table

    async def _campaign(self) -> Table:
        figures = await self.campaign_figures()
        units, children, rolled = await self.unit_tree(figures)

        table = Table("campaign", "Báo cáo chiến dịch", COLUMNS["campaign"])

        def block(unit_id: str, name: str, f: dict[str, int], targets: Targets | None, depth: int) -> None:
            # The unit's name once, on its block's first row (as a merged cell would show it in
            # a report); `unit_id` on every row. The tree is indentation, never spaces in the name.
            table.depths[len(table.rows)] = depth
            for number, metric in enumerate(HEADLINE):
                target, actual = target_of(targets, metric), f.get(metric, 0)
                table.rows.append(
                    [
                        unit_id,
                        name if number == 0 else "",
                        metric,
                        METRIC[metric].label,
                        target,
                        actual,
                        rate(actual, target),
                    ]
                )

        campaign = self.settings.campaign
        totals = await self.campaign_totals()
        block(self.scope.unit_id or "", self.scope.unit_name, totals, self.targets(), 0)

        def add(unit_id: str, depth: int) -> None:
            figures_here, targets = rolled(unit_id), campaign.unit_targets.get(unit_id)
            # A unit with neither targets nor any campaign work has nothing to report upward.
            reported = targets is not None or any(figures_here.get(m) for m in HEADLINE)
            if unit_id != self.scope.unit_id and reported:
                block(unit_id, units[unit_id].name, figures_here, targets, depth)
            for child in sorted(children.get(unit_id, []), key=lambda c: units[c].name):
                add(child, depth + 1)

        for root in sorted(children.get(None, []), key=lambda c: units[c].name):
            add(root, 1 if root != self.scope.unit_id else 0)
        return table

    async def _team(self) -> Table:
        table = Table("team", "Đội hình", COLUMNS["team"])
        for row in await self._campaign_stats().teams(self.scope.window):
            table.rows.append(
                [
                    row["id"],
                    row["name"],
                    row["unit_id"],
                    self._name(row["leader"]),
                    row["members"],
                    row["events"],
                    row["checkins"],
                    int(row["people"]),
                    self._local(row["created_at"]),
                ]
            )
        return table

    async def _session(self) -> Table:
        table = Table("session", "Buổi học", COLUMNS["session"])
        limit = self.session_limit
        rows = await self._campaign_stats().sessions(self.scope.window, None if limit is None else limit + 1)
        if limit is not None and len(rows) > limit:
            rows = rows[:limit]
            table.note = (
                f"Chỉ hiện {limit:,} buổi học đầu tiên. Danh sách đầy đủ: "
                "hocvuso report --by session --format csv".replace(",", ".")
            )
        for row in rows:
            held = row["held_at"] is not None
            table.rows.append(
                [
                    row["id"],
                    row["class_id"],
                    row["class_name"],
                    row["unit_id"] or "",
                    self._local(row["planned_at"]),
                    self._local(row["held_at"]),
                    row["place"] or "",
                    self._name(row["volunteer"]),
                    row["checked_in"] if held else None,
                    row["walk_ins"] if held else None,
                    row["checked_in"] + row["walk_ins"] if held else None,
                ]
            )
        return table

    async def _support(self) -> Table:
        table = Table("support", "Hỗ trợ theo nội dung", COLUMNS["support"])
        figures = await self._campaign_stats().support_by_kind(self.scope.window)
        totals = [0] * (len(SUPPORT_PLACES) + 2)
        for kind in SUPPORT_KINDS:
            people = [figures.get((kind, place), (0, 0))[0] for place in SUPPORT_PLACES]
            entries = sum(figures.get((kind, place), (0, 0))[1] for place in SUPPORT_PLACES)
            row = [*people, sum(people), entries]
            totals = [a + b for a, b in zip(totals, row, strict=True)]
            table.rows.append([kind, KIND_LABELS[kind], *row])
        table.rows.append(["total", "Tổng cộng", *totals])
        return table

    async def _partner(self) -> Table:
        table = Table("partner", "Theo tổ chức phối hợp", COLUMNS["partner"])
        figures = await self._campaign_stats().partners(self.scope.window)
        configured = [p.id for p in self.settings.campaign.partners]
        for partner in configured + sorted(set(figures) - set(configured)):
            f = figures.get(partner, {})
            table.rows.append(
                [
                    partner,
                    self.settings.campaign.partner_name(partner),
                    f.get("classes", 0),
                    f.get("classes_held", 0),
                    f.get("sessions_held", 0),
                    f.get("attendance", 0),
                    f.get("events", 0),
                    f.get("volunteer_checkins", 0),
                    f.get("people_supported", 0),
                ]
            )
        return table

    def _local(self, when: Any) -> Any:
        return local(when, self.settings.timezone)

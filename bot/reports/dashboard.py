"""Tables beyond the report's breakdowns, shown by the web dashboard and printed by `hocvuso report
--by week|help_age|help_unit|help_volunteer`: weekly trends and help requests. Same Table/Column
shapes as bot.reports.tables, so text, CSV and Excel render them the same way."""

from __future__ import annotations

from datetime import date, timedelta

from bot.config import Settings
from bot.lessons import Catalog
from bot.reports.build import build_tables
from bot.reports.shapes import Column as C
from bot.reports.shapes import Scope, Table, day_bounds, local, mask
from bot.store import Repository
from bot.store.dashboard import HELP_AGES, DashboardStats
from bot.store.models import HelpRequest

EXTRA = ["week", "help_age", "help_unit", "help_volunteer"]
DEFAULT_WEEKS = 12
MAX_WEEKS = 104

WEEKS = [
    C("week_start", "Tuần từ", "text", 12),
    C("week_end", "Đến", "text", 12),
    C("new_learners", "Người học mới", width=14),
    C("lessons_started", "Lượt bắt đầu bài", width=16),
    C("lessons_completed", "Lượt học xong", width=14),
    C("classes_held", "Lớp có buổi học", width=14),
    C("people_supported", "Lượt người dân được hỗ trợ", width=18),
]
HELP_AGE_COLUMNS = [
    C("age", "Nhóm (mã)", "text", 10),
    C("label", "Đã chờ", "text", 16),
    C("open", "Yêu cầu đang chờ", width=16),
]
HELP_AGE_LABELS = {
    "under_1h": "Dưới 1 giờ",
    "1h_24h": "1–24 giờ",
    "1d_3d": "1–3 ngày",
    "over_3d": "Trên 3 ngày",
}
HELP_UNITS = [
    C("unit_id", "Mã đơn vị", "text", 18),
    C("unit_name", "Đơn vị", "text", 30),
    C("open", "Đang chờ", width=10),
    C("open_over_24h", "Chờ quá 24 giờ", width=14),
    C("answered", "Đã trả lời", width=10),
    C("median_answer_minutes", "Phút đến lúc trả lời (trung vị)", "float", 18),
]
HELP_VOLUNTEERS = [
    C("volunteer_id", "Mã TNV", width=8),
    C("name", "Tình nguyện viên", "text", 24),
    C("unit_id", "Đơn vị", "text", 18),
    C("open", "Đang chờ", width=10),
    C("answered", "Đã trả lời", width=10),
    C("median_answer_minutes", "Phút đến lúc trả lời (trung vị)", "float", 18),
]
ROSTER = [
    C("learner_id", "Mã học viên", width=10),
    C("name", "Họ tên", "text", 24),
    C("class_name", "Lớp", "text", 20),
    C("current_lesson", "Đang học", "text", 26),
    C("current_step", "Bước", "text", 8),
    C("lessons_completed", "Bài đã xong", width=10),
    C("last_active", "Hoạt động gần nhất", "datetime", 18),
]


def week_range(scope: Scope, tz: str) -> tuple[date, int]:
    """The weeks (Monday to Sunday, local) a trend covers: from the period's first day (default: 11
    weeks before this one) to its last day (default: today), at most MAX_WEEKS."""
    last_day = local(scope.window.until - timedelta(microseconds=1), tz) if scope.window.until else None
    today = local(scope.now, tz)
    assert today is not None
    end = min(last_day, today).date() if last_day else today.date()
    end_monday = end - timedelta(days=end.weekday())
    if scope.window.since is not None:
        first = local(scope.window.since, tz)
        assert first is not None
        start_monday = first.date() - timedelta(days=first.weekday())
    else:
        start_monday = end_monday - timedelta(weeks=DEFAULT_WEEKS - 1)
    start_monday = min(start_monday, end_monday)
    weeks = (end_monday - start_monday).days // 7 + 1
    if weeks > MAX_WEEKS:
        start_monday, weeks = end_monday - timedelta(weeks=MAX_WEEKS - 1), MAX_WEEKS
    return start_monday, weeks


class DashboardBuilder:
    def __init__(self, repo: Repository, catalog: Catalog, settings: Settings, scope: Scope):
        self.repo, self.catalog, self.settings, self.scope = repo, catalog, settings, scope
        self.stats = DashboardStats(repo.session)

    async def build(self, key: str) -> Table:
        return await getattr(self, f"_{key}")()

    async def _week(self) -> Table:
        first, weeks = week_range(self.scope, self.settings.timezone)
        start, _ = day_bounds(first, None, self.settings.timezone)
        assert start is not None
        figures = await self.stats.weekly(self.scope.window, start, weeks)
        table = Table("week", "Theo tuần", WEEKS)
        for number in range(weeks):
            monday = first + timedelta(weeks=number)
            table.rows.append(
                [
                    monday.isoformat(),
                    (monday + timedelta(days=6)).isoformat(),
                    figures["new_learners"].get(number, 0),
                    figures["started"].get(number, 0),
                    figures["completed"].get(number, 0),
                    figures["classes_held"].get(number, 0),
                    figures["people_supported"].get(number, 0),
                ]
            )
        return table

    async def _help_age(self) -> Table:
        ages = await self.stats.help_ages(self.scope.window, self.scope.now)
        table = Table("help_age", "Giúp đỡ theo thời gian chờ", HELP_AGE_COLUMNS)
        for key, _upper in HELP_AGES:
            table.rows.append([key, HELP_AGE_LABELS[key], ages[key]])
        return table

    async def _help_unit(self) -> Table:
        figures = await self.stats.help_by(HelpRequest.unit_id, self.scope.window, self.scope.now)
        names = {u.id: u.name for u in await self.repo.units()}
        table = Table("help_unit", "Giúp đỡ theo đơn vị", HELP_UNITS)
        for unit_id in sorted(figures, key=lambda u: (u is None, names.get(u or "", ""), u or "")):
            f = figures[unit_id]
            name = names.get(unit_id, "") if unit_id else "(chưa có đơn vị)"
            table.rows.append(
                [
                    unit_id or "",
                    name,
                    f.get("open", 0),
                    f.get("open_over_24h", 0),
                    f.get("answered", 0),
                    _round(f.get("median_minutes")),
                ]
            )
        return table

    async def _help_volunteer(self) -> Table:
        figures = await self.stats.help_by(HelpRequest.volunteer_id, self.scope.window, self.scope.now)
        table = Table("help_volunteer", "Giúp đỡ theo tình nguyện viên", HELP_VOLUNTEERS)
        for volunteer_id in sorted(v for v in figures if v is not None):
            person = await self.repo.user(volunteer_id)
            name = (person.display_name or "") if person else ""
            f = figures[volunteer_id]
            table.rows.append(
                [
                    volunteer_id,
                    mask(name) if self.scope.mask_names else name,
                    (person.unit_id or "") if person else "",
                    f.get("open", 0),
                    f.get("answered", 0),
                    _round(f.get("median_minutes")),
                ]
            )
        return table


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


async def roster_table(
    repo: Repository,
    catalog: Catalog,
    settings: Settings,
    *,
    volunteer_id: int | None = None,
    class_id: int | None = None,
) -> Table:
    """A volunteer's (or one class's) learners and where each one is now."""
    rows = await DashboardStats(repo.session).roster(volunteer_id=volunteer_id, class_id=class_id)
    table = Table("roster", "Học viên", ROSTER)
    for row in rows:
        lesson = catalog.lesson(row["lesson_id"]) if row["lesson_id"] else None
        step = ""
        if lesson and row["step_index"] is not None:
            step = f"{row['step_index'] + 1}/{len(lesson.steps)}"
        table.rows.append(
            [
                row["id"],
                row["name"] or "",
                row["class_name"] or "1 kèm 1",
                lesson.title if lesson else "",
                step,
                row["completed"],
                local(row["last_active"], settings.timezone),
            ]
        )
    return table


async def build_any(
    repo: Repository, catalog: Catalog, settings: Settings, scope: Scope, keys: list[str]
) -> list[Table]:
    """Report tables (bot.reports.tables, through build_tables) and these, in the order asked."""
    tables: list[Table] = []
    extra = DashboardBuilder(repo, catalog, settings, scope)
    for key in keys:
        if key in EXTRA:
            tables.append(await extra.build(key))
        else:
            tables.extend(await build_tables(repo, catalog, settings, scope, [key]))
    return tables

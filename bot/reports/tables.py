"""Report tables: the figures of bot.store.stats arranged for organizers, with stable column ids
(CSV headers) and Vietnamese labels (text and Excel headers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.config import Settings, Targets
from bot.lessons import Catalog
from bot.reports.shapes import Column, Kind, Scope, Table, local, mask, rate
from bot.store.models import Unit
from bot.store.stats import Stats
from bot.units import break_loops

SUMMARY = [
    Column("metric", "Chỉ số (mã)", "text", 20),
    Column("label", "Chỉ số", "text", 38),
    Column("target", "Chỉ tiêu", "int", 12),
    Column("actual", "Thực hiện", "int", 12),  # per row: a count, a rate or minutes (Table.kinds)
    Column("percent", "Tỷ lệ đạt", "rate", 12),
]
UNITS = [
    Column("unit_id", "Mã đơn vị", "text", 18),
    Column("unit_name", "Đơn vị", "text", 30, indent=True),
    Column("parent_id", "Thuộc", "text", 14),
    Column("learners", "Người học"),
    Column("active_7d", "Hoạt động 7 ngày", width=16),
    Column("started", "Lượt bắt đầu bài"),
    Column("completed", "Lượt học xong", width=14),
    Column("completion_rate", "Tỷ lệ học xong", "rate", 14),
    Column("classes", "Lớp học"),
    Column("volunteers", "Tình nguyện viên", width=16),
    Column("help_open", "Yêu cầu giúp đang chờ", width=20),
]
CLASSES = [
    Column("class_id", "Mã lớp", width=8),
    Column("class_name", "Tên lớp", "text", 32),
    Column("unit_id", "Đơn vị", "text", 18),
    Column("place", "Địa điểm", "text", 26),
    Column("held_at", "Đã tổ chức lúc", "datetime", 18),  # empty while not held
    Column("volunteer", "Tình nguyện viên", "text", 22),
    Column("learners", "Học viên"),
    Column("completions", "Lượt học xong", width=14),
    Column("scheduled_at", "Lịch hẹn", "datetime", 18),
]
LESSONS = [
    Column("lesson_id", "Mã bài", "text", 26),
    Column("title", "Bài học", "text", 42),
    Column("track", "Chủ đề", "text", 24),
    Column("started", "Bắt đầu"),
    Column("completed", "Học xong"),
    Column("completion_rate", "Tỷ lệ học xong", "rate", 14),
    Column("median_minutes", "Số phút (trung vị)", "float", 16),
    Column("first_try_correct_rate", "Đúng ngay lần đầu", "rate", 16),
]
VOLUNTEERS = [
    Column("volunteer_id", "Mã TNV", width=8),
    Column("name", "Tình nguyện viên", "text", 24),
    Column("unit_id", "Đơn vị", "text", 18),
    Column("classes", "Lớp đã tổ chức", width=14),
    Column("learners", "Học viên kèm", width=14),
    Column("completions", "Lượt học xong của học viên", width=22),
    Column("help_answered", "Yêu cầu đã trả lời", width=18),
]
STEPS = [
    Column("lesson_id", "Mã bài", "text", 26),
    Column("title", "Bài học", "text", 36),
    Column("step_number", "Bước số", width=8),
    Column("step_id", "Mã bước", "text", 18),
    Column("step_kind", "Loại bước", "text", 10),
    Column("reached", "Số người đến bước", width=18),
    Column("reached_rate", "Tỷ lệ so với bắt đầu", "rate", 18),
    Column("first_try_correct_rate", "Đúng ngay lần đầu", "rate", 16),
]
LEARNERS = [
    Column("learner_id", "Mã học viên", width=12),
    Column("name", "Họ tên", "text", 24),
    Column("unit_id", "Đơn vị", "text", 18),
    Column("lessons_started", "Bài đã bắt đầu", width=14),
    Column("lessons_completed", "Bài đã xong", width=12),
    Column("current_lesson", "Đang học", "text", 26),
    Column("current_step", "Bước", width=8),
    Column("last_active", "Hoạt động gần nhất", "datetime", 18),
    Column("class_name", "Lớp", "text", 26),
    Column("volunteer", "Tình nguyện viên", "text", 22),
]
KIND_VI = {"say": "đọc", "quiz": "câu hỏi", "practice": "thực hành"}


class ReportBuilder:
    """Builds any of the tables for one scope; each query runs once and is reused."""

    def __init__(
        self,
        stats: Stats,
        catalog: Catalog,
        settings: Settings,
        scope: Scope,
        *,
        with_funnel: bool = False,
        learner_limit: int | None = None,
    ):
        """`with_funnel`: the step sheet is built too, so lesson first-try rates are summed from
        its per-step figures instead of a query of their own. `learner_limit` caps the learner
        sheet (the workbook's); a CSV of every learner is `report --by learner --format csv`."""
        self.stats, self.catalog, self.settings, self.scope = stats, catalog, settings, scope
        self.with_funnel = with_funnel
        self.learner_limit = learner_limit
        self._lessons: dict[str, dict[str, Any]] | None = None
        self._units: dict[str | None, dict[str, int]] | None = None
        self._funnel: dict[tuple[str, str], dict[str, int]] | None = None

    async def lesson_figures(self) -> dict[str, dict[str, Any]]:
        if self._lessons is None:
            self._lessons = await self.stats.lessons(self.scope.window, first_try=not self.with_funnel)
            if self.with_funnel:
                for (lesson, _step), figures in (await self.funnel_figures()).items():
                    row = self._lessons.setdefault(lesson, {"started": 0, "completed": 0})
                    row["first_try_answers"] = row.get("first_try_answers", 0) + figures["first_try"]
                    row["first_try_correct"] = row.get("first_try_correct", 0) + figures["first_try_correct"]
        return self._lessons

    async def funnel_figures(self) -> dict[tuple[str, str], dict[str, int]]:
        if self._funnel is None:
            self._funnel = await self.stats.funnel(self.scope.window)
        return self._funnel

    async def unit_figures(self) -> dict[str | None, dict[str, int]]:
        if self._units is None:
            self._units = await self.stats.per_unit(self.scope.window, self.scope.now)
        return self._units

    async def build(self, key: str) -> Table:
        return await getattr(self, f"_{key}")()

    async def _summary(self) -> Table:
        units = await self.unit_figures()
        totals = {
            k: sum(v.get(k, 0) for v in units.values())
            for k in ("learners", "active_7d", "started", "completed", "classes", "volunteers")
        }
        help_figures = await self.stats.help_summary(self.scope.window)
        targets = self.targets()
        rows: list[tuple[str, str, int | None, Any, Kind]] = [
            ("classes", "Lớp học đã tổ chức", targets.classes, totals["classes"], "int"),
            ("learners", "Người học", targets.learners, totals["learners"], "int"),
            ("completions", "Lượt hoàn thành bài học", targets.completions, totals["completed"], "int"),
            ("volunteers", "Tình nguyện viên", targets.volunteers, totals["volunteers"], "int"),
            ("active_7d", "Người học hoạt động 7 ngày qua", None, totals["active_7d"], "int"),
            ("lessons_started", "Lượt bắt đầu bài học", None, totals["started"], "int"),
            (
                "completion_rate",
                "Tỷ lệ học xong (xong / bắt đầu)",
                None,
                rate(totals["completed"], totals["started"]),
                "rate",
            ),
            ("help_open", "Yêu cầu giúp đỡ đang chờ", None, help_figures["open"], "int"),
            (
                "help_median_minutes",
                "Thời gian trả lời giúp đỡ (phút, trung vị)",
                None,
                _round(help_figures["median_answer_minutes"]),
                "float",
            ),
        ]
        table = Table("summary", "Tổng hợp", SUMMARY)
        actual = [c.id for c in SUMMARY].index("actual")
        for number, (metric, label, target, value, kind) in enumerate(rows):
            table.rows.append([metric, label, target, value, rate(value, target) if target else None])
            table.kinds[(number, actual)] = kind
        return table

    def targets(self) -> Targets:
        """The campaign's targets for the whole campaign; a unit's own (`campaign.unit_targets`) for
        a unit, and none if it has none: a commune is never measured against the whole campaign."""
        campaign = self.settings.campaign
        if self.scope.unit_id is None:
            return campaign.targets
        return campaign.unit_targets.get(self.scope.unit_id, Targets())

    async def unit_tree(
        self, figures: dict[str | None, dict[str, int]]
    ) -> tuple[dict[str, Unit], dict[str | None, list[str]], Callable[[str], dict[str, int]]]:
        """The scope's units by id, each one's children within the scope (None: the roots), and
        `rolled(unit)`: its figures with every unit under it added (a province counts its communes)."""
        units = {u.id: u for u in await self.stats.units()}
        scope = self.scope.window.scope
        shown = [u for u in units.values() if scope is None or u.id in scope]
        # A loop that an old database holds is cut (imports refuse new ones): each unit shows once.
        parents = break_loops({u.id: u.parent_id for u in shown})
        children: dict[str | None, list[str]] = {}
        for unit in shown:  # the top of the scope is a root even if it has a parent outside it
            parent = parents[unit.id]
            children.setdefault(parent if parent in parents else None, []).append(unit.id)

        def rolled(unit_id: str) -> dict[str, int]:
            total = dict(figures.get(unit_id, {}))
            for child in children.get(unit_id, []):
                for key, value in rolled(child).items():
                    total[key] = total.get(key, 0) + value
            return total

        return units, children, rolled

    async def _unit(self) -> Table:
        figures = await self.unit_figures()
        units, children, rolled = await self.unit_tree(figures)

        table = Table("unit", "Theo đơn vị", UNITS)

        def add(unit_id: str, depth: int) -> None:
            unit = units[unit_id]
            f = rolled(unit_id)
            table.depths[len(table.rows)] = depth
            table.rows.append(self._unit_row(unit.id, unit.name, unit.parent_id, f))
            for child in sorted(children.get(unit_id, []), key=lambda c: units[c].name):
                add(child, depth + 1)

        roots = sorted((u for u in children.get(None, [])), key=lambda c: units[c].name)
        for root in roots:
            add(root, 0)
        if self.scope.window.scope is None and None in figures:
            table.rows.append(self._unit_row("", "(chưa có đơn vị)", None, figures[None]))
        return table

    @staticmethod
    def _unit_row(unit_id: str, name: str, parent: str | None, f: dict[str, int]) -> list[Any]:
        return [
            unit_id,
            name,
            parent or "",
            f.get("learners", 0),
            f.get("active_7d", 0),
            f.get("started", 0),
            f.get("completed", 0),
            rate(f.get("completed", 0), f.get("started", 0)),
            f.get("classes", 0),
            f.get("volunteers", 0),
            f.get("help_open", 0),
        ]

    async def _class(self) -> Table:
        table = Table("class", "Theo lớp", CLASSES)
        tz = self.settings.timezone
        for row in await self.stats.classes(self.scope.window, self.scope.now):
            table.rows.append(
                [
                    row["id"],
                    row["name"],
                    row["unit_id"] or "",
                    row["place"] or "",
                    local(row["held_at"], tz),
                    self._name(row["volunteer"]),
                    row["learners"],
                    row["completions"],
                    local(row["scheduled_at"], tz),
                ]
            )
        return table

    async def _lesson(self) -> Table:
        figures = await self.lesson_figures()
        table = Table("lesson", "Theo bài học", LESSONS)
        known = [lesson.id for lesson in self.catalog.lessons]
        for lesson_id in known + sorted(set(figures) - set(known)):
            lesson = self.catalog.lesson(lesson_id)
            track = self.catalog.track(lesson.track) if lesson else None
            f = figures.get(lesson_id, {})
            table.rows.append(
                [
                    lesson_id,
                    lesson.title if lesson else "(bài đã xóa)",
                    track.title if track else "",
                    f.get("started", 0),
                    f.get("completed", 0),
                    rate(f.get("completed", 0), f.get("started", 0)),
                    _round(f.get("median_minutes")),
                    rate(f.get("first_try_correct", 0), f.get("first_try_answers", 0)),
                ]
            )
        return table

    async def _volunteer(self) -> Table:
        table = Table("volunteer", "Theo tình nguyện viên", VOLUNTEERS)
        for row in await self.stats.volunteers(self.scope.window, self.scope.now):
            table.rows.append(
                [
                    row["id"],
                    self._name(row["name"]),
                    row["unit_id"] or "",
                    row["classes"],
                    row["learners"],
                    row["completions"],
                    row["help_answered"],
                ]
            )
        return table

    async def _step(self) -> Table:
        funnel = await self.funnel_figures()
        started = {k: v.get("started", 0) for k, v in (await self.lesson_figures()).items()}
        table = Table("step", "Bước bỏ dở", STEPS)
        for lesson in self.catalog.lessons:
            for number, step in enumerate(lesson.steps, start=1):
                reached = funnel.get((lesson.id, number - 1), {}).get("reached", 0)
                f = funnel.get((lesson.id, step.id), {})
                table.rows.append(
                    [
                        lesson.id,
                        lesson.title,
                        number,
                        step.id,
                        KIND_VI[step.kind],
                        reached,
                        rate(reached, started.get(lesson.id, 0)),
                        rate(f.get("first_try_correct", 0), f.get("first_try", 0))
                        if step.kind == "quiz"
                        else None,
                    ]
                )
        return table

    async def _learner(self) -> Table:
        table = Table("learner", "Học viên", LEARNERS)
        limit = self.learner_limit
        rows = await self.stats.learners(self.scope.window, limit=None if limit is None else limit + 1)
        if limit is not None and len(rows) > limit:
            rows = rows[:limit]
            table.note = (
                f"Chỉ hiện {limit:,} học viên đầu tiên. Danh sách đầy đủ: "
                "hocvuso report --by learner --format csv".replace(",", ".")
            )
        for row in rows:
            lesson = self.catalog.lesson(row["lesson_id"]) if row["lesson_id"] else None
            name = "(đã xóa dữ liệu)" if row["deleted_at"] else self._name(row["name"])
            table.rows.append(
                [
                    row["id"],
                    name,
                    row["unit_id"] or "",
                    row["started"],
                    row["completed"],
                    lesson.title if lesson else "",
                    (row["step_index"] + 1) if lesson and row["step_index"] is not None else None,
                    local(row["last_active"], self.settings.timezone),
                    row["class_name"] or "",
                    self._name(row["volunteer"]),
                ]
            )
        return table

    def _name(self, name: str | None) -> str:
        return mask(name) if self.scope.mask_names else (name or "")


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


SHEETS = ["summary", "unit", "class", "lesson", "volunteer", "step", "learner"]
# The workbook lists at most this many learners: a province's 100,000 rows would take longer to
# write than every other figure together, and nobody reads them in Excel (bench/README.md).
WORKBOOK_LEARNERS = 5_000
Progress = Callable[[int, int, str], None]

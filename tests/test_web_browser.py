"""The dashboard in a real browser (Debian's Chromium driven by Playwright): sign in through a
`hocvuso web link`, open every page, check the figures against `hocvuso report --format csv`, the
scopes (403, not an empty page), refused links, no JavaScript error, and a screenshot of each page
at phone and desktop size in tests/screenshots/."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from bot.core.events import Actor
from bot.reports.tables import UNITS
from bot.web.pages.overview import TARGETED
from tests.support.clock import Clock as FrozenClock
from tests.support.dialog import Chat
from tests.support.web import CHROMIUM, CHROMIUM_ARGS, cli_link, dashboard, need_chromium
from tests.test_reports import run_report
from tests.test_reports import seeded as seeded

pytestmark = pytest.mark.dates

# The pages asked for outside one's scope, signed out, or with a used link answer 403, 401 and 410 on
# purpose; Chromium logs each such page load as a console error. Anything else is a failure.
EXPECTED_STATUS = re.compile(r"Failed to load resource: the server responded with a status of (401|403|410)")
SHOTS = Path(__file__).resolve().parent / "screenshots"
SIZES = {"phone": (390, 844), "desktop": (1366, 768)}
PERIOD = "since=2026-11-01&until=2026-11-05"
PAGES = {
    "tong-quan": "/",
    "don-vi": "/don-vi",
    "xu-huong": "/xu-huong",
    "bai-hoc": "/bai-hoc",
    "ho-tro": "/ho-tro",
    "tinh-nguyen-vien": "/tinh-nguyen-vien",
    "lop": "/lop",
}


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    need_chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


class Watched:
    """A browser page whose JavaScript errors and failed requests are collected."""

    def __init__(self, page: Page):
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.on(
            "console",
            lambda msg: (
                self.errors.append(f"{page.url}: console {msg.type}: {msg.text}")
                if msg.type == "error" and not EXPECTED_STATUS.search(msg.text)
                else None
            ),
        )

    async def open(self, url: str, status: int = 200) -> None:
        response = await self.page.goto(url)
        assert response is not None and response.status == status, (url, response and response.status)

    async def shoot(self, name: str, db_url: str) -> None:
        if not db_url.startswith("sqlite"):
            return  # the same pages on PostgreSQL: one set of pictures is enough
        SHOTS.mkdir(exist_ok=True)
        for size, (width, height) in SIZES.items():
            await self.page.set_viewport_size({"width": width, "height": height})
            await self.page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
        await self.page.set_viewport_size({"width": 390, "height": 844})


async def new_page(browser: Browser) -> Watched:
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    context.set_default_timeout(10_000)
    return Watched(await context.new_page())


async def cli_text(db_url: str, *args: str) -> str:
    proc = await asyncio.to_thread(run_report, db_url, *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


async def cli_csv(db_url: str, *args: str) -> list[dict[str, str]]:
    proc = await asyncio.to_thread(run_report, db_url, "--format", "csv", *args)
    assert proc.returncode == 0, proc.stderr
    return list(csv.DictReader(io.StringIO(proc.stdout)))


async def test_organizer_signs_in_and_sees_the_cli_figures(
    seeded,
    db_url: str,
    browser: Browser,
    tmp_path: Path,
) -> None:
    tutor, _clock = seeded
    async with dashboard(tutor) as base:
        link = await asyncio.to_thread(cli_link, db_url, "console:org-hn", tmp_path, base)
        assert link.startswith(f"{base}/dang-nhap/")
        w = await new_page(browser)
        await w.open(link)
        await w.shoot("dang-nhap", db_url)
        await w.page.get_by_role("button", name="Đăng nhập").click()
        await w.page.wait_for_url(f"{base}/")
        assert "Tổng quan: Hà Nội" in await w.page.inner_text("h1")

        for name, path in PAGES.items():
            await w.open(f"{base}{path}?unit=hn&{PERIOD}")
            assert await w.page.locator("h1").count() == 1
            if name == "xu-huong":  # the chart is drawn from the numbers beside it
                drawn = await w.page.evaluate(
                    "() => !!window.Chart.getChart(document.getElementById('trend-chart'))"
                )
                assert drawn
            await w.shoot(name, db_url)

        # Tổng quan = `hocvuso report --format csv` (the summary) for the same unit and days.
        await w.open(f"{base}/?unit=hn&{PERIOD}")
        summary = await cli_csv(db_url, "--unit", "hn", "--since", "2026-11-01", "--until", "2026-11-05")
        assert [r["metric"] for r in summary][:4] == ["classes", "learners", "completions", "volunteers"]
        for row in summary:
            item = w.page.locator(f"[data-metric='{row['metric']}']")
            assert await item.get_attribute("data-actual") == row["actual"], row
            if row["target"]:
                assert await item.get_attribute("data-target") == row["target"], row
        # …and shows them as the text report does (Vietnamese number formats).
        text = await cli_text(db_url, "--unit", "hn", "--since", "2026-11-01", "--until", "2026-11-05")
        for row in summary:
            shown = await w.page.locator(f"[data-metric='{row['metric']}']").inner_text()
            figure = shown.split("\n")[-1] if row["metric"] not in TARGETED else shown
            line = next(line for line in text.splitlines() if line.startswith(row["metric"]))
            assert figure.split(" / ")[0].split()[-1] in line, (row, shown, line)
        learners = next(r for r in summary if r["metric"] == "learners")
        assert learners["actual"] == "5"  # the seeded five, against the configured target
        assert f"5 / {learners['target']}" in await w.page.locator("[data-metric='learners']").inner_text()

        # Theo đơn vị = `report --by unit --format csv`, cell by cell.
        await w.open(f"{base}/don-vi?unit=hn&{PERIOD}")
        by_unit = await cli_csv(
            db_url, "--by", "unit", "--unit", "hn", "--since", "2026-11-01", "--until", "2026-11-05"
        )
        assert [r["unit_id"] for r in by_unit] == ["hn", "hn-a", "hn-b"]
        for row in by_unit:
            tr = w.page.locator(f"table[data-table='unit'] tr[data-key='{row['unit_id']}']")
            for column in UNITS:
                if column.id in ("unit_id", "parent_id"):
                    continue
                cell = tr.locator(f"td[data-col='{column.id}']")
                value = row[column.id].strip() if column.id == "unit_name" else row[column.id]
                assert (await cell.get_attribute("data-value")).strip() == value, (row, column.id)
        # Its CSV download is the CLI's output, byte for byte.
        async with w.page.expect_download() as info:
            await w.page.get_by_role("link", name="Tải bảng này (CSV)").first.click()
        download = await info.value
        saved = tmp_path / "unit.csv"
        await download.save_as(saved)
        cli = await asyncio.to_thread(
            run_report,
            db_url,
            "--by",
            "unit",
            "--format",
            "csv",
            "--unit",
            "hn",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-05",
        )
        assert saved.read_text(encoding="utf-8") == cli.stdout

        # Drill down: province → commune → its classes → a class's learners.
        await w.page.get_by_role("link", name="Phường A").first.click()
        await w.page.wait_for_url(re.compile(r"unit=hn-a"))
        await w.page.get_by_role("link", name="Lớp A").click()
        await w.page.wait_for_selector("table[data-table='roster']")
        roster = await w.page.inner_text("table[data-table='roster']")
        assert "Nguyễn Thị An" in roster and "Phạm Văn Dũng" not in roster
        await w.shoot("lop-chi-tiet", db_url)

        # Sorting works without JavaScript: a header is a link.
        await w.open(f"{base}/don-vi?unit=hn&{PERIOD}&sort=learners&dir=desc")
        keys = await w.page.locator("table[data-table='unit'] tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.key)"
        )
        assert keys == ["hn", "hn-a", "hn-b"]  # 5, 3, 2 learners

        # Sign out, then the pages ask to sign in; the used link stays refused.
        await w.page.get_by_role("button", name="Đăng xuất").click()
        await w.page.wait_for_selector("text=Bạn đã đăng xuất")
        await w.open(f"{base}/don-vi", status=401)
        assert "nhắn /web" in await w.page.inner_text("main")
        await w.shoot("chua-dang-nhap", db_url)
        await w.open(link, status=410)
        assert "không dùng được" in await w.page.inner_text("h1")
        await w.shoot("link-het-han", db_url)
        assert w.errors == []


async def test_a_commune_organizer_and_a_volunteer_see_only_theirs(
    seeded,
    db_url: str,
    browser: Browser,
    tmp_path: Path,
) -> None:
    tutor, _clock = seeded
    async with dashboard(tutor) as base:
        org = await new_page(browser)
        await org.open(await asyncio.to_thread(cli_link, db_url, "console:org-a", tmp_path, base))
        await org.page.get_by_role("button", name="Đăng nhập").click()
        await org.page.wait_for_url(f"{base}/")
        await org.open(f"{base}/don-vi")
        keys = await org.page.locator("table[data-table='unit'] tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.key)"
        )
        assert keys == ["hn-a"]
        for path in ("/don-vi?unit=hn-b", "/?unit=hn-b", "/don-vi?unit=hn", "/ho-tro?unit=hn-b"):
            await org.open(f"{base}{path}", status=403)
            assert "Không thuộc phạm vi" in await org.page.inner_text("h1")
        await org.shoot("ngoai-pham-vi", db_url)
        for path in ("/tai/unit.csv?unit=hn-b", "/tai/bao-cao.xlsx?unit=hn-b", "/tai/learner.csv?unit=hn"):
            response = await org.page.request.get(f"{base}{path}")
            assert response.status == 403, path
        class_b = next(iter(await _class_ids(tutor, "Lớp B")))
        await org.open(f"{base}/lop/{class_b}", status=403)
        assert org.errors == []

        volunteer = await new_page(browser)
        await volunteer.open(await asyncio.to_thread(cli_link, db_url, "console:tnv-a", tmp_path, base))
        await volunteer.page.get_by_role("button", name="Đăng nhập").click()
        await volunteer.page.wait_for_url(f"{base}/")
        main = await volunteer.page.inner_text("main")
        assert "Lớp A" in main and "Lớp B" not in main
        roster = await volunteer.page.inner_text("table[data-table='roster']")
        for name in ("Nguyễn Thị An", "Trần Văn Bình", "Lê Thị Cúc"):
            assert name in roster
        assert "Phạm Văn Dũng" not in roster and "Hoàng Thị Em" not in roster
        assert "Bài thử nghiệm\t2/4" in roster  # each learner's current lesson and step
        assert await volunteer.page.locator("nav.pages").count() == 0
        await volunteer.shoot("tnv-trang-chinh", db_url)
        for path in ("/don-vi", "/lop", "/tai/unit.csv", f"/lop/{class_b}"):
            await volunteer.open(f"{base}{path}", status=403)
        assert volunteer.errors == []


async def test_a_link_expires_after_ten_minutes(
    seeded,
    db_url: str,
    browser: Browser,
    clock: FrozenClock,
) -> None:
    tutor, _ = seeded
    async with dashboard(tutor) as base:
        org = Chat(tutor, Actor("console", "org-hn", ""))
        late = re.search(r"http\S+", await org.text("/web")).group(0)
        clock.advance(minutes=9)
        on_time = re.search(r"http\S+", await org.text("/web")).group(0)
        clock.advance(minutes=1, seconds=1)  # the first link is now 10 minutes and 1 second old
        w = await new_page(browser)
        await w.open(late, status=410)
        assert "không dùng được" in await w.page.inner_text("h1")
        await w.open(on_time)
        await w.page.get_by_role("button", name="Đăng nhập").click()
        await w.page.wait_for_url(f"{base}/")
        assert w.errors == []


async def _class_ids(tutor, name: str) -> list[int]:
    from sqlalchemy import select

    from bot.store.models import Class

    async with tutor.db.reader() as repo:
        return list((await repo.session.execute(select(Class.id).where(Class.name == name))).scalars())

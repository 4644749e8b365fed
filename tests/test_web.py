"""The dashboard over real HTTP on 127.0.0.1 (httpx): /web links, sessions that end, CSRF, attempt
limits, the Zalo report link, cookies and headers, the generated secret, scoped downloads equal to
the CLI's. The same pages in a browser: tests/test_web_browser.py."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import datetime
from pathlib import Path

import httpx
import openpyxl
import pytest
from sqlalchemy import select

from bot.config import ConfigError, load_settings
from bot.core.engine import Tutor
from bot.core.events import Actor
from bot.store.models import AppSecret, Outbox, SupportEntry, User, WebSession, WebToken
from bot.web.app import cookie_secret
from tests.support.clock import Clock
from tests.support.dialog import Chat
from tests.support.web import dashboard, sign_in
from tests.test_reports import run_report
from tests.test_reports import seeded as seeded

pytestmark = pytest.mark.dates
LINK = re.compile(r"http://\S+")


async def people(tutor: Tutor, now) -> None:
    async with tutor.db.transaction() as repo:
        await repo.upsert_unit("hn", "Hà Nội", None, "tinh")
        await repo.upsert_unit("hn-a", "Phường A", "hn", "xa")
        await repo.grant("console", "org", "organizer", "hn", now)
        await repo.grant("zalo", "org-z", "organizer", "hn-a", now)
        await repo.grant("console", "tnv", "volunteer", "hn-a", now)


def link_in(text: str) -> str:
    found = LINK.search(text)
    assert found, text
    return found.group(0)


async def test_web_gives_volunteers_and_organizers_a_link_learners_are_told_it_is_unknown(
    tutor: Tutor, clock: Clock
) -> None:
    await people(tutor, clock.now)
    org = Chat(tutor, Actor("console", "org", "Hà"))
    assert "chưa được bật" in await org.text("/web")  # no web.url and not enabled: said plainly
    async with dashboard(tutor) as base:
        text = await org.text("/web")
        assert len(text) <= 500 and "một lần" in text and "10 phút" in text
        assert link_in(text).startswith(f"{base}/dang-nhap/")
        volunteer = org.person("tnv", "Minh")
        assert link_in(await volunteer.text("/web")).startswith(base)
        learner = org.person("hv-1", "Bà Lan")
        assert "/dang-nhap/" not in await learner.text("/web")
    async with tutor.db.reader() as repo:
        hashes = list((await repo.session.execute(select(WebToken.token_hash))).scalars())
    token = link_in(text).rsplit("/", 1)[1]
    assert len(hashes) == 2 and token not in hashes  # only hashes are stored


async def test_a_session_ends_on_sign_out_idle_role_change_and_erasure(tutor: Tutor, clock: Clock) -> None:
    await people(tutor, clock.now)
    org = Chat(tutor, Actor("console", "org", "Hà"))
    volunteer = org.person("tnv", "Minh")
    async with dashboard(tutor) as base:
        async with httpx.AsyncClient() as client:  # idle for 12 hours
            assert (await sign_in(client, link_in(await org.text("/web")))).status_code == 200
            clock.advance(hours=11, minutes=59)
            assert (await client.get(f"{base}/don-vi")).status_code == 200  # activity keeps it alive
            clock.advance(hours=11, minutes=59)
            assert (await client.get(f"{base}/don-vi")).status_code == 200
            clock.advance(hours=12, minutes=1)
            assert (await client.get(f"{base}/don-vi")).status_code == 401
        async with httpx.AsyncClient() as client:  # signed out
            page = await sign_in(client, link_in(await org.text("/web")))
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
            assert (await client.post(f"{base}/dang-xuat", data={"csrf": "forged"})).status_code == 403
            assert (await client.get(f"{base}/")).status_code == 200
            assert "đã đăng xuất" in (await client.post(f"{base}/dang-xuat", data={"csrf": csrf})).text
            assert (await client.get(f"{base}/")).status_code == 401
        async with httpx.AsyncClient() as client:  # role changed
            assert (await sign_in(client, link_in(await volunteer.text("/web")))).status_code == 200
            assert (await client.get(f"{base}/")).status_code == 200
            async with tutor.db.transaction() as repo:
                await repo.grant("console", "tnv", "learner", None, clock.now)
            assert (await client.get(f"{base}/")).status_code == 401
        async with httpx.AsyncClient() as client:  # an organizer made a volunteer: no organizer pages
            assert (await sign_in(client, link_in(await org.text("/web")))).status_code == 200
            async with tutor.db.transaction() as repo:
                await repo.grant("console", "org", "volunteer", None, clock.now)
            assert (await client.get(f"{base}/don-vi")).status_code == 401
            async with tutor.db.transaction() as repo:
                await repo.grant("console", "org", "organizer", None, clock.now)
        async with httpx.AsyncClient() as client:  # /xoadulieu
            assert (await sign_in(client, link_in(await org.text("/web")))).status_code == 200
            unused = link_in(await org.text("/web"))
            await org.say("/xoadulieu")
            await org.say("[press 1]")
            assert (await client.get(f"{base}/")).status_code == 401
            assert (await client.get(unused)).status_code == 410
    async with tutor.db.reader() as repo:
        assert list((await repo.session.execute(select(WebSession))).scalars()) == []


async def test_sign_in_needs_the_form_token_and_bad_links_are_limited(tutor: Tutor, clock: Clock) -> None:
    await people(tutor, clock.now)
    org = Chat(tutor, Actor("console", "org", "Hà"))
    async with dashboard(tutor) as base:
        link = link_in(await org.text("/web"))
        async with httpx.AsyncClient() as client:
            assert (await client.get(link)).status_code == 200  # a preview only looks: the link stays usable
            assert (await client.post(link, data={"csrf": "guess"})).status_code == 403
            assert (await client.get(f"{base}/")).status_code == 401
            assert (await sign_in(client, link)).status_code == 200
            assert (await client.get(link)).status_code == 410  # used
        async with httpx.AsyncClient() as client:
            for number in range(9):  # the used link above was the first of 10 failed attempts
                answer = await client.get(f"{base}/dang-nhap/not-a-token-{number}")
                assert answer.status_code == 410
            refused = await client.get(f"{base}/dang-nhap/not-a-token-x")
            assert refused.status_code == 429 and "15 phút" in refused.text
            good = link_in(await org.text("/web"))
            assert (await client.get(good)).status_code == 429  # even a good link, for a while
            clock.advance(minutes=15, seconds=1)  # the failures have aged out (and that link expired)
            assert (await sign_in(client, link_in(await org.text("/web")))).status_code == 200


async def test_baocao_on_zalo_is_a_one_time_download_link(tutor: Tutor, clock: Clock) -> None:
    await people(tutor, clock.now)
    organizer = Chat(tutor, Actor("zalo", "org-z", "Hà"))
    async with dashboard(tutor) as base:
        replies = await organizer.say("/baocao")
        assert replies[0].document is None
        assert "Phường A" in replies[0].text and len(replies[0].text) <= 500
        link = link_in(replies[0].text)
        assert link.startswith(f"{base}/tai-bao-cao/")
        async with httpx.AsyncClient() as client:
            form = await client.get(link)
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
            answer = await client.post(link, data={"csrf": csrf})
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
            workbook = openpyxl.load_workbook(io.BytesIO(answer.content))
            assert workbook.sheetnames[0] == "Tổng hợp"
            assert (await client.post(link, data={"csrf": csrf})).status_code == 410
        # Telegram (files work there) still gets the workbook itself.
        on_telegram = Chat(tutor, Actor("telegram", "42", "Hà"))
        async with tutor.db.transaction() as repo:
            user_id = (await repo.grant("telegram", "42", "organizer", "hn", clock.now)).id
        assert (await on_telegram.say("/baocao"))[0].text.startswith("⏳")  # built after the turn
        await tutor.drain()
        async with tutor.db.reader() as repo:
            payloads = (
                await repo.session.execute(select(Outbox.payload).where(Outbox.user_id == user_id))
            ).scalars()
            assert any("document" in payload for payload in payloads)


async def test_cookie_headers_and_the_generated_secret(tutor: Tutor, clock: Clock) -> None:
    await people(tutor, clock.now)
    org = Chat(tutor, Actor("console", "org", "Hà"))
    async with dashboard(tutor) as base, httpx.AsyncClient() as client:
        page = await client.get(link_in(await org.text("/web")))
        cookie = page.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
        assert "max-age=43200" in cookie
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["x-frame-options"] == "DENY"
    async with dashboard(tutor, https=True) as base, httpx.AsyncClient() as client:
        page = await client.get(link_in(await org.text("/web")))
        assert "secure" in page.headers["set-cookie"].lower()
    async with tutor.db.reader() as repo:
        kept = (await repo.session.execute(select(AppSecret))).scalars().all()
    assert [s.name for s in kept] == ["web_cookie"] and len(kept[0].value) >= 48
    assert await cookie_secret(tutor.db, tutor.settings) == kept[0].value  # the next process shares it
    tutor.settings.web.secret = "x" * 40
    assert await cookie_secret(tutor.db, tutor.settings) == "x" * 40
    assert base


def test_web_settings_are_checked_and_the_secret_can_come_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(None, env={"HOCVUSO_WEB_SECRET": "s" * 32})
    assert settings.web.secret == "s" * 32 and settings.web.listen == "127.0.0.1"
    assert not settings.web.enabled
    config = tmp_path / "c.yaml"
    config.write_text("web: {secret: short}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"web\.secret: .*32"):
        load_settings(config, env={})
    config.write_text("web: {url: 'bot.example.vn'}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"web\.url"):
        load_settings(config, env={})
    config.write_text("web: {url: 'https://bot.example.vn/web/'}\n", encoding="utf-8")
    assert load_settings(config, env={}).web.url == "https://bot.example.vn/web"


async def test_every_download_equals_the_cli_and_bad_days_are_explained(
    seeded, db_url: str, tmp_path: Path
) -> None:
    tutor, _clock = seeded
    org = Chat(tutor, Actor("console", "org-a", ""))
    # Support logged face to face in two different weeks (Sunday 1 and Tuesday 3 November, local),
    # in the organizer's commune and in another one (outside the scope: not counted).
    async with tutor.db.transaction() as repo:
        volunteer = (
            (await repo.session.execute(select(User.id).where(User.role == "volunteer"))).scalars().first()
        )
        for unit_id, people, at in (
            ("hn-a", 3, datetime(2026, 11, 1, 3)),
            ("hn-a", 2, datetime(2026, 11, 3, 3)),
            ("hn-a", 1, datetime(2026, 11, 3, 4)),
            ("hn-b", 7, datetime(2026, 11, 3, 3)),
        ):
            repo.session.add(
                SupportEntry(
                    volunteer_id=volunteer,
                    kind="vneid",
                    place="center",
                    people=people,
                    unit_id=unit_id,
                    created_at=at,
                )
            )
    # The period ends before the test's (frozen) now, so "now" is its end for the CLI process too.
    days = ["--since", "2026-11-01", "--until", "2026-11-04"]
    async with dashboard(tutor) as base, httpx.AsyncClient() as client:
        assert (await sign_in(client, link_in(await org.text("/web")))).status_code == 200
        query = "?since=2026-11-01&until=2026-11-04"
        for key in (
            "summary",
            "unit",
            "class",
            "lesson",
            "volunteer",
            "step",
            "learner",
            "week",
            "help_age",
            "help_unit",
            "help_volunteer",
        ):
            web = await client.get(f"{base}/tai/{key}.csv{query}")
            assert web.status_code == 200, key
            by = [] if key == "summary" else ["--by", key]
            cli = await asyncio.to_thread(run_report, db_url, *by, "--format", "csv", "--unit", "hn-a", *days)
            assert cli.returncode == 0, cli.stderr
            assert web.text == cli.stdout, key
        # The weeks add up to the period's totals: the same definitions, week by week.
        weeks = list(csv.DictReader(io.StringIO((await client.get(f"{base}/tai/week.csv{query}")).text)))
        totals = {
            r["metric"]: r["actual"]
            for r in csv.DictReader(io.StringIO((await client.get(f"{base}/tai/summary.csv{query}")).text))
        }
        for week_column, metric in (
            ("new_learners", "learners"),
            ("lessons_started", "lessons_started"),
            ("lessons_completed", "completions"),
            ("classes_held", "classes_held"),  # each class held in one week of this period
            ("people_supported", "people_supported"),
        ):
            assert sum(int(w[week_column]) for w in weeks) == int(totals[metric]) > 0, metric
        assert [int(w["people_supported"]) for w in weeks] == [3, 3]  # Sunday's week, then Tuesday's
        assert "week" in (await client.get(f"{base}/tai/week.csv")).headers["content-disposition"]
        workbook = await client.get(f"{base}/tai/bao-cao.xlsx{query}")
        out = tmp_path / "cli.xlsx"
        cli = await asyncio.to_thread(
            run_report, db_url, "--format", "xlsx", "--unit", "hn-a", *days, "--out", str(out)
        )
        assert cli.returncode == 0, cli.stderr
        mine = openpyxl.load_workbook(io.BytesIO(workbook.content))
        theirs = openpyxl.load_workbook(out)
        assert mine.sheetnames == theirs.sheetnames
        for name in mine.sheetnames:
            assert list(mine[name].values) == list(theirs[name].values), name
        bad = await client.get(f"{base}/don-vi?since=1/11/2026")
        assert bad.status_code == 400 and "2026-11-01" in bad.text
        assert (await client.get(f"{base}/don-vi?since=2026-11-05&until=2026-11-01")).status_code == 400
        assert (await client.get(f"{base}/tai/secrets.csv")).status_code == 404

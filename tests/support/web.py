"""The dashboard served for real on 127.0.0.1 (any free port) inside the test's event loop, on the
test's database, so the frozen clock applies to it too."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from bot.core.engine import Tutor
from bot.web import WebServer, build_app

LESSONS = Path(__file__).resolve().parents[1] / "data" / "lessons"


@contextlib.asynccontextmanager
async def dashboard(tutor: Tutor, https: bool = False) -> AsyncIterator[str]:
    """Yields the dashboard's address; the tutor's settings get it as web.url, so /web and
    /baocao links point at it."""
    server = WebServer(None, "127.0.0.1", 0)  # type: ignore[arg-type]
    port = server.bind()
    base = f"http://127.0.0.1:{port}"
    tutor.settings.web.url = base
    tutor.settings.web.enabled = True
    server.app = await build_app(tutor.db, tutor.settings, lambda: tutor.catalog)
    if https:  # as behind a TLS proxy: only the cookie's Secure flag differs
        tutor.settings.web.url = base.replace("http://", "https://")
        server.app = await build_app(tutor.db, tutor.settings, lambda: tutor.catalog)
        tutor.settings.web.url = base
    serving = asyncio.create_task(server.serve())
    try:
        yield base
    finally:
        server.stop()
        await serving


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# HOCVUSO_TEST_BROWSER: "1" requires Chromium (CI), "0" skips the browser tests, unset runs them when installed.
BROWSER_MODE = os.environ.get("HOCVUSO_TEST_BROWSER", "auto")


def need_chromium() -> None:
    if BROWSER_MODE == "0":
        pytest.skip("browser tests disabled (HOCVUSO_TEST_BROWSER=0)")
    if not CHROMIUM.exists():
        if BROWSER_MODE == "1":
            pytest.fail(
                "Chromium not found at /usr/bin/chromium (apt-get install chromium; ./scripts/test does it)"
            )
        pytest.skip(
            "Chromium not installed (/usr/bin/chromium): apt-get install chromium, or run ./scripts/test"
        )


def cli_link(db_url: str, who: str, tmp_path: Path, base: str) -> str:
    """`hocvuso web link <who>` with `web.url: <base>`, run in this process (so on the test's frozen
    clock): the link it prints."""
    config = tmp_path / f"web-link-{who.replace(':', '-')}.yaml"
    config.write_text(
        f"database_url: '{db_url}'\nlessons_dir: '{LESSONS}'\nlog_level: WARNING\nweb: {{url: '{base}'}}\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["web", "link", who, "--config", str(config)])
    assert code == 0, out.getvalue()
    return out.getvalue().strip()


async def sign_in(client: httpx.AsyncClient, link: str) -> httpx.Response:
    """Open a sign-in link and press «Đăng nhập», as the browser does."""
    page = await client.get(link)
    if page.status_code != 200:
        return page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text
    return await client.post(link, data={"csrf": csrf.group(1)}, follow_redirects=True)

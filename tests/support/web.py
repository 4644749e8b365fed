"""The dashboard served for real on 127.0.0.1 (any free port) inside the test's event loop, on the
test's database, so the frozen clock applies to it too."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from bot.core.engine import Tutor
from bot.web import WebServer, build_app


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
    serving = __import__("asyncio").create_task(server.serve())
    try:
        yield base
    finally:
        server.stop()
        await serving

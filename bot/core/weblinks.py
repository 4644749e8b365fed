"""One-time links to the web dashboard (bot/web): sign-in (/web, `hocvuso web link`) and report
downloads (/baocao on Zalo, which cannot carry files). The paths are defined here, once, for the
features that make links and the web app that serves them."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.config import Settings
from bot.store import Repository

SIGNIN_PATH = "/dang-nhap/"
DOWNLOAD_PATH = "/tai-bao-cao/"
SIGNIN_TTL = timedelta(minutes=10)
DOWNLOAD_TTL = timedelta(minutes=30)


def web_base(settings: Settings, local_fallback: bool = False) -> str | None:
    """The dashboard's public address; None when it is not offered (neither url nor enabled).
    `local_fallback`: the address it listens on, for the operator at the server (`hocvuso web link`)."""
    web = settings.web
    if web.url:
        return web.url
    if web.enabled or local_fallback:
        host = f"[{web.listen}]" if ":" in web.listen else web.listen
        if host in ("0.0.0.0", "[::]"):
            host = "127.0.0.1"
        return f"http://{host}:{web.port}"
    return None


async def signin_link(repo: Repository, base: str, user_id: int, now: datetime) -> str:
    token = await repo.issue_web_token("signin", user_id, now, SIGNIN_TTL)
    return f"{base}{SIGNIN_PATH}{token}"


async def download_link(repo: Repository, base: str, user_id: int, now: datetime) -> str:
    token = await repo.issue_web_token("download", user_id, now, DOWNLOAD_TTL)
    return f"{base}{DOWNLOAD_PATH}{token}"

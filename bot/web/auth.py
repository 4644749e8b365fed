"""Who is looking: sign-in with a one-time link from the bot (/web), the session behind the cookie,
sign-out, and the one-time report download link (/baocao on Zalo).

The cookie (Starlette's SessionMiddleware: signed, HttpOnly, SameSite=Lax, Secure behind https)
carries a random session id; the database keeps only its SHA-256, with the person's role and unit
at sign-in. Each request checks that session: idle over 12 hours, a role or unit changed since, or
erased data (/xoadulieu) ends it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.clock import utcnow
from bot.core.weblinks import DOWNLOAD_PATH, SIGNIN_PATH
from bot.reports import build_tables, campaign_period, report_scope
from bot.reports.campaign import SHEETS, WORKBOOK_SESSIONS
from bot.reports.render import to_xlsx
from bot.reports.shapes import Scope, local
from bot.reports.tables import WORKBOOK_LEARNERS
from bot.store import Repository
from bot.store.models import User
from bot.web.context import SESSION_IDLE, web
from bot.web.render import page
from bot.web.security import client_of, csrf_ok, csrf_token

TOUCH_EVERY = timedelta(minutes=1)  # write last_seen_at at most this often per session
ROLES = ("organizer", "volunteer")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Viewer:
    user_id: int
    name: str
    role: str  # organizer | volunteer
    unit_id: str | None
    unit_name: str
    scope: list[str] | None  # organizers: unit ids they cover (None: all); volunteers: None, unused

    @property
    def is_organizer(self) -> bool:
        return self.role == "organizer"


async def current_viewer(request: Request) -> Viewer | None:
    """The signed-in person, or None (no cookie, or a session that has ended)."""
    raw = request.session.get("sid")
    if not isinstance(raw, str):
        return None
    ctx, now = web(request), utcnow()
    async with ctx.db.reader() as repo:
        session = await repo.web_session(raw)
        user = await repo.user(session.user_id) if session else None
        valid = (
            session is not None
            and user is not None
            and session.last_seen_at > now - SESSION_IDLE
            and user.deleted_at is None
            and user.role == session.role
            and user.unit_id == session.unit_id
            and user.role in ROLES
        )
        viewer = await _viewer(repo, user) if valid and user is not None else None
        stale = valid and session is not None and session.last_seen_at < now - TOUCH_EVERY
    if viewer is None:
        if session is not None:
            async with ctx.db.transaction() as repo:
                await repo.end_web_session(raw)
        request.session.clear()
        return None
    if stale:
        async with ctx.db.transaction() as repo:
            fresh = await repo.web_session(raw)
            if fresh is not None:
                fresh.last_seen_at = now
        # A changed session is signed and sent again: the cookie's own 12 hours start over too.
        request.session["seen"] = now.strftime("%Y-%m-%dT%H:%M")
    return viewer


async def _viewer(repo: Repository, user: User) -> Viewer:
    unit = await repo.unit(user.unit_id) if user.unit_id else None
    scope = await repo.scope(user.unit_id) if user.role == "organizer" else None
    return Viewer(
        user_id=user.id,
        name=user.display_name or f"Người dùng #{user.id}",
        role=user.role,
        unit_id=user.unit_id,
        unit_name=unit.name if unit else "Toàn chiến dịch",
        scope=scope,
    )


async def require_viewer(request: Request, organizer: bool = False) -> Viewer:
    viewer = await current_viewer(request)
    if viewer is None:
        raise HTTPException(401)
    if organizer and not viewer.is_organizer:
        raise HTTPException(403)
    return viewer


# --- one-time links ----------------------------------------------------------------------------


def _refuse_if_limited(request: Request) -> None:
    if web(request).limiter.blocked(client_of(request)):
        raise HTTPException(429)


async def _token_state(request: Request, kind: str, token: str) -> bool:
    """True when the link can still be used (unused, unexpired); a failed look counts as an attempt."""
    async with web(request).db.reader() as repo:
        row = await repo.web_token(kind, token)
    usable = row is not None and row.used_at is None and row.expires_at > utcnow()
    if not usable:
        web(request).limiter.failed(client_of(request))
    return usable


def _link_refused(request: Request) -> Response:
    return page(request, "link_refused.html", {}, status_code=410)


async def signin_form(request: Request) -> Response:
    """The link opens a page with one button: chat apps fetch links for previews, and a preview
    must not use up the link."""
    _refuse_if_limited(request)
    token = request.path_params["token"]
    if not await _token_state(request, "signin", token):
        return _link_refused(request)
    return page(request, "signin.html", {"csrf": csrf_token(request), "action": f"{SIGNIN_PATH}{token}"})


async def signin(request: Request) -> Response:
    _refuse_if_limited(request)
    ctx, token = web(request), request.path_params["token"]
    form = await request.form()
    if not csrf_ok(request, form.get("csrf")):
        raise HTTPException(403)
    now = utcnow()
    async with ctx.db.transaction() as repo:
        user_id = await repo.use_web_token("signin", token, now)
        user = await repo.user(user_id) if user_id is not None else None
        if user is None or user.deleted_at is not None or user.role not in ROLES:
            raw = None
        else:
            raw = await repo.open_web_session(user, now, SESSION_IDLE)
    if raw is None:
        ctx.limiter.failed(client_of(request))
        return _link_refused(request)
    request.session.clear()
    request.session["sid"] = raw
    csrf_token(request)  # a fresh CSRF token for the signed-in session
    return RedirectResponse(f"{ctx.base}/", status_code=303)


async def signout(request: Request) -> Response:
    ctx = web(request)
    form = await request.form()
    if not csrf_ok(request, form.get("csrf")):
        raise HTTPException(403)
    raw = request.session.get("sid")
    if isinstance(raw, str):
        async with ctx.db.transaction() as repo:
            await repo.end_web_session(raw)
    request.session.clear()
    return page(request, "signed_out.html", {})


async def download_form(request: Request) -> Response:
    _refuse_if_limited(request)
    token = request.path_params["token"]
    if not await _token_state(request, "download", token):
        return _link_refused(request)
    return page(request, "download.html", {"csrf": csrf_token(request), "action": f"{DOWNLOAD_PATH}{token}"})


async def download(request: Request) -> Response:
    """The workbook of the person's scope as it is now (the same as /baocao on Telegram)."""
    _refuse_if_limited(request)
    ctx, token = web(request), request.path_params["token"]
    form = await request.form()
    if not csrf_ok(request, form.get("csrf")):
        raise HTTPException(403)
    now = utcnow()
    async with ctx.db.transaction() as repo:
        user_id = await repo.use_web_token("download", token, now)
        user = await repo.user(user_id) if user_id is not None else None
    if user is None or user.deleted_at is not None or user.role != "organizer":
        ctx.limiter.failed(client_of(request))
        return _link_refused(request)
    unit_id = user.unit_id

    async def build(repo: Repository) -> tuple[Scope, bytes]:
        # The same workbook as /baocao on Telegram (the campaign period, every sheet), built the
        # same way: in a worker thread on its own connection, so the bot's learners never wait.
        since, until = campaign_period(ctx.settings)
        scope = await report_scope(repo, unit_id, now if until is None else min(now, until), since, until)
        tables = await build_tables(
            repo,
            ctx.catalog,
            ctx.settings,
            scope,
            SHEETS,
            learner_limit=WORKBOOK_LEARNERS,
            session_limit=WORKBOOK_SESSIONS,
        )
        return scope, to_xlsx(tables, f"{ctx.settings.campaign.name} — {scope.unit_name}")

    scope, content = await ctx.db.read_in_thread(build)
    day = local(now, ctx.settings.timezone)
    name = f"bao-cao-{scope.unit_id or 'toan-bo'}-{day:%Y-%m-%d}.xlsx" if day else "bao-cao.xlsx"
    return Response(
        content, media_type=XLSX, headers={"content-disposition": f'attachment; filename="{name}"'}
    )

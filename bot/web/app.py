"""The Starlette application: routes, the signed session cookie, security headers, error pages."""

from __future__ import annotations

import logging
from collections.abc import Callable

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bot.clock import utcnow
from bot.config import Settings
from bot.core.weblinks import DOWNLOAD_PATH, SIGNIN_PATH
from bot.lessons import Catalog
from bot.store import Database
from bot.web import auth
from bot.web.context import HERE, SESSION_IDLE, WebContext, base_path
from bot.web.pages import downloads, lessons, overview, people, support, trends, units
from bot.web.render import page
from bot.web.security import SecurityHeaders

log = logging.getLogger("hocvuso.web")

ERRORS = {
    400: ("Yêu cầu chưa đúng", "Địa chỉ trang có chỗ chưa đúng."),
    401: (
        "Bạn cần đăng nhập",
        "Để vào trang quản lý, bạn nhắn /web cho bot Học vụ số trên Telegram hoặc Zalo "
        "và mở link bot gửi (dùng một lần, trong 10 phút).",
    ),
    403: ("Không thuộc phạm vi của bạn", "Trang này nằm ngoài đơn vị bạn phụ trách."),
    404: ("Không tìm thấy trang", "Trang này không có. Bạn quay về trang chính nhé."),
    405: ("Không làm được", "Trang này không nhận yêu cầu kiểu này."),
    429: (
        "Thử quá nhiều lần",
        "Có quá nhiều lần mở link không hợp lệ từ máy này. Bạn đợi 15 phút rồi nhắn /web để lấy link mới.",
    ),
    500: ("Có lỗi", "Trang gặp lỗi. Bạn thử lại sau ít phút; nếu còn lỗi, báo người quản trị."),
}


async def home(request: Request) -> Response:
    viewer = await auth.current_viewer(request)
    if viewer is None:
        raise HTTPException(401)
    if viewer.is_organizer:
        return await overview.overview(request)
    return await people.my_classes(request)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    title, text = ERRORS.get(exc.status_code, ERRORS[400])
    if exc.status_code == 400 and exc.detail and exc.detail != "Bad Request":
        text = exc.detail
    return page(request, "message.html", {"title": title, "text": text}, status_code=exc.status_code)


async def server_error(request: Request, exc: Exception) -> Response:
    log.error("web: %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
    title, text = ERRORS[500]
    return page(request, "message.html", {"title": title, "text": text}, status_code=500)


def routes() -> list[Route | Mount]:
    return [
        Route("/", home),
        Route("/don-vi", units.units),
        Route("/xu-huong", trends.trends),
        Route("/bai-hoc", lessons.lessons),
        Route("/ho-tro", support.support),
        Route("/tinh-nguyen-vien", people.volunteers),
        Route("/lop", people.classes),
        Route("/lop/{class_id}", people.class_detail),
        Route("/tai/bao-cao.xlsx", downloads.workbook),
        Route("/tai/{key}.csv", downloads.table_csv),
        Route(SIGNIN_PATH + "{token}", auth.signin_form, methods=["GET"]),
        Route(SIGNIN_PATH + "{token}", auth.signin, methods=["POST"]),
        Route("/dang-xuat", auth.signout, methods=["POST"]),
        Route(DOWNLOAD_PATH + "{token}", auth.download_form, methods=["GET"]),
        Route(DOWNLOAD_PATH + "{token}", auth.download, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


async def cookie_secret(db: Database, settings: Settings) -> str:
    """web.secret / HOCVUSO_WEB_SECRET, else a random key made once and kept in the database."""
    if settings.web.secret:
        return settings.web.secret
    async with db.transaction() as repo:
        return await repo.app_secret("web_cookie", utcnow())


async def build_app(db: Database, settings: Settings, lessons: Callable[[], Catalog]) -> Starlette:
    # Every value a stranger can type (names of people, classes, units) is escaped, whatever the file name.
    templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True))
    context = WebContext(db, settings, lessons, templates, base_path(settings))
    secure = bool(settings.web.url and settings.web.url.startswith("https://"))
    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=await cookie_secret(db, settings),
                session_cookie="hocvuso_web",
                max_age=int(SESSION_IDLE.total_seconds()),
                path=context.base or "/",
                same_site="lax",
                https_only=secure,
            ),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    app.state.web = context
    return app

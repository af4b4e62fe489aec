"""The FastAPI application: wires settings, limits, auth, CORS, the API, the upload page and the add-in routes."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from xlpy import __version__
from xlpy.server import errors, upload_page
from xlpy.server.api import router as api_router
from xlpy.server.limits import BodyLimitMiddleware, Conversions
from xlpy.server.settings import Settings

log = logging.getLogger("xlpy.server")

# Paths that carry clerk data and therefore need the token when one is configured.
PROTECTED_PREFIXES = ("/api/", "/xlwings/", "/addin/render")

DESCRIPTION = """政府信息公开工作年度报告的校验与生成服务。

* `POST /api/validate` 上传工作簿，返回校验结果（与 `xlpy validate --format json` 相同）；
* `POST /api/render` 生成报告（md、html、docx、json 或 zip）；
* `POST /api/annotate` 返回带校验结果的工作簿副本；
* `GET /api/template/{year}` 下载空白工作簿。

所有错误响应均为 `{"ok": false, "error": "中文说明", "errors": [...], "status": 状态码}`。
部署方配置了访问令牌时，`/api/` 与 `/xlwings/` 需带 `Authorization: Bearer <令牌>`。
上传的文件只在内存（或私有临时目录）中处理，响应后即丢弃。"""


@dataclass
class State:
    """What the handlers share: the settings and the conversion pool."""

    settings: Settings
    conversions: Conversions


def create_app(settings: Settings | None = None, **overrides: Any) -> FastAPI:
    """The xlpy HTTP app for `settings` (defaults when None; keyword overrides for tests)."""
    settings = (settings or Settings()).with_overrides(**overrides)
    from xlpy.rules.disk_cache import set_directory

    set_directory(settings.register_cache)  # this process's checks (threads executor, xlwings routes)
    state = State(settings, Conversions(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import asyncio

        await asyncio.get_running_loop().run_in_executor(None, state.conversions.warm)
        yield
        state.conversions.close()
        # This process's warm LibreOffice (the "threads" executor converts here; worker processes stop
        # theirs as they exit, render/converter.py).
        from xlpy.render.pdf import shutdown as stop_pdf_converter

        stop_pdf_converter()

    app = FastAPI(
        title="xlpy 政府信息公开年报服务",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.xlpy = state
    errors.install(app)

    # Starlette runs the last-added middleware first: CORS → token → body limit → routes,
    # so a refused token never costs an upload, and every refusal still gets CORS headers.
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_upload_bytes)
    if settings.token:
        app.add_middleware(TokenMiddleware, token=settings.token)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Content-Disposition"],
            max_age=600,
        )
    app.add_middleware(HeadersMiddleware)

    @app.get("/healthz", tags=["服务"], summary="健康检查")
    async def healthz() -> dict[str, Any]:
        return {"ok": True, "version": __version__, "max_conversions": settings.max_conversions}

    app.include_router(api_router)
    if settings.db:  # the supervisor's workspace; a database that cannot be opened stops start-up here
        from xlpy.server import workspace_routes

        workspace_routes.mount(app, settings)
    upload_page.mount(app)
    _include_xlwings(app)
    return app


def app_from_env() -> FastAPI:
    """App factory for uvicorn worker processes (`xlpy serve --workers N`): config file from the environment."""
    import os

    from xlpy.server.settings import load_settings

    settings = load_settings(os.environ.get("XLPY_SERVE_CONFIG") or None)
    return create_app(settings.with_overrides(db=os.environ.get("XLPY_SERVE_DB") or None))


def _include_xlwings(app: FastAPI) -> None:
    """The Excel add-in endpoints, when their module (and xlwings) are installed."""
    import importlib

    try:
        xlwings_routes = importlib.import_module("xlpy.server.xlwings_routes")
    except ModuleNotFoundError as exc:
        if exc.name not in ("xlpy.server.xlwings_routes", "xlwings"):
            raise
        log.info("Excel add-in routes not available: %s", exc)
        return
    app.include_router(xlwings_routes.router)
    from xlpy.server import macro_routes, office_js, wps_routes  # the add-in companions of the /xlwings/ endpoints

    app.include_router(office_js.router)
    app.include_router(wps_routes.router)
    app.include_router(macro_routes.router)


def route_path(scope: Scope) -> str:
    """The path the router matches: behind a proxy (`--root-path /xlpy`) scope["path"] is /xlpy/api/…,
    and checking that against /api/ let every request through without the token."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("/", ""):
        return path[len(root) :] or "/"
    return path


class TokenMiddleware:
    """Bearer-token check for data endpoints, before the body is read (a refused client uploads nothing)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and route_path(scope).startswith(PROTECTED_PREFIXES)
            and scope["method"] != "OPTIONS"
            and not self._authorised(scope)
        ):
            body = json.dumps(errors.error_body(401, errors.STATUS_ZH[401]), ensure_ascii=False).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"www-authenticate", b'Bearer realm="xlpy"'),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    def _authorised(self, scope: Scope) -> bool:
        for key, value in scope.get("headers", ()):
            if key == b"authorization":
                scheme, _, given = value.partition(b" ")
                return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self.token)
        return False


class HeadersMiddleware:
    """Headers every response carries: no MIME sniffing, no referrer leaking file names."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
                if route_path(scope).startswith(PROTECTED_PREFIXES):  # clerk data: never cached
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

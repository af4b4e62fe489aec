"""Office.js from this server instead of Microsoft's CDN, for networks that cannot reach it (政务内网).

Microsoft's Office.js README (npm @microsoft/office-js 1.1.110) says the npm package is no longer
supported and that add-ins in a closed environment should download the files they need from the CDN
and serve them with the add-in. An administrator who does so sets XLPY_OFFICE_JS_DIR to that folder
(office.js and the host files it loads beside it); the add-in pages then load /addin/office-js/office.js
and their CSP allows no other origin. Unset: the pages load the CDN copy, as Microsoft recommends.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from xlpy.server.errors import ApiError

CDN = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js"
LOCAL = "office-js/office.js"  # relative to /addin/
ENV = "XLPY_OFFICE_JS_DIR"
MEDIA = {".js": "text/javascript; charset=utf-8", ".json": "application/json", ".css": "text/css; charset=utf-8"}
router = APIRouter(tags=["Excel"])


def local_dir() -> Path | None:
    """The folder holding a copy of Office.js, when the deployment configured one."""
    configured = os.environ.get(ENV, "").strip()
    return Path(configured) if configured else None


def page(html: bytes) -> tuple[bytes, str]:
    """An add-in page as served: (body, Content-Security-Policy) with Office.js from the CDN or from here."""
    local = local_dir()
    office = "" if local else " https://appsforoffice.microsoft.com"
    if local:
        html = html.replace(CDN.encode(), LOCAL.encode())
    csp = (
        f"default-src 'self'; script-src 'self'{office}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        f"connect-src 'self'{office}; frame-ancestors https: 'self'"
    )
    return html, csp


@router.get("/addin/office-js/{path:path}", summary="本服务器托管的 Office.js（设置了 XLPY_OFFICE_JS_DIR 时）")
async def office_js_file(path: str) -> Response:
    root = local_dir()
    if root is None:
        raise ApiError(404, f"本服务器未托管 Office.js（未设置 {ENV}）。")
    base = root.resolve()
    file = (base / path).resolve()
    media = MEDIA.get(file.suffix.lower())
    if media is None or not file.is_relative_to(base) or not file.is_file():
        raise ApiError(404, f"Office.js 文件不存在：{path}")
    return Response(file.read_bytes(), media_type=media, headers={"Cache-Control": "public, max-age=3600"})

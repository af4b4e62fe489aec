"""The WPS add-in's files (workbook/wps/, the wpsjs layout) and a jsplugins.xml pointing WPS at this server."""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xlpy.server.errors import ApiError

router = APIRouter(tags=["WPS"])
STATIC = {  # path under workbook/wps/ -> media type (nothing else there is served)
    "index.html": "text/html; charset=utf-8",
    "main.js": "text/javascript; charset=utf-8",
    "ribbon.xml": "application/xml; charset=utf-8",
    "js/xlpy_et.js": "text/javascript; charset=utf-8",
    "js/ribbon.js": "text/javascript; charset=utf-8",
}
ADDIN_NAME = "xlpy"  # the name jsplugins.xml gives WPS; WPS keys the add-in by it
ADDIN_VERSION = "1.0.0"


def wps_dir() -> Path:
    from xlpy.resources import workbook_dir

    return workbook_dir() / "wps"


@router.get("/wps/jsplugins.xml", summary="WPS 加载项清单（jsplugins.xml，按本服务地址生成）")
async def jsplugins(request: Request) -> Response:
    from xlpy.server.xlwings_routes import public_base

    return Response(
        jsplugins_xml(public_base(request)),
        media_type="application/xml; charset=utf-8",
        headers={"Cache-Control": "no-store", "Vary": "Host"},
    )


def jsplugins_xml(base: str) -> str:
    """Online mode: WPS loads the add-in from `base`/wps/ each time it starts (nothing installed per PC)."""
    url = escape(base.rstrip("/") + "/wps/", quote=True)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<jsplugins>\n'
        f'  <jspluginonline name="{ADDIN_NAME}" type="et" url="{url}" version="{ADDIN_VERSION}" enable="true"/>\n'
        "</jsplugins>\n"
    )


@router.get("/wps/{path:path}", summary="WPS 加载项文件")
async def wps_file(path: str) -> Response:
    media = STATIC.get(path)
    file = wps_dir() / path
    if media is None or not file.is_file():
        raise ApiError(404, f"WPS 加载项文件不存在：{path}")
    headers = {"Cache-Control": "no-cache"}
    if path.endswith(".html"):
        headers["Content-Security-Policy"] = "default-src 'self'; script-src 'self'; connect-src 'self'"
    return Response(file.read_bytes(), media_type=media, headers=headers)

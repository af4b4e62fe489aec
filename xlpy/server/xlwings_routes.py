"""The Excel endpoints: xlwings script calls and metadata, the Office.js add-in files and its report downloads."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import os
import uuid
from enum import Enum
from html import escape
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from xlpy import formats
from xlpy.config import Config
from xlpy.errors import ErrorCode, InputError
from xlpy.excel import ensure_license
from xlpy.server.errors import ApiError, input_error

ensure_license()

from xlpy.excel import scripts  # imports xlwings after the licence key is set

log = logging.getLogger("xlpy.server")
router = APIRouter(tags=["Excel"])

# Office identifies an add-in by its manifest <Id>: each deployment has its own (Settings.addin_id, or
# derived from the deployment's public address), stable across restarts, so two servers' add-ins can be
# installed side by side and one server's updates replace its own add-in only.
ADDIN_NAMESPACE = uuid.UUID("5d0c7a3e-2f41-4c5b-9a58-8a1f0e6b2c91")  # the ID every deployment shared before
HTTPS_NOTICE = (
    "注意：本清单中的地址是 {base}。Excel 只从 HTTPS 地址加载加载项，用本清单旁加载会失败。"
    "请为服务配置 HTTPS（xlpy serve 的 certfile 与 keyfile 选项，或在 HTTPS 反向代理后设置 "
    "XLPY_PUBLIC_URL=https://…），再重新下载清单。"
)
STATIC = {  # file name -> media type (nothing else under workbook/addin/ is served)
    "taskpane.html": "text/html; charset=utf-8",
    "taskpane.js": "text/javascript; charset=utf-8",
    "xlpy_request.js": "text/javascript; charset=utf-8",  # the WPS add-in loads it from here too
    "xlpy_cells.js": "text/javascript; charset=utf-8",  # likewise
    "taskpane.css": "text/css; charset=utf-8",
    "commands.html": "text/html; charset=utf-8",
    "outcome.html": "text/html; charset=utf-8",
    "outcome.js": "text/javascript; charset=utf-8",
    "icon-16.png": "image/png",
    "icon-32.png": "image/png",
    "icon-64.png": "image/png",
    "icon-80.png": "image/png",
}


def addin_dir() -> Path:
    """workbook/addin/ in a checkout, xlpy/_data/workbook/addin/ in a wheel."""
    from xlpy.resources import workbook_dir

    return workbook_dir() / "addin"


# --- xlwings remote protocol -----------------------------------------------------------------
@router.get("/xlwings/custom-scripts-meta", summary="Excel 脚本清单（xlwings）")
async def scripts_meta() -> JSONResponse:
    from xlwings.server import custom_scripts_meta

    return JSONResponse(custom_scripts_meta(_ScriptModule))


@router.post("/xlwings/custom-scripts-call/{name}", summary="运行 Excel 脚本（xlwings 远程协议）")
async def scripts_call(name: str, request: Request) -> JSONResponse:
    """Run 校验/生成报告/空白填0 on the posted workbook; the body lists the actions for Excel to replay.

    Besides xlwings' `actions`, the response has `xlpy` (the findings and a message) for the task
    pane; the VBA and Office Scripts clients read `actions` only.
    """
    if name not in scripts.SCRIPTS:
        raise ApiError(
            404,
            f"没有名为“{name}”的脚本。可用的脚本：{'、'.join(scripts.SCRIPTS)}。",
            [{"code": ErrorCode.UNKNOWN_SCRIPT, "script": name, "available": list(scripts.SCRIPTS)}],
        )
    payload = await _payload(request)
    state = request.app.state.xlpy
    result = await state.conversions.run(run_script, name, payload, state.settings.validate_config)
    return JSONResponse(result)


def run_script(name: str, payload: dict[str, Any], config: Config | None = None) -> dict[str, Any]:
    """One script call, synchronously (run in the conversion pool): payload → {"actions", "xlpy"}.

    `config` is the server's validation configuration (None: the defaults, never the environment).
    """
    config = config if config is not None else Config()
    import xlwings as xw
    from xlwings import XlwingsError

    try:
        book = xw.Book(json=payload)
    except XlwingsError as exc:
        raise ApiError(
            400,
            "Excel 端的 xlwings 版本与服务器不一致，请按 README 更新 Excel 中的 xlwings 模块"
            f"（服务器为 {xw.__version__}）。",
            [{"code": ErrorCode.XLWINGS_VERSION, "detail": str(exc)}],
        ) from exc
    except (KeyError, TypeError, AttributeError) as exc:
        raise ApiError(422, "请求内容不是 xlwings 工作簿数据。", [{"code": ErrorCode.NOT_WORKBOOK}]) from exc
    from xlwings.server import custom_scripts_call

    sink: list[scripts.Outcome] = []
    tokens = (scripts.CONFIG.set(config), scripts.STRICT.set(True), scripts.OUTCOME.set(sink))
    try:
        # Through xlwings' own dispatcher, exactly as xlwings Server would call the @script.
        asyncio.run(custom_scripts_call(_ScriptModule, name, typehint_to_value={xw.Book: book}))
        result = {**book.json(), "xlpy": (sink[-1] if sink else scripts.Outcome(name)).to_dict()}
    except InputError as exc:
        raise input_error(exc) from exc
    finally:
        for var, token in zip((scripts.CONFIG, scripts.STRICT, scripts.OUTCOME), tokens, strict=False):
            var.reset(token)  # type: ignore[attr-defined, arg-type]
        release(book)
    return result


def release(book: Any) -> None:
    """Forget a remote Book once answered: the engine keeps every opened book in a process-wide list,
    and caches sheet values (keyed by the whole grid) without bound — a slow leak on a busy server."""
    with contextlib.suppress(Exception):  # already closed: nothing to free
        book.close()
    try:
        from xlwings.pro._xlremote import get_range_api
    except ImportError:  # a later xlwings without this cache
        return
    get_range_api.cache_clear()


async def _payload(request: Request) -> dict[str, Any]:
    from xlpy.reader import parse_json

    try:
        # Bounded nesting and no lone surrogates, as for a JSON upload (either was a 500 here).
        payload = parse_json(await request.body(), "请求内容")
    except InputError as exc:
        raise ApiError(
            400, "请求内容不是有效的 JSON。", [{"code": ErrorCode.NOT_JSON, "message": exc.message}]
        ) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("sheets"), list) or "book" not in payload:
        raise ApiError(422, "请求内容不是 xlwings 工作簿数据（缺少 book/sheets）。", [{"code": ErrorCode.NOT_WORKBOOK}])
    payload.setdefault("names", [])
    payload.setdefault("client", "Office.js")
    for sheet in payload["sheets"]:
        if isinstance(sheet, dict):
            sheet.setdefault("pictures", [])
            sheet.setdefault("tables", [])
    return payload


class _ScriptModule:
    """The namespace xlwings lists and calls scripts from: exactly the three buttons."""

    validate = staticmethod(scripts.validate)
    generate = staticmethod(scripts.generate)
    fill_zeros = staticmethod(scripts.fill_zeros)


# --- the Office.js add-in --------------------------------------------------------------------
@router.get("/addin/manifest.xml", summary="Excel 加载项清单（按本服务地址生成）")
async def manifest(request: Request) -> Response:
    base = public_base(request)
    if not base.startswith("https://"):
        log.warning("manifest served for %s: Excel loads add-ins over HTTPS only", base)
    return Response(
        manifest_xml(base, addin_id(request.app.state.xlpy.settings.addin_id, base)),
        media_type="application/xml; charset=utf-8",
        # Built from the request's Host when XLPY_PUBLIC_URL is unset: never let a shared cache keep it.
        headers={
            "Content-Disposition": 'attachment; filename="xlpy-manifest.xml"',
            "Cache-Control": "no-store",
            "Vary": "Host",
        },
    )


def public_base(request: Request) -> str:
    """The base URL clerks reach this server by: XLPY_PUBLIC_URL (behind a proxy), else the request's own."""
    configured = os.environ.get("XLPY_PUBLIC_URL", "").strip()
    if configured:
        return configured.rstrip("/")
    return str(request.base_url).rstrip("/")


def addin_id(configured: str | None, base: str) -> str:
    """The deployment's add-in ID: the configured one, else a UUID derived from its public address."""
    if configured:
        return configured
    return str(uuid.uuid5(ADDIN_NAMESPACE, base.rstrip("/").lower()))


def manifest_xml(base: str, addin: str | None = None) -> str:
    """The add-in manifest with every URL pointing at `base` (template: workbook/addin/manifest.xml).

    Over plain HTTP it starts with a comment saying sideloading will fail and how to serve HTTPS.
    """
    template = (addin_dir() / "manifest.xml").read_text(encoding="utf-8")
    base = base.rstrip("/")
    text = template.replace("{{BASE}}", escape(base, quote=True)).replace("{{ADDIN_ID}}", addin or addin_id(None, base))
    if not base.startswith("https://"):
        notice = HTTPS_NOTICE.format(base=base).replace("--", "—")  # "--" may not appear in an XML comment
        head, sep, rest = text.partition("?>")
        text = f"{head}{sep}\n<!-- {escape(notice, quote=False)} -->{rest}" if sep else f"<!-- {notice} -->\n{text}"
    return text


@router.get("/addin/{filename}", summary="加载项文件")
async def addin_file(filename: str) -> Response:
    media = STATIC.get(filename)
    path = addin_dir() / filename
    if media is None or not path.is_file():
        raise ApiError(404, f"加载项文件不存在：{filename}")
    headers = {"Cache-Control": "no-cache"}
    body = path.read_bytes()
    if filename == "taskpane.html":
        body = body.replace(FORMAT_BUTTONS_MARK, format_buttons())
    if filename.endswith(".html"):
        # Office.js is the one external script (or, with XLPY_OFFICE_JS_DIR, served from here too).
        from xlpy.server import office_js

        body, headers["Content-Security-Policy"] = office_js.page(body)
    return Response(body, media_type=media, headers=headers)


# Where taskpane.html takes one download button per format of formats.ADDIN_FORMATS (the one registry).
FORMAT_BUTTONS_MARK = b"<!-- xlpy:format-buttons -->"
# The `format` choices of /addin/render, from the registry.
AddinFormat = Enum("AddinFormat", {name: name for name in formats.ADDIN_FORMATS}, type=str)  # type: ignore[misc]
DEFAULT_ADDIN_FORMAT = AddinFormat(formats.ADDIN_FORMATS[0])


def format_buttons() -> bytes:
    """The task pane's download buttons: 下载 Word（DOCX）, 下载 PDF … (taskpane.js binds them by data-format)."""
    return "".join(
        f'<button type="button" id="btn-{name}" data-format="{name}" disabled>下载 {escape(formats.get(name).label)}</button>'
        for name in formats.ADDIN_FORMATS
    ).encode("utf-8")


@router.post("/addin/render", summary="按当前工作簿生成报告（DOCX/PDF/HTML/Markdown）")
async def addin_render(
    request: Request,
    format: Annotated[
        AddinFormat, Query(description="报告格式（formats.ADDIN_FORMATS）；pdf 需服务器安装 LibreOffice")
    ] = DEFAULT_ADDIN_FORMAT,
    draft: Annotated[bool, Query(description="存在问题时也生成（标注为草稿）")] = False,
) -> Response:
    """Render the report from the workbook the task pane posted (the xlwings payload shape).

    The bearer token (when configured) is checked by the app's one TokenMiddleware: /addin/render
    is among its protected paths.
    """
    state = request.app.state.xlpy
    fmt = str(format.value)
    if fmt == "pdf":
        from xlpy.render.pdf import MISSING_ON_SERVER, find_soffice

        if find_soffice() is None:  # said before the workbook is read: nothing the clerk can fix
            raise ApiError(503, MISSING_ON_SERVER)
    payload = await _payload(request)
    body, filename = await state.conversions.run(render_payload, payload, fmt, draft, state.settings)
    from xlpy.server.api import attachment

    return Response(body, media_type=formats.get(fmt).media_type, headers=attachment(filename))


def render_payload(payload: dict[str, Any], fmt: str, draft: bool, settings: Any) -> tuple[bytes, str]:
    """Read and check a payload, then render as the verdict allows: (bytes, file name)."""
    from xlpy.reader import read_payload
    from xlpy.server import jobs
    from xlpy.verdict import check

    name = str(payload.get("book", {}).get("name") or "工作簿")
    verdict = check(lambda: read_payload(copy.deepcopy(payload)), config=settings.validate_config, name=name)
    return jobs.render(verdict, fmt, draft), verdict.file_name(fmt, draft=draft)

"""The JSON API: /api/validate, /api/render, /api/annotate, /api/fill-zeros and /api/template/{year}."""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response

from xlpy import formats
from xlpy.server import jobs
from xlpy.server.errors import ApiError

router = APIRouter(prefix="/api", tags=["API"])
# The `format` choices of /api/render, from the one registry (xlpy.formats) plus the zip bundle.
ApiFormat = Enum("ApiFormat", {name: name for name in (*formats.NAMES, formats.BUNDLE.name)}, type=str)  # type: ignore[misc]
DEFAULT_FORMAT = ApiFormat("html")

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": text,
        "content": {"application/json": {"example": {"ok": False, "error": text, "errors": [], "status": status}}},
    }
    for status, text in (
        (401, "缺少或错误的访问令牌"),
        (413, "文件过大或疑似压缩炸弹"),
        (422, "文件无法使用，或报告被校验问题阻止（errors 中为问题清单）"),
        (503, "服务器繁忙"),
        (504, "处理超时"),
    )
}

FileField = Annotated[UploadFile, File(description="本年度年报工作簿（.xlsx / .xlsm，或 xlpy export 导出的 JSON）")]
LastYearField = Annotated[UploadFile | None, File(description="上年度年报工作簿（可选，用于跨年度核对）")]


async def read_uploads(file: UploadFile, last_year: UploadFile | None) -> tuple[jobs.Upload, jobs.Upload | None]:
    main = jobs.Upload(client_basename(file.filename) or "工作簿.xlsx", await file.read())
    last = None
    # A browser form sends an empty part for an unused file input: that means "no last-year file".
    if last_year is not None and (last_year.filename or last_year.size):
        last = jobs.Upload(client_basename(last_year.filename) or "上年度工作簿.xlsx", await last_year.read())
    return main, last


def client_basename(name: str | None) -> str:
    """The file name without any client path (some browsers send C:\\…\\x.xlsx)."""
    return re.split(r"[\\/]", name or "")[-1].strip()


@router.post("/validate", summary="校验工作簿", responses=ERROR_RESPONSES)
async def api_validate(request: Request, file: FileField, last_year: LastYearField = None) -> Response:
    """Read and validate a workbook; the body is the JSON of `xlpy validate --format json`.

    200 also when findings block the final report (`final_ok` is false); 422 when the file is unusable.
    """
    state = request.app.state.xlpy
    main, last = await read_uploads(file, last_year)
    body = await state.conversions.run(jobs.validate_job, main, last, state.settings)
    return Response(body, media_type="application/json")


@router.post("/render", summary="生成年度报告", responses=ERROR_RESPONSES)
async def api_render(
    request: Request,
    file: FileField,
    last_year: LastYearField = None,
    format: Annotated[
        ApiFormat, Form(description="报告格式；pdf 需服务器安装 LibreOffice；zip 为 md/html/docx/json 及校验结果")
    ] = DEFAULT_FORMAT,
    draft: Annotated[bool, Form(description="草稿：即使存在阻止定稿的问题也生成（标注为草稿）")] = False,
) -> Response:
    """Render the report. Without `draft`, a report blocked by findings is refused with 422 and the findings."""
    state = request.app.state.xlpy
    fmt = str(format.value)
    if fmt == "pdf":
        from xlpy.render.pdf import MISSING_ON_SERVER, find_soffice

        if find_soffice() is None:  # the server's lack, not the upload's: 503 with what to do instead
            raise ApiError(503, MISSING_ON_SERVER)
    main, last = await read_uploads(file, last_year)
    body, filename = await state.conversions.run(jobs.render_job, main, last, state.settings, fmt, draft)
    return Response(body, media_type=formats.get(fmt).media_type, headers=attachment(filename))


@router.post("/annotate", summary="生成带校验标记的工作簿副本", responses=ERROR_RESPONSES)
async def api_annotate(request: Request, file: FileField, last_year: LastYearField = None) -> Response:
    """The uploaded workbook with a 校验结果 sheet, links and highlights (for WPS users)."""
    state = request.app.state.xlpy
    main, last = await read_uploads(file, last_year)
    body = await state.conversions.run(jobs.annotate_job, main, last, state.settings)
    # The same test annotate uses to keep the macros (the VBA part first, the name second), so the
    # suffix always matches the content — Excel refuses an .xlsx holding macros and vice versa.
    from xlpy.annotate import is_macro_workbook

    is_xlsm = is_macro_workbook(main.data, main.name)
    stem = jobs.safe_filename(main.name.rsplit(".", 1)[0] if "." in main.name else main.name)
    filename = f"{stem}-校验结果.{'xlsm' if is_xlsm else 'xlsx'}"
    return Response(body, media_type=jobs.XLSM_TYPE if is_xlsm else jobs.XLSX_TYPE, headers=attachment(filename))


@router.post("/fill-zeros", summary="空白填0：表二、表三、表四空白的数字单元格填 0", responses=ERROR_RESPONSES)
async def api_fill_zeros(request: Request, file: FileField) -> Response:
    """The uploaded workbook with 0 in every blank number cell of 表二/表三/表四; everything else unchanged.

    The header `X-Xlpy-Filled` says how many cells were filled (0: the file comes back as it was).
    """
    state = request.app.state.xlpy
    main = jobs.Upload(client_basename(file.filename) or "工作簿.xlsx", await file.read())
    body, count = await state.conversions.run(jobs.fill_zeros_job, main, state.settings)
    from xlpy.annotate import is_macro_workbook

    is_xlsm = is_macro_workbook(main.data, main.name)
    stem = jobs.safe_filename(main.name.rsplit(".", 1)[0] if "." in main.name else main.name)
    headers = attachment(f"{stem}-填0.{'xlsm' if is_xlsm else 'xlsx'}") | {"X-Xlpy-Filled": str(count)}
    return Response(body, media_type=jobs.XLSM_TYPE if is_xlsm else jobs.XLSX_TYPE, headers=headers)


def require_template_year(year: int) -> None:
    """404 unless some format version covers `year` (the blank and the macro workbook routes alike)."""
    from xlpy.schema import version_for_year

    if year > 2100 or version_for_year(year) is None:
        raise ApiError(404, f"没有 {year} 年度的年报模板：年度报告格式自 2019 年度起适用，请选择 2019 年及以后的年度。")


@router.get("/template/{year}", summary="下载空白工作簿", responses=ERROR_RESPONSES)
async def api_template(
    request: Request,
    year: Annotated[int, Path(description="报告年度，如 2024")],
    org: Annotated[str | None, Query(max_length=100, description="机关名称（可选，预填）")] = None,
) -> Response:
    """A blank clerk workbook for the format version that `year` requires."""
    require_template_year(year)
    state = request.app.state.xlpy
    body = await state.conversions.run(jobs.template, year, org)
    return Response(
        body,
        media_type=jobs.XLSX_TYPE,
        headers=attachment(f"{jobs.safe_filename(org) if org else ''}{year}年度政府信息公开工作年度报告.xlsx"),
    )


def attachment(filename: str) -> dict[str, str]:
    """Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266/5987)."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "download"
    ascii_name = ascii_name.replace('"', "")
    if ascii_name.startswith("."):
        ascii_name = "report" + ascii_name
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"}

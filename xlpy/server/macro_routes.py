"""The macro-enabled blank workbook for download: the 按钮 sheet's server cell already holds this server's address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

router = APIRouter(tags=["Excel"])


@router.get("/macro-workbook/{year}", summary="下载带宏按钮的空白工作簿（.xlsm）")
async def macro_workbook(
    request: Request,
    year: Annotated[int, Path(description="报告年度，如 2024")],
    org: Annotated[str | None, Query(max_length=100, description="机关名称（可选，预填）")] = None,
) -> Response:
    """Like /api/template/{year}, plus the 按钮 sheet (校验/生成报告/空白填0) calling this server; never a token."""
    from xlpy.server import jobs
    from xlpy.server.api import attachment, require_template_year
    from xlpy.server.xlwings_routes import public_base

    require_template_year(year)
    state = request.app.state.xlpy
    body = await state.conversions.run(build, year, public_base(request), org)
    name = f"{jobs.safe_filename(org) if org else ''}{year}年度政府信息公开工作年度报告（宏按钮）.xlsm"
    return Response(body, media_type=jobs.XLSM_TYPE, headers=attachment(name))


def build(year: int, server: str, org: str | None = None) -> bytes:
    """The .xlsm bytes (run in the conversion pool: building a workbook takes a few hundred ms)."""
    from xlpy.excel.macro_book import macro_workbook
    from xlpy.workbook import build_workbook

    return macro_workbook(build_workbook(year, org=org or None), server)

"""The region over HTTP: dashboard, roll-up (汇总), hierarchy checks H-1…H-3 and the export of a supervisor's region."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from xlpy import formats
from xlpy.server import jobs
from xlpy.server.errors import ApiError
from xlpy.server.settings import Settings
from xlpy.server.workspace_access import (
    NO_STORE,
    ReportYear,
    Who,
    agency_or_404,
    allowed,
    download,
    json_response,
    new_router,
    options_of,
    store_of,
    supervisor_only,
)
from xlpy.workspace import dashboard, rollup
from xlpy.workspace.options import Options
from xlpy.workspace.store import CLERK, Principal, Store

router = new_router()


@router.get("/dashboard", summary="辖区各机构的状态（审核人）或本机构的状态（填报人）")
def get_dashboard(
    request: Request,
    who: Who,
    year: ReportYear,
    indicators: Annotated[bool, Query(description="同时计算各项指标与排名")] = False,
) -> Response:
    store = store_of(request)
    settings: Settings = request.app.state.xlpy.settings
    data = dashboard.region(
        store,
        who.agency_id,
        year,
        options=options_of(request),
        config=settings.validate_config,
        with_indicators=indicators,
    )
    if who.role == CLERK:  # a clerk's region is the agency alone, whatever lies below it
        data = _only(data, who.agency_id)
    return json_response(data)


def _only(data: dict[str, Any], agency_id: str) -> dict[str, Any]:
    rows = [r for r in data["agencies"] if r["id"] == agency_id]
    for r in rows:  # a ranking would reveal other agencies' standing
        for ind in r["indicators"].values():
            ind.pop("rank", None)
            ind.pop("of", None)
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in data["counts"]}
    done = counts["passed"] + counts["published"]
    progress = {"done": done, "total": len(rows), "percent": 100.0 * done / len(rows) if rows else 0}
    return {**data, "agencies": rows, "counts": counts, "progress": progress}


@router.get("/rollup", summary="汇总：辖区各机构表二、表三、表四之和（JSON 或工作簿）")
async def get_rollup(
    request: Request,
    who: Who,
    year: ReportYear,
    agency_id: Annotated[str | None, Query()] = None,
    format: Annotated[
        str, Query(pattern="^(json|xlsx|html|md)$", description="json、xlsx（工作簿）、html 或 md（表格）")
    ] = "json",
) -> Response:
    parent, result = await _region_rollup(request, who, year, agency_id)
    if format == "json":
        return json_response(result.to_dict())
    state = request.app.state.xlpy
    stem = jobs.safe_filename(f"{parent['name']}{year}年度汇总数据")
    if format == "xlsx":
        body = await state.conversions.run(_workbook_job, result.instance)
        return Response(body, media_type=jobs.XLSX_TYPE, headers=download(f"{stem}.xlsx"))
    body = await state.conversions.run(_render_job, result.instance, format)
    return Response(body, media_type=formats.get(format).media_type, headers=download(f"{stem}.{format}"))


@router.get("/hierarchy", summary="层级检查：辖区汇总的 H-1、H-2、H-3 警告（规则登记表 schemas/rules/hierarchy.yaml）")
async def get_hierarchy(
    request: Request,
    who: Who,
    year: ReportYear,
    agency_id: Annotated[str | None, Query()] = None,
) -> Response:
    _, result = await _region_rollup(request, who, year, agency_id)
    counts: dict[str, int] = {}
    for f in result.hierarchy:
        counts[f["rule"]] = counts.get(f["rule"], 0) + 1
    root = agency_id or who.agency_id
    return json_response({"agency_id": root, "year": year, "counts": counts, "findings": result.hierarchy})


async def _region_rollup(
    request: Request, who: Principal, year: int, agency_id: str | None
) -> tuple[dict[str, Any], rollup.Rollup]:
    """(the root agency, its roll-up) for a supervisor: their own region, or an agency within it."""
    store = store_of(request)
    supervisor_only(who)
    root = agency_id or who.agency_id
    parent = await run_in_threadpool(agency_or_404, store, root)
    await run_in_threadpool(allowed, store, who, root)
    config = request.app.state.xlpy.settings.validate_config
    return parent, await run_in_threadpool(_rollup, store, parent, year, options_of(request), config)


def _rollup(store: Store, parent: dict[str, Any], year: int, options: Options, config: Any = None) -> rollup.Rollup:
    try:
        return rollup.collect(store, parent, year, options, config)
    except ValueError as exc:
        raise ApiError(422, str(exc), headers=NO_STORE) from exc


def _render_job(instance: dict[str, Any], fmt: str) -> bytes:
    """The roll-up's tables as a report document, marked as a draft: its text parts are the parent's to write."""
    from xlpy.render import render

    value = render(instance, [fmt], draft=True)[fmt]
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _workbook_job(instance: dict[str, Any]) -> bytes:
    import io

    from xlpy.workbook import build_workbook

    out = io.BytesIO()
    build_workbook(instance["meta"]["year"], data=instance).save(out)
    return out.getvalue()


@router.get("/export", summary="导出汇总表（每个机构一行：状态、问题数、指标）")
def get_export(
    request: Request,
    who: Who,
    year: ReportYear,
    format: Annotated[str, Query(pattern="^(xlsx|csv)$")] = "xlsx",
) -> Response:
    from xlpy.workspace import export

    supervisor_only(who)
    store = store_of(request)
    settings: Settings = request.app.state.xlpy.settings
    data = dashboard.region(store, who.agency_id, year, options=options_of(request), config=settings.validate_config)
    if format == "csv":
        return Response(export.to_csv(data), media_type="text/csv; charset=utf-8", headers=download(f"汇总{year}.csv"))
    return Response(export.to_xlsx(data), media_type=jobs.XLSX_TYPE, headers=download(f"汇总{year}.xlsx"))

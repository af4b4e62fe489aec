"""The supervisor's workspace over HTTP: submit, versions, decisions, dashboard, roll-up, export (/workspace/…)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from xlpy import formats
from xlpy.server import jobs
from xlpy.server.errors import ApiError
from xlpy.server.settings import Settings
from xlpy.workspace import dashboard, history, rollup, status
from xlpy.workspace.options import Options
from xlpy.workspace.store import CLERK, SUPERVISOR, Principal, Store, StoreError

router = APIRouter(prefix="/workspace/api", tags=["工作台"])
NO_STORE = {"Cache-Control": "no-store"}


# ---------------------------------------------------------------------- who is asking


def _store(request: Request) -> Store:
    return request.app.state.workspace


def principal(request: Request) -> Principal:
    """The token's holder; 401 without a valid workspace token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    found = _store(request).principal(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if found is None:
        raise ApiError(401, "需要有效的工作台令牌（Authorization: Bearer …），请向审核单位索取", headers=NO_STORE)
    return found


Who = Annotated[Principal, Depends(principal)]


def _allowed(store: Store, who: Principal, agency_id: str) -> None:
    """403 unless `agency_id` is the clerk's own agency or lies in the supervisor's region."""
    if who.role == CLERK and agency_id == who.agency_id:
        return
    if who.role == SUPERVISOR and agency_id in store.scope(who.agency_id):
        return
    raise ApiError(403, "没有访问该机构数据的权限", headers=NO_STORE)


def _supervisor(who: Principal) -> None:
    if who.role != SUPERVISOR:
        raise ApiError(403, "只有审核人（上级政务公开办）可以进行此操作", headers=NO_STORE)


def _agency(store: Store, agency_id: str) -> dict[str, Any]:
    found = store.agency(agency_id)
    if found is None:
        raise ApiError(404, f"机构编号 {agency_id} 不在机构名录中", headers=NO_STORE)
    return found


def _submission(store: Store, who: Principal, submission_id: int) -> dict[str, Any]:
    sub = store.submission(submission_id)
    if sub is None:
        raise ApiError(404, f"提交记录 {submission_id} 不存在", headers=NO_STORE)
    _allowed(store, who, sub["agency_id"])
    return sub


def _json(value: Any, status_code: int = 200) -> Response:
    body = json.dumps(value, ensure_ascii=False, default=_default).encode("utf-8")
    return Response(body, status_code=status_code, media_type="application/json", headers=NO_STORE)


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _options(request: Request) -> Options:
    settings: Settings = request.app.state.xlpy.settings
    return settings.workspace or Options()


# ---------------------------------------------------------------------- jobs (run in the conversion pool)


def submission_job(upload: jobs.Upload, settings: Settings) -> tuple[dict[str, Any], dict[str, Any]]:
    """(report data, findings JSON) of an upload: the very verdict of /api/validate; an unusable file is its 4xx."""
    verdict = jobs.usable(jobs.check(upload, None, settings))
    # Round-trip through JSON: what the database keeps is exactly what the API shows.
    assert verdict.data is not None  # a usable verdict always has its data
    instance = json.loads(json.dumps(verdict.data.instance, ensure_ascii=False, default=str))
    return instance, verdict.to_dict()


Held = dict[str, dict[str, Any]]  # "rule|location" → the reviewer decision that holds


def apply_decisions(verdict: Any, held: Held) -> dict[int, dict[str, Any]]:
    """Write the reviewer's decisions into the verdict's warnings: a 驳回 (accepted) warning counts as explained,
    so it stops blocking as a 说明 does; a 确认 one says it must be fixed. Returns {finding index: decision}."""
    matched = {}
    for i, f in enumerate(verdict.report.findings):
        decision = held.get(f"{f.rule}|{f.location}")
        if decision is None or f.severity != "warning":
            continue
        matched[i] = decision
        if decision["verdict"] == status.ACCEPT and not f.explained:
            f.explained = True
            f.explanation = f"审核驳回（{decision['decided_by']}）：{decision['note'] or '接受现状'}"
        elif decision["verdict"] == status.CONFIRM:
            f.message += f"（审核确认须修改，{decision['decided_by']}：{decision['note'] or '请修改'}）"
    return matched


def annotated_job(upload: jobs.Upload, settings: Settings, held: Held) -> bytes:
    """The annotated copy of a stored upload with the reviewer's decisions written into its findings."""
    verdict = jobs.usable(jobs.check(upload, None, settings))
    apply_decisions(verdict, held)
    return jobs.annotate(verdict, upload, settings)


def check_job(upload: jobs.Upload, last: jobs.Upload | None, settings: Settings, held: dict[int, Held]) -> bytes:
    """/api/validate's JSON with the decisions of the report's year applied, each beside its finding."""
    verdict = jobs.usable(jobs.check(upload, last, settings))
    matched = apply_decisions(verdict, held.get(verdict.report.year or 0, {}))
    body = verdict.to_dict()
    for i, decision in matched.items():
        body["findings"][i]["decision"] = {k: decision[k] for k in ("verdict", "note", "decided_by", "decided_at")}
    body["decisions_applied"] = len(matched)
    return json.dumps(body, ensure_ascii=False, default=_default).encode("utf-8")


def annotate_upload_job(
    upload: jobs.Upload, last: jobs.Upload | None, settings: Settings, held: dict[int, Held]
) -> bytes:
    """/api/annotate's copy with the decisions of the report's year written into its findings."""
    jobs.annotatable(upload)
    verdict = jobs.usable(jobs.check(upload, last, settings))
    apply_decisions(verdict, held.get(verdict.report.year or 0, {}))
    return jobs.annotate(verdict, upload, settings)


def _held_by_year(store: Store, agency_id: str) -> dict[int, Held]:
    """Every year's decisions that hold for an agency, keyed as apply_decisions reads them."""
    out: dict[int, Held] = {}
    for year in store.years():
        held = status.latest_decisions(store.decisions(year, [agency_id]))
        if held:
            out[year] = {f"{rule}|{loc}": d for (_, rule, loc), d in held.items()}
    return out


# ---------------------------------------------------------------------- routes


@router.get("/me", summary="当前令牌的身份")
def me(request: Request, who: Who) -> Response:
    from xlpy.schema import org_types

    store = _store(request)
    agency = store.agency(who.agency_id)
    return _json(
        {"role": who.role, "label": who.label, "agency": agency, "years": store.years(), "org_types": list(org_types())}
    )


@router.post("/submissions", summary="提交工作簿（校验并保存）")
async def submit(
    request: Request,
    who: Who,
    file: Annotated[UploadFile, File(description="年报工作簿（.xlsx / .xlsm，或 JSON 数据）")],
    agency_id: Annotated[str | None, Form(description="机构编号（审核人代交时必填；填报人默认本机构）")] = None,
) -> Response:
    """Validate as /api/validate does, then keep the upload; 200 with the submission and its findings."""
    store = _store(request)
    state = request.app.state.xlpy
    target = (agency_id or "").strip() or (who.agency_id if who.role == CLERK else None)
    if target is not None:
        await run_in_threadpool(_agency, store, target)
        await run_in_threadpool(_allowed, store, who, target)
    upload = jobs.Upload(_basename(file.filename) or "工作簿.xlsx", await file.read())
    instance, report = await state.conversions.run(submission_job, upload, state.settings)
    if target is None:
        raise await run_in_threadpool(_match_agency, store, who, report)
    try:
        saved = await run_in_threadpool(
            store.add_submission, target, upload.name, upload.data, instance, report, who.label
        )
    except StoreError as exc:
        raise ApiError(422, exc.message, headers=NO_STORE) from exc
    return _json({"ok": True, "submission": saved, "report": report})


def _match_agency(store: Store, who: Principal, report: dict[str, Any]) -> ApiError:
    """A supervisor's upload without an agency: propose the registry entry of the same name, to confirm."""
    name = (report.get("org") or "").strip()
    region = set(store.scope(who.agency_id))
    match = next((a for a in store.agencies() if a["name"] == name and a["id"] in region), None)
    if match is None:
        return ApiError(
            422, f"请选择机构：工作簿中的机关名称“{name or '（空）'}”与本辖区名录中的机构都不一致", headers=NO_STORE
        )
    return ApiError(
        409,
        f"工作簿中的机关名称与名录中的机构 {match['id']}（{match['name']}）一致，请确认后以该机构编号重新提交",
        [{"code": "confirm_agency", "agency_id": match["id"], "name": match["name"]}],
        headers=NO_STORE,
    )


async def _decided_upload(
    request: Request, who: Principal, file: UploadFile, last_year: UploadFile | None, agency_id: str | None
) -> tuple[jobs.Upload, jobs.Upload | None, dict[int, Held]]:
    """The uploads and the target agency's decisions (a clerk's own agency; a supervisor names one below it)."""
    from xlpy.server.api import _uploads

    store = _store(request)
    target = (agency_id or "").strip() or (who.agency_id if who.role == CLERK else "")
    if not target:
        raise ApiError(422, "审核人核对时请指定机构编号（agency_id）", headers=NO_STORE)
    await run_in_threadpool(_agency, store, target)
    await run_in_threadpool(_allowed, store, who, target)
    main, last = await _uploads(file, last_year)
    return main, last, await run_in_threadpool(_held_by_year, store, target)


@router.post("/check", summary="校验工作簿并带上审核人的决定（上传页使用，不保存）")
async def check_with_decisions(
    request: Request,
    who: Who,
    file: Annotated[UploadFile, File(description="年报工作簿（.xlsx / .xlsm，或 JSON 数据）")],
    last_year: Annotated[UploadFile | None, File(description="上年度工作簿（可选）")] = None,
    agency_id: Annotated[str | None, Form(description="机构编号（审核人必填；填报人为本机构）")] = None,
) -> Response:
    """/api/validate's JSON, with each warning the supervisor decided carrying its `decision` (驳回 = explained)."""
    main, last, held = await _decided_upload(request, who, file, last_year, agency_id)
    state = request.app.state.xlpy
    body = await state.conversions.run(check_job, main, last, state.settings, held)
    return Response(body, media_type="application/json", headers=NO_STORE)


@router.post("/annotate", summary="带校验结果和审核决定的工作簿副本（上传页使用，不保存）")
async def annotate_with_decisions(
    request: Request,
    who: Who,
    file: Annotated[UploadFile, File(description="年报工作簿（.xlsx / .xlsm）")],
    last_year: Annotated[UploadFile | None, File(description="上年度工作簿（可选）")] = None,
    agency_id: Annotated[str | None, Form(description="机构编号（审核人必填；填报人为本机构）")] = None,
) -> Response:
    main, last, held = await _decided_upload(request, who, file, last_year, agency_id)
    state = request.app.state.xlpy
    body = await state.conversions.run(annotate_upload_job, main, last, state.settings, held)
    from xlpy.annotate import is_macro_workbook

    is_xlsm = is_macro_workbook(main.data, main.name)  # as /api/annotate names it: the suffix matches the content
    stem = jobs.safe_filename(main.name.rsplit(".", 1)[0] if "." in main.name else main.name)
    filename = f"{stem}-校验结果.{'xlsm' if is_xlsm else 'xlsx'}"
    media = jobs.XLSM_TYPE if is_xlsm else jobs.XLSX_TYPE
    return Response(body, media_type=media, headers={**NO_STORE, **_attachment(filename)})


@router.get("/dashboard", summary="辖区各机构的状态（审核人）或本机构的状态（填报人）")
def get_dashboard(
    request: Request,
    who: Who,
    year: Annotated[int, Query(ge=2019, le=2100)],
    indicators: Annotated[bool, Query(description="同时计算各项指标与排名")] = False,
) -> Response:
    store = _store(request)
    settings: Settings = request.app.state.xlpy.settings
    data = dashboard.region(
        store,
        who.agency_id,
        year,
        options=_options(request),
        config=settings.validate_config,
        with_indicators=indicators,
    )
    if who.role == CLERK:  # a clerk's region is the agency alone, whatever lies below it
        data = _only(data, who.agency_id)
    return _json(data)


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


@router.get("/agencies/{agency_id}", summary="一个机构：名录信息、各版本、审核决定")
def get_agency(request: Request, who: Who, agency_id: str, year: Annotated[int | None, Query()] = None) -> Response:
    store = _store(request)
    agency = _agency(store, agency_id)
    _allowed(store, who, agency_id)
    versions = store.submissions(agency_id, year)
    years = sorted({v["year"] for v in versions}, reverse=True)
    decisions = [d for y in years for d in store.decisions(y, [agency_id])]
    return _json({"agency": agency, "submissions": versions, "decisions": decisions})


class AgencyEdit(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    org_type: str | None = None
    contact: str | None = Field(default=None, max_length=200)


@router.post("/agencies/{agency_id}", summary="修改名录信息（审核人）")
def edit_agency(request: Request, who: Who, agency_id: str, edit: AgencyEdit) -> Response:
    from xlpy.schema import org_types

    store = _store(request)
    agency = _agency(store, agency_id)
    _allowed(store, who, agency_id)
    _supervisor(who)
    changed = {k: v.strip() for k, v in edit.model_dump().items() if v is not None}
    if "org_type" in changed and changed["org_type"] not in org_types():
        raise ApiError(422, f"机关类型“{changed['org_type']}”不在允许的类型中（可用：{'、'.join(org_types())}）")
    if "name" in changed and any(a["name"] == changed["name"] and a["id"] != agency_id for a in store.agencies()):
        raise ApiError(422, f"机构全称“{changed['name']}”已被名录中的其他机构使用")
    store.save_agencies([{**agency, **changed}])
    return _json({"ok": True, "agency": store.agency(agency_id)})


@router.get("/submissions/{submission_id}", summary="一次提交：校验结果、与上一版本的差异")
def get_submission(request: Request, who: Who, submission_id: int) -> Response:
    store = _store(request)
    sub = _submission(store, who, submission_id)
    versions = store.submissions(sub["agency_id"], sub["year"])
    older = [v for v in versions if v["id"] < submission_id]
    changes = None
    if older:
        previous = store.submission(older[0]["id"])
        if previous is not None:
            changes = {
                "against": previous["id"],
                "changes": history.diff(previous["data"], sub["data"], sub["format_version"]),
            }
    held = status.latest_decisions(store.decisions(sub["year"], [sub["agency_id"]]))
    decided = {f"{rule}|{loc}": d for (aid, rule, loc), d in held.items() if aid == sub["agency_id"]}
    body = {k: v for k, v in sub.items() if k not in ("data", "figures", "measures")}
    return _json({**body, "diff": changes, "decisions": decided})


@router.get("/submissions/{submission_id}/file", summary="下载提交的原始文件")
def get_file(request: Request, who: Who, submission_id: int) -> Response:
    store = _store(request)
    sub = _submission(store, who, submission_id)
    data = store.blob(sub["sha256"]) or b""
    return Response(data, media_type="application/octet-stream", headers={**NO_STORE, **_attachment(sub["filename"])})


@router.get("/submissions/{submission_id}/annotated", summary="下载带校验结果和审核决定的工作簿副本")
async def get_annotated(request: Request, who: Who, submission_id: int) -> Response:
    store = _store(request)
    sub = await run_in_threadpool(_submission, store, who, submission_id)
    data = await run_in_threadpool(store.blob, sub["sha256"])
    decisions = await run_in_threadpool(store.decisions, sub["year"], [sub["agency_id"]])
    held = {f"{rule}|{loc}": d for (_, rule, loc), d in status.latest_decisions(decisions).items()}
    held = {k: {"verdict": d["verdict"], "note": d["note"], "decided_by": d["decided_by"]} for k, d in held.items()}
    state = request.app.state.xlpy
    body = await state.conversions.run(annotated_job, jobs.Upload(sub["filename"], data or b""), state.settings, held)
    stem = jobs.safe_filename(sub["filename"].rsplit(".", 1)[0])
    return Response(body, media_type=jobs.XLSX_TYPE, headers={**NO_STORE, **_attachment(f"{stem}-校验结果.xlsx")})


class DecisionIn(BaseModel):
    submission_id: int
    rule: str = Field(min_length=1, max_length=32)
    location: str = Field(min_length=1, max_length=200)
    verdict: str
    note: str = Field(default="", max_length=2000)


@router.post("/decisions", summary="审核决定：确认（须修改）或驳回（接受）一条警告；发布标记")
def post_decision(request: Request, who: Who, decision: DecisionIn) -> Response:
    store = _store(request)
    sub = _submission(store, who, decision.submission_id)
    _supervisor(who)
    if decision.verdict == status.PUBLISH:
        held = status.latest_decisions(store.decisions(sub["year"], [sub["agency_id"]]))
        state, _ = status.status_of(store.current(sub["year"], [sub["agency_id"]]).get(sub["agency_id"]), held)
        current = store.current(sub["year"], [sub["agency_id"]])[sub["agency_id"]]
        if current["id"] != sub["id"] or state not in ("passed", "published"):
            raise ApiError(422, "只有已通过的当前版本可以标记为已发布", headers=NO_STORE)
        saved = store.decide(sub["id"], status.PUBLISH_RULE, str(sub["id"]), status.PUBLISH, decision.note, who.label)
        return _json({"ok": True, "decision": saved})
    if decision.verdict not in (status.CONFIRM, status.ACCEPT):
        raise ApiError(422, "审核决定应为“确认”（须修改）或“驳回”（接受现状）", headers=NO_STORE)
    warnings = {(rule, loc) for rule, loc in sub["open_warnings"]}
    if (decision.rule, decision.location) not in warnings:
        raise ApiError(
            422,
            f"提交记录 {sub['id']} 中没有未说明的警告 {decision.rule}（{decision.location}）；只有警告可以审核",
            headers=NO_STORE,
        )
    saved = store.decide(sub["id"], decision.rule, decision.location, decision.verdict, decision.note, who.label)
    return _json({"ok": True, "decision": saved})


@router.get("/rollup", summary="汇总：辖区各机构表二、表三、表四之和（JSON 或工作簿）")
async def get_rollup(
    request: Request,
    who: Who,
    year: Annotated[int, Query(ge=2019, le=2100)],
    agency_id: Annotated[str | None, Query()] = None,
    format: Annotated[
        str, Query(pattern="^(json|xlsx|html|md)$", description="json、xlsx（工作簿）、html 或 md（表格）")
    ] = "json",
) -> Response:
    store = _store(request)
    _supervisor(who)
    root = agency_id or who.agency_id
    parent = await run_in_threadpool(_agency, store, root)
    await run_in_threadpool(_allowed, store, who, root)
    config = request.app.state.xlpy.settings.validate_config
    result = await run_in_threadpool(_rollup, store, parent, year, _options(request), config)
    if format == "json":
        return _json(result.to_dict())
    state = request.app.state.xlpy
    stem = jobs.safe_filename(f"{parent['name']}{year}年度汇总数据")
    if format == "xlsx":
        body = await state.conversions.run(_workbook_job, result.instance)
        return Response(body, media_type=jobs.XLSX_TYPE, headers={**NO_STORE, **_attachment(f"{stem}.xlsx")})
    body = await state.conversions.run(_render_job, result.instance, format)
    return Response(
        body, media_type=formats.get(format).media_type, headers={**NO_STORE, **_attachment(f"{stem}.{format}")}
    )


@router.get("/hierarchy", summary="层级检查：辖区汇总的 H-1、H-2、H-3 警告（规则登记表 schemas/rules/hierarchy.yaml）")
async def get_hierarchy(
    request: Request,
    who: Who,
    year: Annotated[int, Query(ge=2019, le=2100)],
    agency_id: Annotated[str | None, Query()] = None,
) -> Response:
    store = _store(request)
    _supervisor(who)
    root = agency_id or who.agency_id
    parent = await run_in_threadpool(_agency, store, root)
    await run_in_threadpool(_allowed, store, who, root)
    config = request.app.state.xlpy.settings.validate_config
    result = await run_in_threadpool(_rollup, store, parent, year, _options(request), config)
    counts: dict[str, int] = {}
    for f in result.hierarchy:
        counts[f["rule"]] = counts.get(f["rule"], 0) + 1
    return _json({"agency_id": root, "year": year, "counts": counts, "findings": result.hierarchy})


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
    year: Annotated[int, Query(ge=2019, le=2100)],
    format: Annotated[str, Query(pattern="^(xlsx|csv)$")] = "xlsx",
) -> Response:
    from xlpy.workspace import export

    _supervisor(who)
    store = _store(request)
    settings: Settings = request.app.state.xlpy.settings
    data = dashboard.region(store, who.agency_id, year, options=_options(request), config=settings.validate_config)
    if format == "csv":
        return Response(
            export.to_csv(data),
            media_type="text/csv; charset=utf-8",
            headers={**NO_STORE, **_attachment(f"汇总{year}.csv")},
        )
    return Response(
        export.to_xlsx(data), media_type=jobs.XLSX_TYPE, headers={**NO_STORE, **_attachment(f"汇总{year}.xlsx")}
    )


def _basename(name: str | None) -> str:
    import re

    return re.split(r"[\\/]", name or "")[-1].strip()


def _attachment(filename: str) -> dict[str, str]:
    from xlpy.server.api import _attachment as attachment

    return attachment(filename)


# ---------------------------------------------------------------------- wiring


def mount(app: FastAPI, settings: Settings) -> None:
    """Open (and migrate) the database, then serve the API and the dashboard page; DatabaseError stops start-up."""
    from xlpy.server.upload_page import CSP, _page
    from xlpy.workspace.database import open_database

    app.state.workspace = Store(open_database(settings.db or ""))
    app.include_router(router)

    @app.get("/workspace", include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(
            _page("workspace.html"), headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"}
        )

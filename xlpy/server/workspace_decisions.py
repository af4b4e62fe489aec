"""The reviewer's decisions over HTTP: recorded (/decisions) and applied to a verdict (/check, /annotate, annotated copies)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from xlpy.server import jobs
from xlpy.server.api import FileField, LastYearField
from xlpy.server.errors import ApiError
from xlpy.server.settings import Settings
from xlpy.server.workspace_access import (
    NO_STORE,
    Who,
    agency_or_404,
    allowed,
    download,
    json_bytes,
    json_response,
    new_router,
    store_of,
    submission_or_404,
    supervisor_only,
)
from xlpy.workspace import status
from xlpy.workspace.store import CLERK, Store

router = new_router()

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


# ---------------------------------------------------------------------- jobs (run in the conversion pool)


def check_job(upload: jobs.Upload, last: jobs.Upload | None, settings: Settings, held: dict[int, Held]) -> bytes:
    """/api/validate's JSON with the decisions of the report's year applied, each beside its finding."""
    verdict = jobs.usable(jobs.check(upload, last, settings))
    matched = apply_decisions(verdict, held.get(verdict.report.year or 0, {}))
    body = verdict.to_dict()
    for i, decision in matched.items():
        body["findings"][i]["decision"] = {k: decision[k] for k in ("verdict", "note", "decided_by", "decided_at")}
    body["decisions_applied"] = len(matched)
    return json_bytes(body)


def annotate_upload_job(
    upload: jobs.Upload, last: jobs.Upload | None, settings: Settings, held: dict[int, Held]
) -> bytes:
    """/api/annotate's copy with the decisions of the report's year written into its findings."""
    jobs.annotatable(upload)
    verdict = jobs.usable(jobs.check(upload, last, settings))
    apply_decisions(verdict, held.get(verdict.report.year or 0, {}))
    return jobs.annotate(verdict, upload, settings)


# ---------------------------------------------------------------------- uploads checked with the decisions


def held_by_year(store: Store, agency_id: str) -> dict[int, Held]:
    """Every year's decisions that hold for an agency, keyed as apply_decisions reads them."""
    out: dict[int, Held] = {}
    for year in store.years():
        held = status.latest_decisions(store.decisions(year, [agency_id]))
        if held:
            out[year] = {f"{rule}|{loc}": d for (_, rule, loc), d in held.items()}
    return out


@dataclass(frozen=True)
class DecidedUpload:
    """This year's and last year's uploads with the decisions that hold for the target agency."""

    main: jobs.Upload
    last: jobs.Upload | None
    held: dict[int, Held]


async def decided_upload(
    request: Request,
    who: Who,
    file: FileField,
    last_year: LastYearField = None,
    agency_id: Annotated[str | None, Form(description="机构编号（审核人必填；填报人为本机构）")] = None,
) -> DecidedUpload:
    """The form of /check and /annotate (one parameter list for both); a clerk's own agency, a supervisor names one."""
    from xlpy.server.api import read_uploads

    store = store_of(request)
    target = (agency_id or "").strip() or (who.agency_id if who.role == CLERK else "")
    if not target:
        raise ApiError(422, "审核人核对时请指定机构编号（agency_id）", headers=NO_STORE)
    await run_in_threadpool(agency_or_404, store, target)
    await run_in_threadpool(allowed, store, who, target)
    main, last = await read_uploads(file, last_year)
    return DecidedUpload(main, last, await run_in_threadpool(held_by_year, store, target))


Decided = Annotated[DecidedUpload, Depends(decided_upload)]


@router.post("/check", summary="校验工作簿并带上审核人的决定（上传页使用，不保存）")
async def check_with_decisions(request: Request, upload: Decided) -> Response:
    """/api/validate's JSON, with each warning the supervisor decided carrying its `decision` (驳回 = explained)."""
    state = request.app.state.xlpy
    body = await state.conversions.run(check_job, upload.main, upload.last, state.settings, upload.held)
    return Response(body, media_type="application/json", headers=NO_STORE)


@router.post("/annotate", summary="带校验结果和审核决定的工作簿副本（上传页使用，不保存）")
async def annotate_with_decisions(request: Request, upload: Decided) -> Response:
    state = request.app.state.xlpy
    main = upload.main
    body = await state.conversions.run(annotate_upload_job, main, upload.last, state.settings, upload.held)
    from xlpy.annotate import is_macro_workbook

    is_xlsm = is_macro_workbook(main.data, main.name)  # as /api/annotate names it: the suffix matches the content
    stem = jobs.safe_filename(main.name.rsplit(".", 1)[0] if "." in main.name else main.name)
    filename = f"{stem}-校验结果.{'xlsm' if is_xlsm else 'xlsx'}"
    media = jobs.XLSM_TYPE if is_xlsm else jobs.XLSX_TYPE
    return Response(body, media_type=media, headers=download(filename))


# ---------------------------------------------------------------------- recording a decision


class DecisionIn(BaseModel):
    submission_id: int
    rule: str = Field(min_length=1, max_length=32)
    location: str = Field(min_length=1, max_length=200)
    verdict: str
    note: str = Field(default="", max_length=2000)


@router.post("/decisions", summary="审核决定：确认（须修改）或驳回（接受）一条警告；发布标记")
def post_decision(request: Request, who: Who, decision: DecisionIn) -> Response:
    store = store_of(request)
    sub = submission_or_404(store, who, decision.submission_id)
    supervisor_only(who)
    if decision.verdict == status.PUBLISH:
        held = status.latest_decisions(store.decisions(sub["year"], [sub["agency_id"]]))
        state, _ = status.status_of(store.current(sub["year"], [sub["agency_id"]]).get(sub["agency_id"]), held)
        current = store.current(sub["year"], [sub["agency_id"]])[sub["agency_id"]]
        if current["id"] != sub["id"] or state not in ("passed", "published"):
            raise ApiError(422, "只有已通过的当前版本可以标记为已发布", headers=NO_STORE)
        saved = store.decide(sub["id"], status.PUBLISH_RULE, str(sub["id"]), status.PUBLISH, decision.note, who.label)
        return json_response({"ok": True, "decision": saved})
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
    return json_response({"ok": True, "decision": saved})

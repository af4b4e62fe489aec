"""Submissions over HTTP: a workbook submitted (checked, then kept), its versions, its file and its annotated copy."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from xlpy.errors import StoreError
from xlpy.server import jobs
from xlpy.server.api import FileField, client_basename
from xlpy.server.errors import ApiError
from xlpy.server.settings import Settings
from xlpy.server.workspace_access import (
    NO_STORE,
    Who,
    agency_or_404,
    allowed,
    download,
    json_response,
    new_router,
    store_of,
    submission_or_404,
)
from xlpy.server.workspace_decisions import Held, apply_decisions
from xlpy.workspace import history, status
from xlpy.workspace.store import CLERK, Principal, Store

router = new_router()


# ---------------------------------------------------------------------- jobs (run in the conversion pool)


def submission_job(upload: jobs.Upload, settings: Settings) -> tuple[dict[str, Any], dict[str, Any]]:
    """(report data, findings JSON) of an upload: the very verdict of /api/validate; an unusable file is its 4xx."""
    verdict = jobs.usable(jobs.check(upload, None, settings))
    # Round-trip through JSON: what the database keeps is exactly what the API shows.
    assert verdict.data is not None  # a usable verdict always has its data
    instance = json.loads(json.dumps(verdict.data.instance, ensure_ascii=False, default=str))
    return instance, verdict.to_dict()


def annotated_job(upload: jobs.Upload, settings: Settings, held: Held) -> bytes:
    """The annotated copy of a stored upload with the reviewer's decisions written into its findings."""
    verdict = jobs.usable(jobs.check(upload, None, settings))
    apply_decisions(verdict, held)
    return jobs.annotate(verdict, upload, settings)


# ---------------------------------------------------------------------- routes


@router.post("/submissions", summary="提交工作簿（校验并保存）")
async def submit(
    request: Request,
    who: Who,
    file: FileField,
    agency_id: Annotated[str | None, Form(description="机构编号（审核人代交时必填；填报人默认本机构）")] = None,
) -> Response:
    """Validate as /api/validate does, then keep the upload; 200 with the submission and its findings."""
    store = store_of(request)
    state = request.app.state.xlpy
    target = (agency_id or "").strip() or (who.agency_id if who.role == CLERK else None)
    if target is not None:
        await run_in_threadpool(agency_or_404, store, target)
        await run_in_threadpool(allowed, store, who, target)
    upload = jobs.Upload(client_basename(file.filename) or "工作簿.xlsx", await file.read())
    instance, report = await state.conversions.run(submission_job, upload, state.settings)
    if target is None:
        raise await run_in_threadpool(_match_agency, store, who, report)
    try:
        saved = await run_in_threadpool(
            store.add_submission, target, upload.name, upload.data, instance, report, who.label
        )
    except StoreError as exc:
        raise ApiError(422, exc.message, headers=NO_STORE) from exc
    return json_response({"ok": True, "submission": saved, "report": report})


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


@router.get("/submissions/{submission_id}", summary="一次提交：校验结果、与上一版本的差异")
def get_submission(request: Request, who: Who, submission_id: int) -> Response:
    store = store_of(request)
    sub = submission_or_404(store, who, submission_id)
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
    return json_response({**body, "diff": changes, "decisions": decided})


@router.get("/submissions/{submission_id}/file", summary="下载提交的原始文件")
def get_file(request: Request, who: Who, submission_id: int) -> Response:
    store = store_of(request)
    sub = submission_or_404(store, who, submission_id)
    data = store.blob(sub["sha256"]) or b""
    return Response(data, media_type="application/octet-stream", headers=download(sub["filename"]))


@router.get("/submissions/{submission_id}/annotated", summary="下载带校验结果和审核决定的工作簿副本")
async def get_annotated(request: Request, who: Who, submission_id: int) -> Response:
    store = store_of(request)
    sub = await run_in_threadpool(submission_or_404, store, who, submission_id)
    data = await run_in_threadpool(store.blob, sub["sha256"])
    decisions = await run_in_threadpool(store.decisions, sub["year"], [sub["agency_id"]])
    held = {f"{rule}|{loc}": d for (_, rule, loc), d in status.latest_decisions(decisions).items()}
    held = {k: {"verdict": d["verdict"], "note": d["note"], "decided_by": d["decided_by"]} for k, d in held.items()}
    state = request.app.state.xlpy
    body = await state.conversions.run(annotated_job, jobs.Upload(sub["filename"], data or b""), state.settings, held)
    stem = jobs.safe_filename(sub["filename"].rsplit(".", 1)[0])
    return Response(body, media_type=jobs.XLSX_TYPE, headers=download(f"{stem}-校验结果.xlsx"))

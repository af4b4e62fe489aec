"""What every workspace route shares: who is asking (the token's Principal), what they may see, the no-store JSON reply."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from xlpy.server.errors import ApiError
from xlpy.server.settings import Settings
from xlpy.workspace.options import Options
from xlpy.workspace.store import CLERK, SUPERVISOR, Principal, Store

NO_STORE = {"Cache-Control": "no-store"}


def new_router() -> APIRouter:
    """A router of workspace routes (each noun's module has one; xlpy.server.workspace_routes.mount serves them)."""
    return APIRouter(prefix="/workspace/api", tags=["工作台"])


def store_of(request: Request) -> Store:
    return request.app.state.workspace


def principal(request: Request) -> Principal:
    """The token's holder; 401 without a valid workspace token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    found = store_of(request).principal(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if found is None:
        raise ApiError(401, "需要有效的工作台令牌（Authorization: Bearer …），请向审核单位索取", headers=NO_STORE)
    return found


Who = Annotated[Principal, Depends(principal)]
# The report year a region route is asked about (年度), the same bounds on every route.
ReportYear = Annotated[int, Query(ge=2019, le=2100)]


def allowed(store: Store, who: Principal, agency_id: str) -> None:
    """403 unless `agency_id` is the clerk's own agency or lies in the supervisor's region."""
    if who.role == CLERK and agency_id == who.agency_id:
        return
    if who.role == SUPERVISOR and agency_id in store.scope(who.agency_id):
        return
    raise ApiError(403, "没有访问该机构数据的权限", headers=NO_STORE)


def supervisor_only(who: Principal) -> None:
    if who.role != SUPERVISOR:
        raise ApiError(403, "只有审核人（上级政务公开办）可以进行此操作", headers=NO_STORE)


def agency_or_404(store: Store, agency_id: str) -> dict[str, Any]:
    found = store.agency(agency_id)
    if found is None:
        raise ApiError(404, f"机构编号 {agency_id} 不在机构名录中", headers=NO_STORE)
    return found


def submission_or_404(store: Store, who: Principal, submission_id: int) -> dict[str, Any]:
    """A stored submission the asker may see: 404 when there is none, 403 when it is another agency's."""
    sub = store.submission(submission_id)
    if sub is None:
        raise ApiError(404, f"提交记录 {submission_id} 不存在", headers=NO_STORE)
    allowed(store, who, sub["agency_id"])
    return sub


def json_response(value: Any, status_code: int = 200) -> Response:
    body = json_bytes(value)
    return Response(body, status_code=status_code, media_type="application/json", headers=NO_STORE)


def json_bytes(value: Any) -> bytes:
    """UTF-8 JSON with dates as ISO text (the database's deadlines and decision days)."""
    return json.dumps(value, ensure_ascii=False, default=_default).encode("utf-8")


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def options_of(request: Request) -> Options:
    settings: Settings = request.app.state.xlpy.settings
    return settings.workspace or Options()


def download(filename: str) -> dict[str, str]:
    """Headers of a file download: never cached, named as /api/* names its files."""
    from xlpy.server.api import attachment

    return {**NO_STORE, **attachment(filename)}

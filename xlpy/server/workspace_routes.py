"""The supervisor's workspace over HTTP (/workspace/…): its routers mounted, who am I, and the registry's agencies.

The routes live by noun: xlpy.server.workspace_submissions (submit, versions, files),
xlpy.server.workspace_decisions (the reviewer's decisions; /check and /annotate with them applied),
xlpy.server.workspace_region_routes (dashboard, roll-up, hierarchy, export); xlpy.server.workspace_access
holds what they share (the token's Principal, the scope checks, the JSON reply).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from xlpy.server.errors import ApiError
from xlpy.server.settings import Settings
from xlpy.server.workspace_access import (
    Who,
    agency_or_404,
    allowed,
    json_response,
    new_router,
    store_of,
    supervisor_only,
)
from xlpy.workspace.store import Store

router = new_router()


@router.get("/me", summary="当前令牌的身份")
def me(request: Request, who: Who) -> Response:
    from xlpy.schema import org_types

    store = store_of(request)
    agency = store.agency(who.agency_id)
    return json_response(
        {"role": who.role, "label": who.label, "agency": agency, "years": store.years(), "org_types": list(org_types())}
    )


@router.get("/agencies/{agency_id}", summary="一个机构：名录信息、各版本、审核决定")
def get_agency(request: Request, who: Who, agency_id: str, year: Annotated[int | None, Query()] = None) -> Response:
    store = store_of(request)
    agency = agency_or_404(store, agency_id)
    allowed(store, who, agency_id)
    versions = store.submissions(agency_id, year)
    years = sorted({v["year"] for v in versions}, reverse=True)
    decisions = [d for y in years for d in store.decisions(y, [agency_id])]
    return json_response({"agency": agency, "submissions": versions, "decisions": decisions})


class AgencyEdit(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    org_type: str | None = None
    contact: str | None = Field(default=None, max_length=200)


@router.post("/agencies/{agency_id}", summary="修改名录信息（审核人）")
def edit_agency(request: Request, who: Who, agency_id: str, edit: AgencyEdit) -> Response:
    from xlpy.schema import org_types

    store = store_of(request)
    agency = agency_or_404(store, agency_id)
    allowed(store, who, agency_id)
    supervisor_only(who)
    changed = {k: v.strip() for k, v in edit.model_dump().items() if v is not None}
    if "org_type" in changed and changed["org_type"] not in org_types():
        raise ApiError(422, f"机关类型“{changed['org_type']}”不在允许的类型中（可用：{'、'.join(org_types())}）")
    if "name" in changed and any(a["name"] == changed["name"] and a["id"] != agency_id for a in store.agencies()):
        raise ApiError(422, f"机构全称“{changed['name']}”已被名录中的其他机构使用")
    store.save_agencies([{**agency, **changed}])
    return json_response({"ok": True, "agency": store.agency(agency_id)})


def mount(app: FastAPI, settings: Settings) -> None:
    """Open (and migrate) the database, then serve the API and the dashboard page; DatabaseError stops start-up."""
    from xlpy.server import workspace_decisions, workspace_region_routes, workspace_submissions
    from xlpy.server.upload_page import CSP, _page
    from xlpy.workspace.database import open_database

    app.state.workspace = Store(open_database(settings.db or ""))
    app.include_router(router)
    app.include_router(workspace_submissions.router)
    app.include_router(workspace_decisions.router)
    app.include_router(workspace_region_routes.router)

    @app.get("/workspace", include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(
            _page("workspace.html"), headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"}
        )

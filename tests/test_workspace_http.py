"""The workspace routes on SQLite and PostgreSQL: submit, decide, dashboard, roll-up, export — and roles on every route."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.http_support import XLSX, assert_error_shape, example, variant
from tests.workspace_support import REGION
from xlpy.server import create_app
from xlpy.server.settings import Settings
from xlpy.workspace.database import open_database
from xlpy.workspace.store import Store


def _warned(d: dict[str, Any]) -> None:
    d["s4"]["review"]["upheld"] -= 10  # totals still add up; the narrative's 结果维持72件 now disagrees (N-5)
    d["s4"]["review"]["other"] += 10


BOOKS: dict[str, bytes] = {}


def book(name: str) -> bytes:
    if name not in BOOKS:
        BOOKS[name] = {
            "good": lambda: example("huaian-2024"),
            "warned": lambda: variant("huaian-2024", _warned),
            "broken": lambda: variant("huaian-2024", lambda d: d["s3"]["new_received"].update(total=1)),
        }[name]()
    return BOOKS[name]


class Workspace:
    """A TestClient on an app with a workspace database, the region of workspace_support and one token per role."""

    def __init__(self, app: Any, client: TestClient, store: Store) -> None:
        self.app = app
        self.client = client
        self.store = store
        self.tokens = {
            "A": store.issue_token("clerk", "A", "淮安区填报人"),
            "B": store.issue_token("clerk", "B", "清江浦区填报人"),
            "T": store.issue_token("clerk", "T", "车桥镇填报人"),
            "C*": store.issue_token("supervisor", "C", "市政务公开办"),
            "A*": store.issue_token("supervisor", "A", "区政务公开办"),
        }

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def submit(self, who: str, name: str, agency: str | None = None) -> Any:
        form = {"agency_id": agency} if agency else {}
        return self.client.post(
            "/workspace/api/submissions",
            files={"file": (f"{name}.xlsx", book(name), XLSX)},
            data=form,
            headers=self.h(who),
        )

    def get(self, who: str, path: str, **params: Any) -> Any:
        return self.client.get("/workspace/api" + path, params=params, headers=self.h(who))

    def post(self, who: str, path: str, body: dict[str, Any]) -> Any:
        return self.client.post("/workspace/api" + path, json=body, headers=self.h(who))


@pytest.fixture
def ws(db_url: str) -> Iterator[Workspace]:
    store = Store(open_database(db_url))
    store.save_agencies(REGION)
    app = create_app(Settings(db=db_url, executor="threads", max_conversions=2))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Workspace(app, client, store)
    app.state.workspace.engine.dispose()
    store.engine.dispose()


def test_clerk_submits_supervisor_decides_clerk_sees_it(ws: Workspace) -> None:
    r = ws.submit("A", "warned")
    assert r.status_code == 200, r.text
    sub = r.json()["submission"]
    assert (sub["agency_id"], sub["year"], sub["errors"], sub["warnings"]) == ("A", 2024, 0, 2)
    assert r.json()["report"]["findings"][0]["rule"] == "N-5"  # the findings JSON of /api/validate
    board = ws.get("C*", "/dashboard", year=2024).json()
    assert {a["id"]: a["status"] for a in board["agencies"]}["A"] == "pending"
    assert board["agencies"][1]["indicators"] == {}  # the status table alone; ?indicators=true adds them
    ranked = ws.get("C*", "/dashboard", year=2024, indicators="true").json()
    assert ranked["agencies"][1]["indicators"]["disclosure_rate"]["rank"] == 1
    rule, location = sub["open_warnings"][0]
    r = ws.post(
        "C*",
        "/decisions",
        {"submission_id": sub["id"], "rule": rule, "location": location, "verdict": "驳回", "note": "口径为全市"},
    )
    assert r.status_code == 200, r.text
    seen = ws.get("A", f"/submissions/{sub['id']}").json()
    decision = seen["decisions"][f"{rule}|{location}"]
    assert (decision["verdict"], decision["note"], decision["decided_by"]) == ("驳回", "口径为全市", "市政务公开办")
    # An accepted warning stops blocking like a 说明: the agency passes, and the annotated copy says why.
    assert {a["id"]: a["status"] for a in ws.get("C*", "/dashboard", year=2024).json()["agencies"]}["A"] == "passed"
    annotated = ws.get("A", f"/submissions/{sub['id']}/annotated")
    assert annotated.status_code == 200 and annotated.headers["content-type"] == XLSX
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(annotated.content))["校验结果"]
    texts = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert "审核驳回（市政务公开办）：口径为全市" in texts
    # Publication mark: only for a passed current version.
    r = ws.post("C*", "/decisions", {"submission_id": sub["id"], "rule": "发布", "location": "-", "verdict": "发布"})
    assert r.status_code == 200
    assert {a["id"]: a["status"] for a in ws.get("C*", "/dashboard", year=2024).json()["agencies"]}["A"] == "published"


def _check(ws: Workspace, who: str, path: str = "/check", **form: str) -> Any:
    """The upload page's request with a workspace token: the workbook is checked, nothing is stored."""
    files = {"file": ("淮安区-2024.xlsx", book("warned"), XLSX)}
    return ws.client.post("/workspace/api" + path, files=files, data=form, headers=ws.h(who))


def test_upload_page_check_carries_the_supervisors_decisions(ws: Workspace) -> None:
    from openpyxl import load_workbook

    before = _check(ws, "A").json()  # no decision yet: exactly /api/validate's verdict
    assert before["final_ok"] is False and before["decisions_applied"] == 0
    assert [f["rule"] for f in before["findings"] if f["severity"] == "warning"] == ["N-5", "N-5"]
    assert not any("decision" in f for f in before["findings"])
    sub = ws.submit("A", "warned").json()["submission"]
    rule, location = sub["open_warnings"][0]
    decided = {"submission_id": sub["id"], "rule": rule, "location": location, "verdict": "驳回", "note": "口径为全市"}
    assert ws.post("C*", "/decisions", decided).status_code == 200
    kept = len(ws.store.submissions("A"))
    body = _check(ws, "A").json()
    # 驳回 (accepted) stops blocking like a 说明: the same workbook now passes, each warning says who decided.
    assert body["final_ok"] is True and body["status"] == "通过" and body["decisions_applied"] == 2
    for f in (f for f in body["findings"] if f["rule"] == rule):
        assert f["explained"] is True and f["explanation"] == "审核驳回（市政务公开办）：口径为全市"
        assert (f["decision"]["verdict"], f["decision"]["note"], f["decision"]["decided_by"]) == (
            "驳回",
            "口径为全市",
            "市政务公开办",
        )
        assert f["decision"]["decided_at"].startswith("20")
    annotated = _check(ws, "A", "/annotate")
    assert annotated.status_code == 200 and annotated.headers["content-type"] == XLSX
    assert "%E6%A0%A1%E9%AA%8C%E7%BB%93%E6%9E%9C.xlsx" in annotated.headers["content-disposition"]  # …-校验结果.xlsx
    sheet = load_workbook(io.BytesIO(annotated.content))["校验结果"]
    texts = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert "审核驳回（市政务公开办）：口径为全市" in texts
    assert len(ws.store.submissions("A")) == kept  # the upload page stores nothing
    # 确认 (must be fixed) blocks again and says so in the message.
    assert ws.post("C*", "/decisions", {**decided, "verdict": "确认", "note": "请改叙述"}).status_code == 200
    body = _check(ws, "A").json()
    assert body["final_ok"] is False
    assert (
        "（审核确认须修改，市政务公开办：请改叙述）"
        in next(f for f in body["findings"] if f["rule"] == rule)["message"]
    )
    # Another agency's clerk sees none of A's decisions; a supervisor names the agency.
    assert _check(ws, "B").json()["decisions_applied"] == 0
    assert "请指定机构编号" in assert_error_shape(_check(ws, "C*"), 422)["error"]
    assert _check(ws, "C*", agency_id="A").json()["decisions_applied"] == 2
    assert_error_shape(_check(ws, "A*", agency_id="B"), 403)


def test_check_and_annotate_share_one_documented_form(ws: Workspace) -> None:
    """One parameter list (xlpy.server.workspace_decisions.decided_upload): both forms documented, both refused alike."""
    spec = ws.app.openapi()
    forms = {}
    for path in ("/workspace/api/check", "/workspace/api/annotate"):
        body = spec["paths"][path]["post"]["requestBody"]
        ref = body["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][ref]
        forms[path] = ({k: v.get("description") for k, v in schema["properties"].items()}, schema["required"])
        assert body["required"] is True
    check, annotate = forms.values()
    assert check == annotate
    assert set(check[0]) == {"file", "last_year", "agency_id"} and check[1] == ["file"]
    assert all(check[0].values()), "every field of the form has its Chinese description"
    for path in ("/check", "/annotate"):
        missing = ws.client.post("/workspace/api" + path, data={"agency_id": "A"}, headers=ws.h("A"))
        assert assert_error_shape(missing, 422)["errors"][0]["field"] == "file"
        assert_error_shape(ws.client.post("/workspace/api" + path, files={"file": ("a.xlsx", b"x", XLSX)}), 401)


def test_versions_history_diff_and_original_file(ws: Workspace) -> None:
    first = ws.submit("A", "good").json()["submission"]
    second = ws.submit("A", "warned").json()["submission"]
    listing = ws.get("A", "/agencies/A", year=2024).json()
    assert [s["id"] for s in listing["submissions"]] == [second["id"], first["id"]]
    diff = ws.get("A", f"/submissions/{second['id']}").json()["diff"]
    assert diff["against"] == first["id"]
    assert {c["path"]: (c["old"], c["new"]) for c in diff["changes"]} == {
        "s4.review.upheld": (72, 62),
        "s4.review.other": (178, 188),
    }
    original = ws.get("A", f"/submissions/{first['id']}/file")
    assert original.status_code == 200 and original.content == book("good")


def test_confirmed_warning_fails_and_a_bad_decision_is_refused(ws: Workspace) -> None:
    sub = ws.submit("A", "warned").json()["submission"]
    rule, location = sub["open_warnings"][0]
    r = ws.post("C*", "/decisions", {"submission_id": sub["id"], "rule": rule, "location": location, "verdict": "确认"})
    assert r.status_code == 200
    assert {a["id"]: a["status"] for a in ws.get("C*", "/dashboard", year=2024).json()["agencies"]}["A"] == "failing"
    body = assert_error_shape(
        ws.post(
            "C*", "/decisions", {"submission_id": sub["id"], "rule": "R-S3-1", "location": "表三!D7", "verdict": "驳回"}
        ),
        422,
    )
    assert "没有未说明的警告 R-S3-1" in body["error"]
    body = assert_error_shape(
        ws.post(
            "C*", "/decisions", {"submission_id": sub["id"], "rule": rule, "location": location, "verdict": "同意"}
        ),
        422,
    )
    assert "确认" in body["error"]
    assert (
        "已通过的当前版本"
        in assert_error_shape(
            ws.post(
                "C*", "/decisions", {"submission_id": sub["id"], "rule": "发布", "location": "-", "verdict": "发布"}
            ),
            422,
        )["error"]
    )


def test_supervisor_upload_binds_by_confirmed_name_and_unknown_agency_is_named(ws: Workspace) -> None:
    body = assert_error_shape(ws.submit("C*", "good"), 409)
    assert body["errors"][0] == {"code": "confirm_agency", "agency_id": "C", "name": "淮安市人民政府"}
    assert ws.store.submissions("C") == []  # nothing kept until the supervisor confirms
    assert ws.submit("C*", "good", agency="C").status_code == 200
    assert "机构编号 ZZ 不在机构名录中" in assert_error_shape(ws.submit("C*", "good", agency="ZZ"), 404)["error"]


def test_unusable_upload_is_refused_and_not_kept(ws: Workspace) -> None:
    r = ws.client.post(
        "/workspace/api/submissions", files={"file": ("x.xlsx", b"not a workbook", XLSX)}, headers=ws.h("A")
    )
    assert_error_shape(r, 422)
    assert ws.store.submissions("A") == []


def test_without_a_token_nothing_is_shown(ws: Workspace) -> None:
    assert_error_shape(ws.client.get("/workspace/api/me"), 401)
    assert_error_shape(ws.client.get("/workspace/api/me", headers={"Authorization": "Bearer wrong"}), 401)
    page = ws.client.get("/workspace")
    assert (
        page.status_code == 200
        and "工作台令牌" in page.text
        and "default-src 'none'" in page.headers["content-security-policy"]
    )


def test_rollup_json_and_workbook(ws: Workspace) -> None:
    from xlpy.reader import read_workbook

    ws.submit("A", "good")
    ws.submit("T", "good")
    data = ws.get("C*", "/rollup", year=2024).json()
    assert data["included"] == ["A", "T"] and data["missing"] == ["B"] and data["findings"] == []
    assert data["data"]["s3"]["new_received"]["total"] == 2 * 3119
    r = ws.get("C*", "/rollup", year=2024, format="xlsx")
    assert r.status_code == 200
    back = read_workbook(r.content, name="汇总.xlsx").instance
    assert back["s3"] == data["data"]["s3"] and back["meta"]["org_name"] == "淮安市人民政府（汇总）"
    html = ws.get("C*", "/rollup", year=2024, format="html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "淮安市人民政府（汇总）" in html.text and "6238" in html.text
    # A district's supervisor rolls up its own region only.
    assert ws.get("A*", "/rollup", year=2024).json()["included"] == ["T"]


def test_hierarchy_findings_of_the_region(ws: Workspace) -> None:
    ws.submit("A", "good")
    ws.submit("T", "good")  # the very file A handed in: H-3; B has not submitted: H-2
    body = ws.get("C*", "/hierarchy", year=2024).json()
    assert body["counts"] == {"H-2": 1, "H-3": 1}
    assert [(f["rule"], f["agencies"], f["section"]) for f in body["findings"]] == [
        ("H-2", ["B"], "汇总"),
        ("H-3", ["A", "T"], "汇总"),
    ]
    assert body["findings"][0]["message"] == "清江浦区人民政府（B）2024 年度尚未提交年报，汇总中未计入"
    assert ws.get("A*", "/hierarchy", year=2024).json()["counts"] == {}  # below A: T alone, nothing to compare


def test_export_neutralises_formulas(ws: Workspace) -> None:
    ws.store.save_agencies([{**REGION[2], "name": '=HYPERLINK("http://x","点我")'}])
    ws.submit("A", "good")
    r = ws.get("C*", "/export", year=2024, format="csv")
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id["B"][1] == '\'=HYPERLINK("http://x","点我")' and by_id["A"][4] == "已通过"
    assert rows[0][12] == "实质公开率" and by_id["A"][12] == "59.5"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(ws.get("C*", "/export", year=2024).content))["汇总"]
    cell = next(c for c in sheet["B"] if str(c.value).startswith("'="))
    assert cell.data_type == "s"


def test_supervisor_edits_the_registry(ws: Workspace) -> None:
    r = ws.post("C*", "/agencies/B", {"contact": "0517-8000", "org_type": "县级人民政府"})
    assert r.status_code == 200 and r.json()["agency"]["contact"] == "0517-8000"
    assert "不在允许的类型中" in assert_error_shape(ws.post("C*", "/agencies/B", {"org_type": "县政府"}), 422)["error"]
    assert (
        "已被名录中的其他机构使用"
        in assert_error_shape(ws.post("C*", "/agencies/B", {"name": "淮安区人民政府"}), 422)["error"]
    )


# ---------------------------------------------------------------------- roles, on every route

FORBIDDEN = (403, 404)


def _attempts(ws: Workspace, other: int) -> dict[tuple[str, str], Any]:
    """One request per workspace route, made by clerk A against agency B's data (submission `other`)."""
    c, h = ws.client, ws.h("A")
    return {
        ("GET", "/workspace/api/me"): lambda: c.get("/workspace/api/me", headers=h),
        ("POST", "/workspace/api/submissions"): lambda: ws.submit("A", "good", agency="B"),
        ("GET", "/workspace/api/dashboard"): lambda: c.get(
            "/workspace/api/dashboard?year=2024&indicators=true", headers=h
        ),
        ("GET", "/workspace/api/agencies/{agency_id}"): lambda: c.get("/workspace/api/agencies/B", headers=h),
        ("POST", "/workspace/api/agencies/{agency_id}"): lambda: c.post(
            "/workspace/api/agencies/B", json={"contact": "x"}, headers=h
        ),
        ("GET", "/workspace/api/submissions/{submission_id}"): lambda: c.get(
            f"/workspace/api/submissions/{other}", headers=h
        ),
        ("GET", "/workspace/api/submissions/{submission_id}/file"): lambda: c.get(
            f"/workspace/api/submissions/{other}/file", headers=h
        ),
        ("GET", "/workspace/api/submissions/{submission_id}/annotated"): lambda: c.get(
            f"/workspace/api/submissions/{other}/annotated", headers=h
        ),
        ("POST", "/workspace/api/decisions"): lambda: c.post(
            "/workspace/api/decisions",
            json={"submission_id": other, "rule": "N-5", "location": "一、总体情况!C10", "verdict": "驳回"},
            headers=h,
        ),
        ("GET", "/workspace/api/rollup"): lambda: c.get("/workspace/api/rollup?year=2024&agency_id=B", headers=h),
        ("GET", "/workspace/api/hierarchy"): lambda: c.get("/workspace/api/hierarchy?year=2024&agency_id=B", headers=h),
        ("POST", "/workspace/api/check"): lambda: c.post(
            "/workspace/api/check", files={"file": ("b.xlsx", book("good"), XLSX)}, data={"agency_id": "B"}, headers=h
        ),
        ("POST", "/workspace/api/annotate"): lambda: c.post(
            "/workspace/api/annotate",
            files={"file": ("b.xlsx", book("good"), XLSX)},
            data={"agency_id": "B"},
            headers=h,
        ),
        ("GET", "/workspace/api/export"): lambda: c.get("/workspace/api/export?year=2024&format=csv", headers=h),
    }


def test_a_clerk_never_reads_another_agencys_data_on_any_route(ws: Workspace) -> None:
    other = ws.submit("B", "warned").json()["submission"]["id"]
    ws.submit("T", "good")  # below A: still not A's clerk's business
    routes = {  # every route the app serves under /workspace/api, from its OpenAPI description
        (method.upper(), path)
        for path, operations in ws.app.openapi()["paths"].items()
        if path.startswith("/workspace/api")
        for method in operations
    }
    assert len(routes) >= 11
    attempts = _attempts(ws, other)
    assert set(attempts) == routes, "a workspace route without a role test"
    secret = ("清江浦区", "淮安区车桥镇", 'B"', str(other))
    for key, attempt in attempts.items():
        r = attempt()
        if key in {("GET", "/workspace/api/me"), ("GET", "/workspace/api/dashboard")}:
            assert r.status_code == 200, key
            assert not any(s in r.text for s in secret[:2]), (key, r.text[:300])
            continue
        assert r.status_code in FORBIDDEN, (key, r.status_code, r.text[:200])
        assert_error_shape(r, r.status_code)
    assert ws.get("A", "/agencies/T").status_code == 403  # a clerk's own child agency is not its data either
    assert [s["agency_id"] for s in ws.store.submissions("B")] == ["B"]  # nothing was submitted for B by A
    assert ws.store.decisions(2024) == []
    assert ws.store.agency("B")["contact"] == ""


def test_a_district_supervisor_sees_only_its_region(ws: Workspace) -> None:
    other = ws.submit("B", "good").json()["submission"]["id"]
    board = ws.get("A*", "/dashboard", year=2024).json()
    assert [a["id"] for a in board["agencies"]] == ["A", "T"]
    assert_error_shape(ws.get("A*", f"/submissions/{other}"), 403)
    assert_error_shape(ws.get("A*", "/agencies/B"), 403)
    assert_error_shape(ws.get("A*", "/rollup", year=2024, agency_id="C"), 403)
    assert_error_shape(ws.get("A*", "/hierarchy", year=2024, agency_id="C"), 403)

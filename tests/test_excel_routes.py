"""The Excel endpoints through the real app: script calls, metadata, the add-in files and report downloads."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("xlwings")
pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from tests.payload_builder import Workbook, example_payload, get_cell, set_cell
from xlpy import findings_sheet as fs
from xlpy.excel.actions import unsupported
from xlpy.layout import layout
from xlpy.server import create_app

NS = {
    "o": "http://schemas.microsoft.com/office/appforoffice/1.1",
    "ov": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
    "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
}


@pytest.fixture(scope="module")
def client() -> TestClient:
    with TestClient(create_app()) as c:
        yield c


def assert_error_shape(resp, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert resp.status_code == status
    body = resp.json()
    assert set(body) == {"ok", "error", "errors", "status"}
    assert body["ok"] is False and body["status"] == status and isinstance(body["errors"], list)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"])
    return body


def broken(client_name: str) -> dict:
    payload = example_payload("huaian", client_name)
    inp = layout("2021").inputs["s3.new_received.natural_person"]
    set_cell(payload, inp.sheet, inp.a1, get_cell(payload, inp.sheet, inp.a1) + 1)
    return payload


@pytest.mark.parametrize("client_name", ["VBA", "Office.js"])
def test_validate_call_returns_replayable_actions_and_findings(client: TestClient, client_name: str) -> None:
    payload = broken(client_name)
    resp = client.post("/xlwings/custom-scripts-call/validate", json=payload)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert not unsupported(body["actions"], client_name)
    wb = Workbook.from_payload(payload)
    wb.replay(body["actions"])
    assert wb.sheets[wb.active].name == fs.RESULTS_SHEET
    report = body["xlpy"]["report"]
    assert report["final_ok"] is False
    assert {"R-S3-1", "R-S3-3"} <= {f["rule"] for f in report["findings"]}
    inp = layout("2021").inputs["s3.new_received.natural_person"]
    assert wb.sheet(inp.sheet).fill(inp.a1) == fs.ERROR_FILL
    assert body["xlpy"]["marked"] >= 1


def test_fill_zeros_and_generate_calls(client: TestClient) -> None:
    payload = example_payload("beigou", "Office.js")
    inp = layout("2019").inputs["s4.review.upheld"]
    set_cell(payload, inp.sheet, inp.a1, "")
    resp = client.post("/xlwings/custom-scripts-call/fill_zeros", json=payload)
    assert resp.status_code == 200
    assert resp.json()["xlpy"]["filled"] == 1
    resp = client.post("/xlwings/custom-scripts-call/generate", json=example_payload("beigou", "VBA"))
    assert resp.status_code == 200
    funcs = [a["func"] for a in resp.json()["actions"]]
    assert funcs.count("addSheet") >= 1 and funcs[-1] == "alert"


def test_unknown_script(client: TestClient) -> None:
    body = assert_error_shape(client.post("/xlwings/custom-scripts-call/format_c", json={}), 404)
    assert "format_c" in body["error"] and body["errors"][0]["code"] == "unknown_script"


@pytest.mark.parametrize(
    "payload",
    [
        {"hello": "world"},
        [1, 2, 3],
        {
            "client": "Office.js",
            "version": "x",
            "book": {"name": "a.xlsx", "active_sheet_index": 0},
            "names": [],
            "sheets": [{"name": "Sheet1", "values": [["随便什么"]]}],
        },
    ],
)
def test_not_an_xlpy_workbook(client: TestClient, payload: object) -> None:
    assert_error_shape(client.post("/xlwings/custom-scripts-call/validate", json=payload), 422)


def test_not_json(client: TestClient) -> None:
    resp = client.post(
        "/xlwings/custom-scripts-call/validate", content=b"\xff\xfe<xml/>", headers={"Content-Type": "application/json"}
    )
    assert_error_shape(resp, 400)


def test_vba_client_with_another_xlwings_version(client: TestClient) -> None:
    payload = example_payload("huaian", "VBA")
    payload["version"] = "0.30.0"
    body = assert_error_shape(client.post("/xlwings/custom-scripts-call/validate", json=payload), 400)
    assert body["errors"][0]["code"] == "xlwings_version"


def test_scripts_meta(client: TestClient) -> None:
    resp = client.get("/xlwings/custom-scripts-meta")
    assert resp.status_code == 200
    meta = {m["function_name"]: m for m in resp.json()}
    assert set(meta) == {"validate", "generate", "fill_zeros"}
    assert meta["validate"]["name"] == "校验" and meta["fill_zeros"]["name"] == "空白填0"


def test_manifest_points_at_the_server(client: TestClient) -> None:
    resp = client.get("/addin/manifest.xml", headers={"host": "xlpy.example.gov.cn"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(resp.content)
    assert (
        root.find("o:DefaultSettings/o:SourceLocation", NS).get("DefaultValue")
        == "http://xlpy.example.gov.cn/addin/taskpane.html"
    )
    text = resp.text
    assert "{{" not in text
    strings = {s.get("id"): s.get("DefaultValue") for s in root.iter(f"{{{NS['bt']}}}String")}
    assert strings["Group.Label"] == "政府信息公开年报"
    assert strings["Validate.Label"] == "校验" and strings["Generate.Label"] == "生成报告"
    actions = [a.get("{http://www.w3.org/2001/XMLSchema-instance}type") for a in root.iter(f"{{{NS['ov']}}}Action")]
    assert actions == ["ExecuteFunction", "ExecuteFunction", "ExecuteFunction", "ShowTaskpane"]
    names = [f.text for f in root.iter(f"{{{NS['ov']}}}FunctionName")]
    assert names == ["xlpyValidate", "xlpyGenerate", "xlpyFillZeros"]
    for url in root.iter(f"{{{NS['bt']}}}Url"):
        assert url.get("DefaultValue").startswith("http://xlpy.example.gov.cn/")


def test_manifest_public_url_setting(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XLPY_PUBLIC_URL", "https://report.example.gov.cn/xlpy/")
    text = client.get("/addin/manifest.xml").text
    assert 'DefaultValue="https://report.example.gov.cn/xlpy/addin/taskpane.html"' in text


@pytest.mark.parametrize(
    "name,media",
    [
        ("taskpane.html", "text/html"),
        ("taskpane.js", "text/javascript"),
        ("xlpy_request.js", "text/javascript"),
        ("xlpy_cells.js", "text/javascript"),
        ("commands.html", "text/html"),
        ("taskpane.css", "text/css"),
        ("icon-32.png", "image/png"),
        ("icon-80.png", "image/png"),
    ],
)
def test_addin_files(client: TestClient, name: str, media: str) -> None:
    resp = client.get(f"/addin/{name}")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith(media)


@pytest.mark.parametrize("name", ["manifest.xml.bak", "..%2Fpyproject.toml", "secret.txt"])
def test_addin_serves_nothing_else(client: TestClient, name: str) -> None:
    assert_error_shape(client.get(f"/addin/{name}"), 404)


def test_only_office_js_is_external() -> None:
    import re
    from pathlib import Path

    addin = Path(__file__).resolve().parents[1] / "workbook" / "addin"
    for page, scripts in (
        ("taskpane.html", ["xlpy_request.js", "xlpy_cells.js", "taskpane.js"]),
        ("commands.html", ["xlpy_request.js", "xlpy_cells.js", "taskpane.js"]),
        ("outcome.html", ["outcome.js"]),
    ):
        srcs = re.findall(r'<script src="([^"]+)"', (addin / page).read_text(encoding="utf-8"))
        assert srcs == ["https://appsforoffice.microsoft.com/lib/1/hosted/office.js", *scripts]
    for script in ("taskpane.js", "outcome.js", "xlpy_request.js", "xlpy_cells.js"):
        js = (addin / script).read_text(encoding="utf-8")
        assert "innerHTML" not in js and "http://" not in js and "https://" not in js


def _has_libreoffice() -> bool:
    from xlpy.render.pdf import find_soffice

    return find_soffice() is not None


@pytest.mark.parametrize(
    "fmt,magic",
    [
        ("docx", b"PK"),
        ("html", b"<"),
        ("md", b"# "),
        pytest.param(
            "pdf",
            b"%PDF-",
            marks=[pytest.mark.slow, pytest.mark.skipif(not _has_libreoffice(), reason="LibreOffice not installed")],
        ),
    ],
)
def test_render_from_payload(client: TestClient, fmt: str, magic: bytes) -> None:
    """Every format the task pane offers (formats.ADDIN_FORMATS) renders from the pane's payload."""
    from xlpy import formats

    assert fmt in formats.ADDIN_FORMATS
    resp = client.post(f"/addin/render?format={fmt}", json=example_payload("huaian", "Office.js"))
    assert resp.status_code == 200, resp.text
    assert resp.content.lstrip()[: len(magic)] == magic
    assert resp.headers["content-type"] == formats.get(fmt).media_type
    assert "attachment" in resp.headers["content-disposition"]


def test_the_pane_offers_every_addin_format_from_the_registry(client: TestClient) -> None:
    from xlpy import formats

    page = client.get("/addin/taskpane.html").text
    found = re.findall(r'<button type="button" id="btn-(\w+)" data-format="(\w+)" disabled>下载 ([^<]+)</button>', page)
    assert [(a, b) for a, b, _ in found] == [(f, f) for f in formats.ADDIN_FORMATS]
    assert [label for _, _, label in found] == [formats.get(f).label for f in formats.ADDIN_FORMATS]
    assert set(formats.ADDIN_FORMATS) >= {"md", "html", "docx", "pdf"} and "xlpy:format-buttons" not in page


def test_pdf_without_libreoffice_on_the_server_says_so_in_chinese(client: TestClient, monkeypatch, tmp_path) -> None:
    """A server without LibreOffice: 503 in the one error shape, the message naming what to do instead."""
    from xlpy.render import pdf as pdf_mod

    monkeypatch.setattr(pdf_mod, "SOFFICE_CANDIDATES", (str(tmp_path / "no-soffice"),))
    body = assert_error_shape(client.post("/addin/render?format=pdf", json=example_payload("huaian", "Office.js")), 503)
    assert body["error"] == pdf_mod.MISSING_ON_SERVER and "服务器未安装 LibreOffice" in body["error"]
    # the other formats are unaffected
    assert client.post("/addin/render?format=docx", json=example_payload("huaian", "Office.js")).status_code == 200


def test_render_blocked_report_and_draft(client: TestClient) -> None:
    body = assert_error_shape(client.post("/addin/render?format=html", json=broken("Office.js")), 422)
    assert any(e.get("rule") == "R-S3-1" for e in body["errors"])
    resp = client.post("/addin/render?format=html&draft=true", json=broken("Office.js"))
    from urllib.parse import unquote

    assert resp.status_code == 200 and "草稿" in unquote(resp.headers["content-disposition"])


def test_render_bad_format_and_payload(client: TestClient) -> None:
    assert_error_shape(client.post("/addin/render?format=json", json=example_payload("huaian")), 422)
    assert_error_shape(client.post("/addin/render?format=docx", json={"a": 1}), 422)


def test_token_guards_scripts_and_render() -> None:
    with TestClient(create_app(token="s3cret")) as c:
        payload = example_payload("beigou", "Office.js")
        assert_error_shape(c.post("/xlwings/custom-scripts-call/validate", json=payload), 401)
        assert_error_shape(c.post("/addin/render?format=html", json=payload), 401)
        ok = c.post("/xlwings/custom-scripts-call/validate", json=payload, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        assert c.get("/addin/taskpane.html").status_code == 200  # the pane itself loads without a token
        assert c.get("/addin/manifest.xml").status_code == 200


def test_response_is_plain_json_for_the_vba_client(client: TestClient) -> None:
    resp = client.post("/xlwings/custom-scripts-call/validate", json=example_payload("beigou", "VBA"))
    body = json.loads(resp.content)
    for a in body["actions"]:
        assert set(a) >= {
            "func",
            "args",
            "values",
            "sheet_position",
            "start_row",
            "start_column",
            "row_count",
            "column_count",
        }


def test_server_forgets_each_book() -> None:
    import xlwings as xw

    from xlpy.server.xlwings_routes import run_script

    app = xw.engines["remote"].apps.active
    before = len(app.books)
    for _ in range(3):
        result = run_script("validate", example_payload("beigou", "VBA"))
        assert result["actions"][-1]["func"] == "alert"
    assert len(app.books) == before


def test_alert_lands_on_its_own_book_when_books_interleave() -> None:
    import xlwings as xw

    from xlpy.excel import scripts

    mine = xw.Book(json=example_payload("huaian", "VBA"))
    other = xw.Book(json=example_payload("beigou", "VBA"))  # opened later: the engine's "active" book
    scripts.fill_zeros_book(mine)
    assert [a["func"] for a in mine.json()["actions"]] == ["alert"]
    assert other.json()["actions"] == []
    mine.close()
    other.close()


def test_pane_pages_allow_only_office_js_from_outside(client: TestClient) -> None:
    csp = client.get("/addin/taskpane.html").headers["content-security-policy"]
    scripts = next(p for p in csp.split(";") if p.strip().startswith("script-src")).split()[1:]
    assert scripts == ["'self'", "https://appsforoffice.microsoft.com"]


def test_manifest_over_http_says_sideloading_needs_https(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    text = client.get("/addin/manifest.xml", headers={"host": "xlpy.example.gov.cn"}).text
    assert text.startswith("<?xml") and "<!-- 注意：本清单中的地址是 http://xlpy.example.gov.cn" in text
    assert "旁加载会失败" in text and "HTTPS" in text
    ET.fromstring(text.encode())  # still a well-formed manifest
    monkeypatch.setenv("XLPY_PUBLIC_URL", "https://report.example.gov.cn/xlpy/")
    assert "旁加载会失败" not in client.get("/addin/manifest.xml").text


def test_addin_id_is_per_deployment_and_stable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from xlpy.server import create_app
    from xlpy.server.settings import Settings, load_settings

    def manifest_id(app: Any, host: str) -> str:
        with TestClient(app) as c:
            root = ET.fromstring(c.get("/addin/manifest.xml", headers={"host": host}).content)
        return str(root.find("o:Id", NS).text)

    app = create_app(Settings(executor="threads"))
    first = manifest_id(app, "a.example.gov.cn")
    assert (
        first
        == manifest_id(app, "a.example.gov.cn")
        == manifest_id(create_app(Settings(executor="threads")), "a.example.gov.cn")
    )
    assert manifest_id(app, "b.example.gov.cn") != first  # another deployment, another add-in
    assert first != "5d0c7a3e-2f41-4c5b-9a58-8a1f0e6b2c91"  # no longer one ID for every deployment
    config = tmp_path / "xlpy.toml"
    config.write_text('[server]\naddin_id = "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"\n', encoding="utf-8")
    configured = create_app(load_settings(config).with_overrides(executor="threads"))
    assert manifest_id(configured, "a.example.gov.cn") == "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    config.write_text('[server]\naddin_id = "not-a-guid"\n', encoding="utf-8")
    from xlpy.errors import InputError

    with pytest.raises(InputError, match="addin_id 应为 GUID"):
        load_settings(config)

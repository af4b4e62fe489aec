"""HTTP API: every endpoint with the example workbooks, the one error shape, token, CORS and `serve --get`."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.http_support import (
    XLSX,
    assert_error_shape,
    clean_name,
    example_data,
    post,
    variant,
)
from xlpy.server import create_app, jobs
from xlpy.server.settings import Settings

# ------------------------------------------------------------------ endpoints


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["ok"] is True


@pytest.mark.parametrize("name", ["beigou", "huaian"])
def test_validate_example_matches_the_cli_json(client: TestClient, books: dict[str, bytes], name: str) -> None:
    from xlpy.config import Config
    from xlpy.reader import read_workbook
    from xlpy.verdict import check

    r = post(client, "/api/validate", books[name], name=f"{name}.xlsx")
    assert r.status_code == 200, r.text
    expected = check(read_workbook(books[name], name=f"{name}.xlsx"), config=Config()).to_dict()
    assert r.json() == json.loads(json.dumps(expected, ensure_ascii=False))
    assert r.headers["cache-control"] == "no-store"


def test_validate_failing_workbook_gives_findings_with_cells(client: TestClient, books: dict[str, bytes]) -> None:
    r = post(client, "/api/validate", books["failing"])
    assert r.status_code == 200
    body = r.json()
    assert body["final_ok"] is False and body["summary"]["errors"] >= 1
    assert any(f["severity"] == "error" and any(c.startswith("表三!") for c in f["cells"]) for f in body["findings"])


def test_validate_with_last_year(client: TestClient, books: dict[str, bytes]) -> None:
    def next_year(d: dict[str, Any]) -> None:
        d["meta"]["year"] = 2025
        d["meta"]["date"] = "2026-01-20"

    this_year = variant("huaian-2024", next_year)
    r = post(client, "/api/validate", this_year, last=books["huaian"])
    assert r.status_code == 200, r.text
    assert r.json()["year"] == 2025


def test_validate_unusable_last_year_is_named(client: TestClient, books: dict[str, bytes]) -> None:
    r = post(client, "/api/validate", books["huaian"], last=b"not a workbook")
    body = assert_error_shape(r, 422)
    assert "上年度" in body["error"]


@pytest.mark.parametrize(
    "fmt,media,magic",
    [
        ("md", "text/markdown", None),
        ("html", "text/html", b"<"),
        ("docx", "wordprocessingml", b"PK"),
        ("json", "application/json", b"{"),
        ("zip", "application/zip", b"PK"),
    ],
)
def test_render_each_format(
    client: TestClient, books: dict[str, bytes], fmt: str, media: str, magic: bytes | None
) -> None:
    name = clean_name(books)
    r = post(client, "/api/render", books[name], format=fmt)
    assert r.status_code == 200, r.text
    assert media in r.headers["content-type"]
    assert "attachment" in r.headers["content-disposition"] and "filename*=UTF-8''" in r.headers["content-disposition"]
    assert r.content and (magic is None or r.content.lstrip().startswith(magic))
    if fmt == "zip":
        names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
        assert {n.rsplit(".", 1)[-1] for n in names} == {"md", "html", "docx", "json"}
        assert any(n.endswith("校验结果.json") for n in names)


def test_render_blocked_report_is_refused_with_findings(client: TestClient, books: dict[str, bytes]) -> None:
    body = assert_error_shape(post(client, "/api/render", books["failing"], format="html"), 422)
    assert body["errors"] and all(e["severity"] in ("error", "warning") for e in body["errors"])
    assert "草稿" in body["error"]
    draft = post(client, "/api/render", books["failing"], format="html", draft="true")
    assert draft.status_code == 200, draft.text
    assert (
        "草稿" in draft.headers["content-disposition"] or "%E8%8D%89%E7%A8%BF" in draft.headers["content-disposition"]
    )


def test_render_unknown_format_is_422(client: TestClient, books: dict[str, bytes]) -> None:
    body = assert_error_shape(post(client, "/api/render", books["huaian"], format="odt"), 422)
    assert body["errors"][0]["field"] == "format"


def test_annotate_returns_a_workbook_with_results_sheet(client: TestClient, books: dict[str, bytes]) -> None:
    from openpyxl import load_workbook

    r = post(client, "/api/annotate", books["failing"], name="淮安.xlsx")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    wb = load_workbook(io.BytesIO(r.content))
    assert "校验结果" in wb.sheetnames


def test_annotate_suffix_follows_the_content_not_the_name(client: TestClient, tmp_path: Path) -> None:
    """A macro workbook uploaded under an .xlsx name keeps its macros and comes back as .xlsm
    (Excel refuses a file whose suffix does not match its content)."""
    from tests.test_annotate import _xlsm

    r = post(client, "/api/annotate", _xlsm(tmp_path).read_bytes(), name="淮安.xlsx")
    assert r.status_code == 200, r.text
    assert "macroEnabled" in r.headers["content-type"] and ".xlsm" in r.headers["content-disposition"]


def test_annotate_refuses_json_with_a_clear_message(client: TestClient) -> None:
    data = json.dumps(example_data("huaian-2024"), ensure_ascii=False).encode()
    body = assert_error_shape(post(client, "/api/annotate", data, name="淮安.json"), 422)
    assert "JSON" in body["error"] and "BadZipFile" not in body["error"]


@pytest.mark.parametrize("year,version", [(2019, "2019"), (2020, "2019"), (2024, "2021")])
def test_template_download_reads_back(client: TestClient, year: int, version: str) -> None:
    from xlpy.reader import read_workbook

    r = client.get(f"/api/template/{year}", params={"org": "测试县人民政府"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    data = read_workbook(r.content, name="t.xlsx")
    assert data.version == version
    assert data.instance["meta"]["year"] == year and data.instance["meta"]["org_name"] == "测试县人民政府"


def test_template_unknown_year(client: TestClient) -> None:
    assert_error_shape(client.get("/api/template/2018"), 404)
    assert_error_shape(client.get("/api/template/abc"), 422)


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/validate", "/api/render", "/api/annotate", "/api/template/{year}", "/healthz"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200


# ------------------------------------------------------------------ the one error shape


def test_framework_errors_use_the_shape(client: TestClient) -> None:
    assert_error_shape(client.get("/no/such/page"), 404)
    assert_error_shape(client.get("/api/validate"), 405)
    body = assert_error_shape(client.post("/api/validate"), 422)
    assert body["errors"][0]["field"] == "file"
    assert_error_shape(client.post("/api/validate", data={"file": "just text"}), 422)


def test_unhandled_exception_is_a_generic_500(
    thread_client: TestClient, books: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = thread_client

    def boom(*args: Any) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(jobs, "check", boom)
    r = post(client, "/api/validate", books["huaian"])
    body = assert_error_shape(r, 500)
    assert "secret" not in r.text and body["errors"] == []
    assert client.get("/healthz").status_code == 200


# ------------------------------------------------------------------ token, CORS, headers


def test_bearer_token(books: dict[str, bytes]) -> None:
    with TestClient(create_app(Settings(token="s3cret", executor="threads")), raise_server_exceptions=False) as c:
        assert_error_shape(post(c, "/api/validate", books["huaian"]), 401)
        c.headers["Authorization"] = "Bearer wrong"
        r = post(c, "/api/validate", books["huaian"])
        assert_error_shape(r, 401)
        assert r.headers["www-authenticate"].startswith("Bearer")
        c.headers["Authorization"] = "Bearer s3cret"
        assert post(c, "/api/validate", books["huaian"]).status_code == 200
        del c.headers["Authorization"]
        assert c.get("/healthz").status_code == 200 and c.get("/").status_code == 200


def test_cors_only_for_configured_origins() -> None:
    app = create_app(Settings(cors_origins=("https://addin.example.gov.cn",), executor="threads"))
    with TestClient(app) as c:
        ok = c.options(
            "/api/validate",
            headers={
                "Origin": "https://addin.example.gov.cn",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "https://addin.example.gov.cn"
        bad = c.options(
            "/api/validate", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
        )
        assert "access-control-allow-origin" not in bad.headers
    with TestClient(create_app(Settings(executor="threads"))) as c:
        r = c.get("/healthz", headers={"Origin": "https://addin.example.gov.cn"})
        assert "access-control-allow-origin" not in r.headers


def test_security_headers(client: TestClient) -> None:
    r = client.get("/")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in r.headers["content-security-policy"]


def test_serve_get_prints_the_response() -> None:
    from xlpy.cli import run

    out, err = io.StringIO(), io.StringIO()
    assert run(["serve", "--get", "/healthz"], out, err) == 0
    assert json.loads(out.getvalue())["ok"] is True
    out = io.StringIO()
    assert run(["serve", "--get", "/nope"], out, err) == 1
    assert json.loads(out.getvalue())["status"] == 404


def test_serve_config_file(tmp_path: Path) -> None:
    from xlpy.server.settings import load_settings

    cfg = tmp_path / "xlpy.toml"
    cfg.write_text(
        '[server]\nmax_upload_bytes = 1048576\ntoken = "abc"\ncors_origins = ["https://a.example"]\n', encoding="utf-8"
    )
    s = load_settings(cfg, environ={})
    assert s.max_upload_bytes == 1048576 and s.token == "abc" and s.cors_origins == ("https://a.example",)
    assert load_settings(cfg, environ={"XLPY_TOKEN": "env"}).token == "env"
    cfg.write_text("[server]\nmax_upload = 5\n", encoding="utf-8")
    from xlpy.errors import InputError

    with pytest.raises(InputError, match="未知的设置项"):
        load_settings(cfg, environ={})

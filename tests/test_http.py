"""HTTP API: every endpoint with the example workbooks, the one error shape, limits, token and CORS."""

from __future__ import annotations

import copy
import io
import json
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from xlpy.server import create_app, jobs
from xlpy.server.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "workbook" / "examples"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ------------------------------------------------------------------ workbooks


def example_data(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def build(data: dict[str, Any]) -> bytes:
    from xlpy.workbook import build_workbook

    out = io.BytesIO()
    build_workbook(data["meta"]["year"], data=data).save(out)
    return out.getvalue()


def example(name: str) -> bytes:
    """The committed example workbook, or one built from its JSON until it is committed."""
    path = EXAMPLES / f"{name}.xlsx"
    return path.read_bytes() if path.exists() else build(example_data(name))


def variant(name: str, change: Callable[[dict[str, Any]], None]) -> bytes:
    data = copy.deepcopy(example_data(name))
    change(data)
    return build(data)


def _break_total(d: dict[str, Any]) -> None:
    d["s3"]["new_received"]["total"] = d["s3"]["new_received"]["total"] + 7  # 合计 ≠ sum of columns


@pytest.fixture(scope="session")
def books() -> dict[str, bytes]:
    return {
        "beigou": example("beigou-2020"),
        "huaian": example("huaian-2024"),
        "failing": variant("huaian-2024", _break_total),
    }


def _clean_name(books: dict[str, bytes]) -> str:
    """An example whose final report is not blocked (both should be; the test says which one is)."""
    from xlpy.reader import read_workbook
    from xlpy.validate import validate

    for name in ("huaian", "beigou"):
        if validate(read_workbook(books[name], name=name)).final_ok:
            return name
    pytest.fail("neither example workbook validates without blocking findings")


@pytest.fixture(scope="module")
def client() -> TestClient:
    """The default app (conversions in worker processes), shared: one warm pool for the module."""
    with TestClient(create_app(Settings()), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture()
def thread_client() -> TestClient:
    """An app whose jobs run in threads of this process, so a test can patch them."""
    with TestClient(create_app(Settings(executor="threads")), raise_server_exceptions=False) as c:
        yield c


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"ok", "error", "errors", "status"}
    assert body["ok"] is False and body["status"] == status and isinstance(body["errors"], list)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]), body["error"]  # a Chinese message
    assert "Traceback" not in response.text
    return body


def post(client: TestClient, path: str, data: bytes, name: str = "report.xlsx", last: bytes | None = None,
         **form: str) -> Any:
    files = {"file": (name, data, XLSX)}
    if last is not None:
        files["last_year"] = ("last.xlsx", last, XLSX)
    return client.post(path, files=files, data=form)


# ------------------------------------------------------------------ endpoints


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["ok"] is True


@pytest.mark.parametrize("name", ["beigou", "huaian"])
def test_validate_example_matches_the_cli_json(client: TestClient, books: dict[str, bytes], name: str) -> None:
    from xlpy.reader import read_workbook
    from xlpy.validate import validate

    r = post(client, "/api/validate", books[name], name=f"{name}.xlsx")
    assert r.status_code == 200, r.text
    expected = validate(read_workbook(books[name], name=f"{name}.xlsx")).to_dict()
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


@pytest.mark.parametrize("fmt,media,magic", [
    ("md", "text/markdown", None), ("html", "text/html", b"<"), ("docx", "wordprocessingml", b"PK"),
    ("json", "application/json", b"{"), ("zip", "application/zip", b"PK")])
def test_render_each_format(client: TestClient, books: dict[str, bytes], fmt: str, media: str, magic: bytes | None) -> None:
    name = _clean_name(books)
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
    assert "草稿" in draft.headers["content-disposition"] or "%E8%8D%89%E7%A8%BF" in draft.headers["content-disposition"]


def test_render_unknown_format_is_422(client: TestClient, books: dict[str, bytes]) -> None:
    body = assert_error_shape(post(client, "/api/render", books["huaian"], format="pdf"), 422)
    assert body["errors"][0]["field"] == "format"


def test_annotate_returns_a_workbook_with_results_sheet(client: TestClient, books: dict[str, bytes]) -> None:
    pytest.importorskip("xlpy.annotate")
    from openpyxl import load_workbook

    r = post(client, "/api/annotate", books["failing"], name="淮安.xlsx")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    wb = load_workbook(io.BytesIO(r.content))
    assert "校验结果" in wb.sheetnames


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


def test_unhandled_exception_is_a_generic_500(thread_client: TestClient, books: dict[str, bytes],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    client = thread_client
    def boom(*args: Any) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(jobs, "check", boom)
    r = post(client, "/api/validate", books["huaian"])
    body = assert_error_shape(r, 500)
    assert "secret" not in r.text and body["errors"] == []
    assert client.get("/healthz").status_code == 200


def test_time_limit_and_busy(books: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    real = jobs.check

    def slow(*args: Any) -> Any:
        time.sleep(0.6)
        return real(*args)

    monkeypatch.setattr(jobs, "check", slow)
    app = create_app(Settings(time_limit_seconds=0.2, max_conversions=1, executor="threads"))
    results: list[int] = []
    with TestClient(app, raise_server_exceptions=False) as c:
        first = threading.Thread(target=lambda: results.append(post(c, "/api/validate", books["huaian"]).status_code))
        first.start()
        time.sleep(0.05)
        second = post(c, "/api/validate", books["huaian"])
        first.join()
        assert_error_shape(second, 503)
        assert results == [504]
        time.sleep(0.6)  # the overrunning job finishes and frees its slot
        monkeypatch.setattr(jobs, "check", real)
        assert post(c, "/api/validate", books["huaian"]).status_code == 200


# ------------------------------------------------------------------ limits


def test_oversized_upload_refused_by_content_length(books: dict[str, bytes]) -> None:
    with TestClient(create_app(Settings(max_upload_bytes=64 * 1024, executor="threads")), raise_server_exceptions=False) as c:
        body = assert_error_shape(post(c, "/api/validate", b"\0" * (200 * 1024)), 413)
        assert "过大" in body["error"]
        assert c.get("/healthz").status_code == 200


def test_oversized_upload_refused_while_streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunked body has no Content-Length: the limit is enforced on the bytes as they arrive."""
    called = []
    monkeypatch.setattr(jobs, "check", lambda *a: called.append(a))
    boundary = "xlpyboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.xlsx\"\r\n"
            f"Content-Type: {XLSX}\r\n\r\n").encode()

    def chunks():  # type: ignore[no-untyped-def]
        yield head
        for _ in range(50):
            yield b"\0" * 8192
        yield f"\r\n--{boundary}--\r\n".encode()

    with TestClient(create_app(Settings(max_upload_bytes=64 * 1024, executor="threads")),
                    raise_server_exceptions=False) as c:
        r = c.post("/api/validate", content=chunks(), headers={"content-type": f"multipart/form-data; boundary={boundary}"})
        assert_error_shape(r, 413)
        assert called == []


def zip_bomb(uncompressed_mb: int = 150) -> bytes:
    """A small 'xlsx' whose one sheet inflates to `uncompressed_mb` MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"0" * (1024 * 1024)
            for _ in range(uncompressed_mb):
                member.write(block)
    return out.getvalue()


@pytest.fixture(scope="session")
def bomb() -> bytes:
    return zip_bomb()


def test_zip_bomb_refused_before_inflation(thread_client: TestClient, bomb: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    import python_calamine

    client = thread_client  # the parse would happen in this process, where the spies are
    assert len(bomb) < 1024 * 1024  # small on the wire …
    inflated: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy_open(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        inflated.append(str(name))
        return real_open(self, name, *args, **kwargs)

    def no_parser(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a parser touched the zip bomb")

    monkeypatch.setattr(zipfile.ZipFile, "open", spy_open)
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", no_parser)
    r = post(client, "/api/validate", bomb, name="bomb.xlsx")
    body = assert_error_shape(r, 413)
    assert "压缩炸弹" in body["error"] and inflated == []
    assert client.get("/healthz").status_code == 200


# ------------------------------------------------------------------ bad input classes (issue 2) over HTTP


def _ole(extra: bytes = b"") -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + extra + b"\0" * 1024


def _corrupt_member(data: bytes) -> bytes:
    """Garble the compressed bytes of the first worksheet; the zip directory stays intact."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    info = next(i for i in zf.infolist() if i.filename.startswith("xl/worksheets/"))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    return data[:start] + b"\xff" * 64 + data[start + 64:]


def _plain_workbook() -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    wb = Workbook()
    wb.active["A1"] = "随便一个表格"
    wb.save(out)
    return out.getvalue()


def _edit(data: bytes, change: Callable[[Any], None]) -> bytes:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rename_sheet(wb: Any) -> None:
    wb["表三"].title = "Sheet3"


def _drop_names(wb: Any) -> None:
    for name in list(wb.defined_names):
        del wb.defined_names[name]


def _huge_sheet(wb: Any) -> None:
    ws = wb.create_sheet("附表")
    for r in range(1, 4001):
        ws.append([r] * 25)  # 100,000 cells nobody asked for


def _set_cell(path: str, value: Any) -> Callable[[Any], None]:
    def change(wb: Any) -> None:
        from xlpy.layout import layout

        sheet, a1 = layout("2021").cells[path].split("!")
        wb[sheet][a1] = value

    return change


BAD_INPUTS: dict[str, Callable[[dict[str, bytes]], tuple[bytes, str]]] = {
    "not_a_workbook": lambda b: ("这不是工作簿".encode() * 10, "report.xlsx"),
    "empty_file": lambda b: (b"", "report.xlsx"),
    "image": lambda b: (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "photo.xlsx"),
    "truncated_zip": lambda b: (b["huaian"][: len(b["huaian"]) // 2], "report.xlsx"),
    "corrupt_zip": lambda b: (_corrupt_member(b["huaian"]), "report.xlsx"),
    "password_protected": lambda b: (_ole("EncryptionInfo".encode("utf-16-le")), "report.xlsx"),
    "old_xls_without_template": lambda b: (_ole(), "report.xls"),
    "not_an_xlpy_template": lambda b: (_plain_workbook(), "other.xlsx"),
    "sheet_renamed": lambda b: (_edit(b["huaian"], _rename_sheet), "report.xlsx"),
    "names_missing": lambda b: (_edit(b["huaian"], _drop_names), "report.xlsx"),
    # A 2021-format workbook claiming a 2020 report (which needs the 2019 format): F-0.
    "wrong_version_for_year": lambda b: (_edit(b["huaian"], _set_cell("meta.year", 2020)), "report.xlsx"),
    "word_document": lambda b: (_word(), "report.xlsx"),
}


def _word() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    return out.getvalue()


@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
@pytest.mark.parametrize("endpoint", ["/api/validate", "/api/render", "/api/annotate"])
def test_bad_input_is_a_4xx_with_the_shape(client: TestClient, books: dict[str, bytes], kind: str, endpoint: str) -> None:
    data, name = BAD_INPUTS[kind](books)
    r = post(client, endpoint, data, name=name)
    assert 400 <= r.status_code < 500, (kind, r.status_code, r.text)
    body = assert_error_shape(r, r.status_code)
    assert body["errors"], kind
    if kind == "wrong_version_for_year":
        assert any(e.get("rule") == "F-0" for e in body["errors"])
    assert client.get("/healthz").status_code == 200


def test_huge_extra_sheet_is_read_in_bounded_time(client: TestClient, books: dict[str, bytes]) -> None:
    data = _edit(books["huaian"], _huge_sheet)
    r = post(client, "/api/validate", data)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("value,rule_prefix", [("三", "R-S3"), ("12件", "R-S3"), ("/", "R-S3"), (None, "R-S3"),
                                                (-3, "R-S3"), (2.5, "R-S3"), ("#REF!", "R-S3")])
def test_bad_values_are_findings_not_errors(client: TestClient, value: Any, rule_prefix: str) -> None:
    def put(d: dict[str, Any]) -> None:
        d["s3"]["new_received"]["research"] = value

    r = post(client, "/api/validate", variant("huaian-2024", put))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["final_ok"] is False
    assert any(f["severity"] == "error" and "表三!" in " ".join(f["cells"]) for f in body["findings"])


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
        ok = c.options("/api/validate", headers={"Origin": "https://addin.example.gov.cn",
                                                 "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "authorization"})
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "https://addin.example.gov.cn"
        bad = c.options("/api/validate", headers={"Origin": "https://evil.example",
                                                  "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in bad.headers
    with TestClient(create_app(Settings(executor="threads"))) as c:
        r = c.get("/healthz", headers={"Origin": "https://addin.example.gov.cn"})
        assert "access-control-allow-origin" not in r.headers


def test_security_headers(client: TestClient) -> None:
    r = client.get("/")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in r.headers["content-security-policy"]


# ------------------------------------------------------------------ concurrency and `serve --get`


def test_concurrent_requests(books: dict[str, bytes]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with TestClient(create_app(Settings(max_conversions=2, executor="threads")), raise_server_exceptions=False) as c:
        order = ["huaian", "failing", "beigou"] * 8
        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(lambda n: (n, post(c, "/api/validate", books[n])), order))
    assert all(r.status_code == 200 for _, r in responses)
    by_name: dict[str, set[str]] = {}
    for name, r in responses:
        by_name.setdefault(name, set()).add(json.dumps(r.json(), sort_keys=True))
    assert all(len(v) == 1 for v in by_name.values())  # same answer whatever ran beside it
    assert json.loads(next(iter(by_name["failing"])))["final_ok"] is False


def test_zip_bomb_refused_by_the_default_app(client: TestClient, bomb: bytes) -> None:
    assert_error_shape(post(client, "/api/validate", bomb, name="bomb.xlsx"), 413)
    assert client.get("/healthz").status_code == 200


def test_concurrent_requests_on_the_process_pool(client: TestClient, books: dict[str, bytes]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(lambda n: post(client, "/api/validate", books[n]).status_code, ["huaian", "failing"] * 6))
    assert codes == [200] * 12


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
    cfg.write_text('[server]\nmax_upload_bytes = 1048576\ntoken = "abc"\ncors_origins = ["https://a.example"]\n',
                   encoding="utf-8")
    s = load_settings(cfg, environ={})
    assert s.max_upload_bytes == 1048576 and s.token == "abc" and s.cors_origins == ("https://a.example",)
    assert load_settings(cfg, environ={"XLPY_TOKEN": "env"}).token == "env"
    cfg.write_text("[server]\nmax_upload = 5\n", encoding="utf-8")
    from xlpy.errors import InputError

    with pytest.raises(InputError, match="未知的设置项"):
        load_settings(cfg, environ={})


def _hog() -> int:
    return len(b"x" * (3 * 1024**3))  # 3 GB: far over the worker's cap


def test_worker_memory_cap_turns_a_runaway_parse_into_413() -> None:
    import asyncio
    import os

    from xlpy.server.errors import ApiError
    from xlpy.server.limits import Conversions

    async def scenario() -> int:
        conversions = Conversions(Settings(max_conversions=1, worker_memory_mb=512))
        try:
            conversions.warm()
            with pytest.raises(ApiError) as caught:
                await conversions.run(_hog)
            assert caught.value.status == 413
            return await conversions.run(os.getpid)  # the same worker still serves
        finally:
            conversions.close()

    assert asyncio.run(scenario()) > 0


def _forever() -> None:
    time.sleep(600)  # a parse that never ends


def test_overrunning_worker_is_killed_and_replaced() -> None:
    import asyncio
    import os

    from xlpy.server.errors import ApiError
    from xlpy.server.limits import Conversions

    async def scenario() -> tuple[int, int]:
        conversions = Conversions(Settings(max_conversions=1, time_limit_seconds=3, kill_grace_seconds=0.2))
        try:
            conversions.warm()
            first = await conversions.run(os.getpid)
            with pytest.raises(ApiError) as caught:
                await conversions.run(_forever)
            assert caught.value.status == 504
            await asyncio.sleep(0.5)  # the grace period passes: the stuck worker is killed
            return first, await conversions.run(os.getpid)  # a fresh worker answers within the limit
        finally:
            conversions.close()

    first, second = asyncio.run(scenario())
    assert first != second

"""The upload page in real headless Chromium (Debian's) against a real uvicorn on loopback."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live_server import live_server

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "workbook" / "examples"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]


def example_data(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def write(path: Path, data: dict[str, Any]) -> Path:
    from xlpy.workbook import build_workbook

    build_workbook(data["meta"]["year"], data=data).save(path)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("upload")
    failing = copy.deepcopy(example_data("huaian-2024"))
    failing["s3"]["new_received"]["total"] += 7
    hostile = copy.deepcopy(example_data("huaian-2024"))
    hostile["meta"]["org_name"] = "淮安市" + XSS + "人民政府"
    hostile["text"]["problems"] = XSS + hostile["text"]["problems"]
    (root / "notes.txt").write_text("hello", encoding="utf-8")
    (root / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "garbage.xlsx").write_bytes("这不是工作簿".encode())
    return {
        "clean": write(root / "淮安市-2024.xlsx", example_data("huaian-2024")),
        "failing": write(root / "失败-2024.xlsx", failing),
        "hostile": write(root / "hostile-2024.xlsx", hostile),
        "text": root / "notes.txt",
        "image": root / "scan.png",
        "garbage": root / "garbage.xlsx",
    }


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    from xlpy.server import create_app

    with live_server(create_app()) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(20000)
    pg.requests = []  # type: ignore[attr-defined]
    pg.on("request", lambda r: pg.requests.append(r.url))  # type: ignore[attr-defined]
    pg.console_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))  # type: ignore[attr-defined]
    pg.goto(base_url + "/")
    yield pg
    # Offline-ready: nothing but this server was ever asked for anything.
    assert all(u.startswith((base_url, "data:", "blob:")) for u in pg.requests), pg.requests  # type: ignore[attr-defined]
    assert pg.evaluate("() => [localStorage.length, sessionStorage.length, document.cookie]") == [0, 0, ""]
    context.close()


def validate_with_keyboard(page: Any, path: Path) -> None:
    page.set_input_files("#file", str(path))
    page.focus("#validate-btn")
    page.keyboard.press("Enter")


def test_failing_workbook_shows_findings_grouped_by_section(page: Any, files: dict[str, Path]) -> None:
    assert page.title() == "政府信息公开工作年度报告 · 在线校验"
    validate_with_keyboard(page, files["failing"])
    page.wait_for_selector("#results:not([hidden])")
    assert "校验未通过" in page.inner_text("#summary")
    group = page.locator("table.findings[data-section='三']")
    assert group.count() == 1
    row = group.locator("tr.sev-row-error").first
    assert row.locator("td.sev").inner_text() == "错误"
    assert "表三!" in row.locator("td.cells").inner_text()
    heading = page.locator("section.group h3").all_inner_texts()
    assert any(h.startswith("三、") for h in heading)
    # Blocked: the report download explains itself instead of downloading.
    page.click("#dl-html")
    page.wait_for_selector("#dl-status.error")
    assert "草稿" in page.inner_text("#dl-status")


def test_clean_workbook_downloads_report_and_annotated_copy(page: Any, files: dict[str, Path], tmp_path: Path) -> None:
    validate_with_keyboard(page, files["clean"])
    page.wait_for_selector("#results:not([hidden])")
    assert "可以生成正式报告" in page.inner_text("#summary")
    got = {}
    for button, ext in (("#dl-html", ".html"), ("#dl-docx", ".docx"), ("#dl-md", ".md"), ("#dl-annotate", ".xlsx")):
        with page.expect_download() as info:
            page.click(button)
        download = info.value
        assert download.suggested_filename.endswith(ext), download.suggested_filename
        target = tmp_path / f"out{ext}"
        download.save_as(target)
        got[ext] = target.read_bytes()
        page.wait_for_selector("#dl-status.ok")
    assert "淮安市人民政府" in got[".html"].decode("utf-8")
    assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(got[".docx"])).namelist()
    assert got[".md"].decode("utf-8").strip()
    from openpyxl import load_workbook

    assert "校验结果" in load_workbook(io.BytesIO(got[".xlsx"])).sheetnames


def test_script_in_workbook_text_is_shown_as_text(
    page: Any, browser: Any, files: dict[str, Path], tmp_path: Path
) -> None:
    validate_with_keyboard(page, files["hostile"])
    page.wait_for_selector("#results:not([hidden])")
    assert "<script>window.__xss=1</script>" in page.inner_text("#summary")
    assert page.locator("#results script, #results img").count() == 0
    assert page.evaluate("() => window.__xss") is None
    # The HTML report escapes it too: opened in a browser, nothing runs and the text is visible.
    page.check("#draft")
    with page.expect_download() as info:
        page.click("#dl-html")
    html_path = tmp_path / "report.html"
    info.value.save_as(html_path)
    report = browser.new_page()
    report.goto(html_path.as_uri())
    assert report.evaluate("() => window.__xss") is None
    assert "<script>window.__xss=1</script>" in report.inner_text("body")
    report.close()


def test_wrong_files_get_clear_messages(page: Any, files: dict[str, Path]) -> None:
    page.set_input_files("#file", str(files["image"]))
    page.click("#validate-btn")
    page.wait_for_selector("#status.error")
    assert "不是年报工作簿或已发布的年报" in page.inner_text("#status")  # refused on the page, never sent
    # A .txt is a published kind the server imports: one that is no annual report gets the importer's message.
    page.set_input_files("#file", str(files["text"]))
    page.click("#validate-btn")
    page.wait_for_function(
        "() => document.querySelector('#status').textContent.includes('不是政府信息公开工作年度报告')"
    )
    assert "notes.txt" in page.inner_text("#status")
    page.set_input_files("#file", str(files["garbage"]))
    page.click("#validate-btn")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('不是 Excel 工作簿')")
    assert page.locator("#results").is_hidden()
    page.set_input_files("#file", [])
    page.click("#validate-btn")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('请先选择文件')")


def test_blank_template_download(page: Any, tmp_path: Path) -> None:
    from xlpy.reader import read_workbook

    page.select_option("#year", "2020")
    page.fill("#org", "测试镇人民政府")
    with page.expect_download() as info:
        page.click("#template-btn")
    target = tmp_path / "t.xlsx"
    info.value.save_as(target)
    assert info.value.suggested_filename.endswith(".xlsx")
    data = read_workbook(target)
    assert data.version == "2019" and data.instance["meta"]["org_name"] == "测试镇人民政府"


def test_macro_workbook_download(page: Any, tmp_path: Path) -> None:
    from xlpy.reader import read_workbook

    page.select_option("#year", "2024")
    page.fill("#org", "测试镇人民政府")
    page.check("#macros")
    with page.expect_download() as info:
        page.click("#template-btn")
    target = tmp_path / "t.xlsm"
    info.value.save_as(target)
    assert info.value.suggested_filename.endswith(".xlsm")
    with zipfile.ZipFile(target) as zf:
        assert "xl/vbaProject.bin" in zf.namelist()
    data = read_workbook(target)
    assert data.version == "2021" and data.instance["meta"]["org_name"] == "测试镇人民政府"
    page.uncheck("#macros")


def test_keyboard_reaches_every_control(page: Any) -> None:
    reached = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("() => document.activeElement.id"))
    assert {"file", "last-year", "validate-btn", "clear-btn", "year", "org", "template-btn"} <= reached


def test_api_docs_render_offline(page: Any, base_url: str) -> None:
    page.goto(base_url + "/docs")
    page.wait_for_selector("#endpoints section h2")
    titles = page.locator("#endpoints h2").all_inner_texts()
    assert "POST /api/validate" in titles and "GET /api/template/{year}" in titles
    assert "last_year" in page.inner_text("#endpoints")


def test_drop_a_workbook_on_the_box(page: Any, files: dict[str, Path]) -> None:
    import base64

    payload = base64.b64encode(files["failing"].read_bytes()).decode()
    transfer = page.evaluate_handle(
        """(b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], "拖入的工作簿.xlsx"));
        return dt;
    }""",
        payload,
    )
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
    assert page.evaluate("() => document.getElementById('file').files[0].name") == "拖入的工作簿.xlsx"
    page.click("#validate-btn")
    page.wait_for_selector("#results:not([hidden])")
    assert page.locator("tr.sev-row-error").count() >= 1


def test_token_is_asked_for_and_kept_in_memory_only(browser: Any, files: dict[str, Path]) -> None:
    from xlpy.server import create_app
    from xlpy.server.settings import Settings

    with live_server(create_app(Settings(token="s3cret", executor="threads"))) as url:
        context = browser.new_context()
        pg = context.new_page()
        pg.goto(url + "/")
        assert pg.locator("#token-row").is_hidden()
        pg.set_input_files("#file", str(files["clean"]))
        pg.click("#validate-btn")
        pg.wait_for_selector("#token-row:not([hidden])")
        assert "访问令牌" in pg.inner_text("#status")
        # Plain Chinese: no protocol words for the clerk.
        assert not [w for w in ("Authorization", "Bearer", "401") if w in pg.inner_text("#status")]
        pg.fill("#token", "wrong")
        pg.click("#validate-btn")
        pg.wait_for_function("() => document.getElementById('status').textContent.includes('不正确')")
        pg.fill("#token", "s3cret")
        pg.click("#validate-btn")
        pg.wait_for_selector("#results:not([hidden])")
        assert pg.evaluate("() => [localStorage.length, sessionStorage.length, document.cookie]") == [0, 0, ""]
        context.close()


@pytest.fixture(scope="module")
def office_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example saved by LibreOffice as .xls (what WPS's .et is too: the same OLE container) and as .ods."""
    from tests.libreoffice import convert

    root = tmp_path_factory.mktemp("office")
    source = write(root / "淮安市-2024.xlsx", example_data("huaian-2024"))
    xls = convert(source, "xls", root)
    et = root / "淮安市-2024.et"
    et.write_bytes(xls.read_bytes())
    return {"xls": xls, "et": et, "ods": convert(source, "ods", root)}


def test_picker_offers_every_kind_the_server_reads(page: Any) -> None:
    from xlpy import file_kinds

    for picker in ("#file", "#last-year"):
        accept = page.get_attribute(picker, "accept")
        assert accept == file_kinds.accept_attribute()
        assert {".xlsx", ".xlsm", ".xls", ".et", ".json", ".pdf", ".html", ".docx", ".txt"} <= set(accept.split(","))
    assert ".et" in page.inner_text("#file-help") and ".pdf" in page.inner_text("#file-help")


PUBLISHED_PDF = Path("/work/shared/examples/published/huaian-shi-2024.pdf")


@pytest.mark.skipif(not PUBLISHED_PDF.is_file(), reason="../shared/examples/published/ (the dev corpus) is absent")
def test_a_published_pdf_is_checked(page: Any) -> None:
    """A real published PDF through the picker: imported and validated, its known defect (X-3) shown."""
    page.set_input_files("#file", str(PUBLISHED_PDF))
    page.click("#validate-btn")
    page.wait_for_selector("#results:not([hidden])")
    assert "淮安市人民政府" in page.inner_text("#summary")
    assert "X-3" in page.inner_text("#results")


@pytest.mark.parametrize("kind", ["xls", "et"])
def test_xls_and_et_files_are_checked(page: Any, office_files: dict[str, Path], kind: str) -> None:
    page.set_input_files("#file", str(office_files[kind]))
    page.click("#validate-btn")
    page.wait_for_selector("#results:not([hidden])")
    assert "淮安市人民政府" in page.inner_text("#summary")
    assert "通过" in page.inner_text("#status")


def test_opendocument_file_says_what_it_is_and_how_to_save_as_xlsx(
    page: Any, office_files: dict[str, Path], base_url: str
) -> None:
    page.set_input_files("#file", str(office_files["ods"]))
    page.click("#validate-btn")
    page.wait_for_selector("#status.error")
    text = page.inner_text("#status")
    assert "OpenDocument" in text and "另存为" in text and ".xlsx" in text
    # The server says the same from the content, whatever the file is called.
    import httpx

    body = office_files["ods"].read_bytes()
    response = httpx.post(base_url + "/api/validate", files={"file": ("报表.xlsx", body)}, timeout=30)
    assert response.status_code in (400, 422), response.text
    assert "OpenDocument" in response.json()["error"] and "另存为" in response.json()["error"]


def test_findings_table_fits_1280_pixels_with_a_22_cell_finding(browser: Any, base_url: str, tmp_path: Path) -> None:
    data = copy.deepcopy(example_data("huaian-2024"))
    data["s3"]["results"]["total"]["natural_person"] = 1  # a column sum: one finding naming 22 cells
    path = write(tmp_path / "列合计错误-2024.xlsx", data)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(base_url + "/")
    pg.set_input_files("#file", str(path))
    pg.click("#validate-btn")
    pg.wait_for_selector("#results:not([hidden])")
    row = pg.locator("tr.finding", has_text="R-S3-2").first
    assert "共 22 处" in row.locator("td.cells").inner_text()
    assert pg.evaluate("() => document.documentElement.scrollWidth") <= 1280
    message = row.locator("td.message").bounding_box()
    assert message is not None and message["width"] >= 300  # the 问题 text keeps room for a sentence a line
    row.locator("td.cells summary").click()
    assert row.locator("td.cells").inner_text().count("表三!") == 22
    assert pg.evaluate("() => document.documentElement.scrollWidth") <= 1280
    context.close()


def test_status_colour_follows_the_result(page: Any, files: dict[str, Path]) -> None:
    validate_with_keyboard(page, files["failing"])
    page.wait_for_selector("#results:not([hidden])")
    status = page.locator("#status")
    assert "未通过" in status.inner_text() and "blocked" in (status.get_attribute("class") or "")
    colour = page.evaluate("() => getComputedStyle(document.getElementById('status')).color")
    assert colour != "rgb(26, 127, 55)"  # not the green of a pass
    validate_with_keyboard(page, files["clean"])
    page.wait_for_function("() => document.getElementById('status').className.includes('ok')")
    assert "通过" in status.inner_text()


def test_page_speaks_to_a_clerk(page: Any, tmp_path: Path) -> None:
    """No tool name in the downloaded blank workbook's name, no command-line advice on the page."""
    with page.expect_download() as info:
        page.click("#template-btn")
    name = info.value.suggested_filename
    assert "xlpy" not in name.lower() and name.endswith("年度政府信息公开工作年度报告.xlsx"), name
    text = page.inner_text("body")
    assert "xlpy" not in text.lower() and "--year" not in text


def test_addin_section_says_sideloading_needs_https(page: Any, base_url: str) -> None:
    """Served over plain HTTP: the page says the add-in cannot be sideloaded from here, and why."""
    page.wait_for_selector("#addin:not([hidden])")
    assert page.get_attribute("#manifest-link", "href") == "/addin/manifest.xml"
    page.wait_for_selector("#addin-https:not([hidden])")
    notice = page.inner_text("#addin-https")
    assert "HTTPS" in notice and "旁加载会失败" in notice and base_url in notice

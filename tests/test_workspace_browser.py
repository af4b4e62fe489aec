"""The workspace page in real headless Chromium (Debian's) against a real uvicorn: clerk uploads, supervisor decides."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.http_support import variant
from tests.live_server import live_server
from tests.test_upload_page import CHROMIUM, CHROMIUM_ARGS, XSS
from tests.workspace_support import REGION
from xlpy.workspace.database import open_database
from xlpy.workspace.store import Store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]


def _warned(d: dict[str, Any]) -> None:
    d["s4"]["review"]["upheld"] -= 10  # 表四 still adds up; the narrative's 结果维持72件 now disagrees (N-5, a warning)
    d["s4"]["review"]["other"] += 10


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from xlpy.server import create_app
    from xlpy.server.settings import Settings

    root = tmp_path_factory.mktemp("workspace")
    db = str(root / "w.db")
    store = Store(open_database(db))
    hostile = {**REGION[2], "name": "清江浦区" + XSS}  # a registry name is data, never markup
    store.save_agencies([*REGION[:2], hostile, REGION[3]])
    tokens = {
        "clerk": store.issue_token("clerk", "A", "淮安区填报人"),
        "boss": store.issue_token("supervisor", "C", "市政务公开办"),
    }
    book = root / "淮安区-2024.xlsx"
    book.write_bytes(variant("huaian-2024", _warned))
    app = create_app(Settings(db=db, executor="threads", max_conversions=1))
    with live_server(app) as url:
        yield {"url": url, "tokens": tokens, "book": book}
    app.state.workspace.engine.dispose()
    store.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def login(browser: Any, site: dict[str, Any], who: str) -> Any:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30000)
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))  # type: ignore[attr-defined]
    page.goto(site["url"] + "/workspace")
    page.fill("#ws-token", site["tokens"][who])
    page.click("#login-btn")
    page.wait_for_selector("#who:not([hidden])")
    return page


def test_upload_as_clerk_decide_as_supervisor_clerk_sees_the_decision(browser: Any, site: dict[str, Any]) -> None:
    # 1. The clerk uploads a workbook with a warning and sees its findings.
    clerk = login(browser, site, "clerk")
    assert "填报人：淮安区填报人（淮安区人民政府）" in clerk.inner_text("#who-text")
    clerk.set_input_files("#ws-file", str(site["book"]))
    clerk.click("#submit-btn")
    clerk.wait_for_selector("#upload-status.ok")
    assert "0 个错误，2 个未说明的警告" in clerk.inner_text("#upload-status")
    clerk.wait_for_selector("#findings-table tr[data-rule='N-5']")
    assert clerk.locator("#findings-table .decision textarea").count() == 0  # a clerk cannot decide
    assert clerk.locator("#agency-edit").is_hidden()  # … nor edit the registry
    assert clerk.locator("#exports").is_hidden() and clerk.locator("#agency-pick").is_hidden()
    assert clerk.inner_text("#sub-diff").strip() == "这是本年度的第一版。"

    # 2. The supervisor sees the region: A waits for an explanation; the hostile name is plain text.
    boss = login(browser, site, "boss")
    boss.wait_for_selector("#agencies tr[data-agency='A']")
    assert boss.inner_text("#agencies tr[data-agency='A'] td:nth-child(3)") == "待说明"
    assert "已通过（含已发布）0 / 4 个机构" in boss.inner_text("#progress-text")
    assert boss.evaluate("() => window.__xss") is None
    assert "<script>" in boss.inner_text("#agencies tr[data-agency='B'] td:first-child")
    boss.fill("#f-search", "淮安区人民")
    assert boss.locator("#agencies tbody tr").count() == 1
    boss.fill("#f-search", "")
    boss.select_option("#f-status", "not_submitted")
    assert boss.locator("#agencies tbody tr").count() == 3
    boss.select_option("#f-status", "")
    # The region's hierarchy findings (H-2: T and B have not reported), worded by the rule register.
    boss.wait_for_selector("#hierarchy:not([hidden])")
    assert boss.inner_text("#hierarchy-summary") == "层级检查：H-2 2 条"
    assert boss.evaluate("() => window.__xss") is None  # B's hostile name in an H-2 message is text too

    # 3. … opens the agency, accepts the warning with a note.
    boss.click("#agencies a[data-agency='A']")
    boss.wait_for_selector("#findings-table tr[data-rule='N-5'] .decision textarea")
    row = boss.locator("#findings-table tr[data-rule='N-5']").first
    row.locator("textarea").fill("叙述中为全市口径，接受")
    row.locator("button[data-verdict='驳回']").click()
    boss.wait_for_selector("#agency-status.ok")
    boss.wait_for_selector("#findings-table div[data-verdict='驳回']")
    # The registry entry is editable on the agency's page.
    boss.fill("#e-contact", "0517-8000 办公室")
    boss.click("#e-save")
    boss.wait_for_function("() => document.getElementById('agency-meta').textContent.includes('0517-8000 办公室')")
    boss.click("#to-dashboard")
    boss.wait_for_selector("#agencies tr[data-agency='A']")
    assert boss.inner_text("#agencies tr[data-agency='A'] td:nth-child(3)") == "已通过"
    assert "已通过（含已发布）1 / 4 个机构" in boss.inner_text("#progress-text")
    # Indicators on request: A is the only 县级人民政府 with a report, so it ranks 1 of 1.
    boss.check("#f-indicators")
    boss.wait_for_selector("#agencies-head th:has-text('实质公开率')")
    boss.wait_for_selector("#agencies tr[data-agency='A'] td:nth-child(9)")
    assert boss.inner_text("#agencies tr[data-agency='A'] td:nth-child(9)") == "59.5%（1/1）"
    assert boss.inner_text("#agencies tr[data-agency='B'] td:nth-child(9)") == "—"

    # 4. The clerk, logging in again, sees who decided what.
    clerk.context.close()
    clerk = login(browser, site, "clerk")
    clerk.wait_for_selector("#findings-table div[data-verdict='驳回']")
    text = clerk.inner_text("#findings-table div[data-verdict='驳回']")
    assert text.startswith("驳回（市政务公开办，") and text.endswith("：叙述中为全市口径，接受")
    # … and on the stateless upload page, with the clerk's workspace token: the same decision on the finding,
    # and the accepted warning no longer blocks the final report. Nothing is stored from there.
    upload = clerk.context.new_page()
    upload.goto(site["url"] + "/")
    upload.fill("#ws-token", site["tokens"]["clerk"])
    upload.set_input_files("#file", str(site["book"]))
    upload.click("#validate-btn")
    upload.wait_for_selector("#findings div.decision[data-verdict='驳回']")
    note = upload.inner_text("#findings div.decision[data-verdict='驳回'] >> nth=0")
    assert note.startswith("审核驳回（接受现状，不再阻止定稿），市政务公开办，") and note.endswith(
        "：叙述中为全市口径，接受"
    )
    assert upload.inner_text("#status") == "校验完成：通过。"
    with upload.expect_download() as download:
        upload.click("#dl-annotate")
    assert download.value.suggested_filename.endswith("-校验结果.xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))["校验结果"]
    assert "审核驳回（市政务公开办）：叙述中为全市口径，接受" in " ".join(
        str(c.value) for r in sheet.iter_rows() for c in r if c.value
    )
    upload.close()
    # Downloads: the export for the supervisor, the annotated copy for the clerk.
    with boss.expect_download() as download:
        boss.click("[data-export='xlsx']")
    assert download.value.suggested_filename == "汇总2024.xlsx"
    with clerk.expect_download() as download:
        clerk.click("#versions tbody tr:first-child button:has-text('带标记副本')")
    assert download.value.suggested_filename.endswith("-校验结果.xlsx")
    assert Path(download.value.path()).stat().st_size > 10000
    for page in (clerk, boss):
        assert page.console_errors == []  # type: ignore[attr-defined]
        assert page.evaluate("() => [localStorage.length, sessionStorage.length, document.cookie]") == [0, 0, ""]
        page.context.close()


def test_a_wrong_token_is_told_in_chinese(browser: Any, site: dict[str, Any]) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(site["url"] + "/workspace")
    page.fill("#ws-token", "wrong")
    page.click("#login-btn")
    page.wait_for_selector("#login-status.error")
    assert "需要有效的工作台令牌" in page.inner_text("#login-status")
    context.close()


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ("unreachable", "无法连接服务器"),  # the browser's own "Failed to fetch" was shown before
        ("proxy page", "服务器返回了错误（502）"),  # a proxy's HTML, not the JSON error shape
    ],
)
def test_a_failed_call_is_told_in_chinese(browser: Any, site: dict[str, Any], answer: str, says: str) -> None:
    """Whatever fails — the network, a proxy in between — the workspace says so in Chinese (request.js)."""
    context = browser.new_context()
    page = context.new_page()

    def route(r: Any) -> None:
        if answer == "unreachable":
            r.abort()
        else:
            r.fulfill(status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>")

    page.route("**/workspace/api/me", route)
    page.goto(site["url"] + "/workspace")
    page.fill("#ws-token", "any")
    page.click("#login-btn")
    page.wait_for_selector("#login-status.error")
    assert says in page.inner_text("#login-status")
    context.close()

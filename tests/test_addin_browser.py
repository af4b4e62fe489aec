"""The task pane in real headless Chromium against a real xlpy server on loopback, with a fake Excel host.

The page loads Office.js from its official URL; the test answers that URL with a small fake
`Office`/`Excel` (an in-memory workbook built from a payload), and refuses every other non-loopback
request — so the pane is shown to need nothing from the internet but Office.js itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
# How long a step may wait for the pane (a server round trip, a download) before the test calls it failed:
# only so that a broken build fails instead of hanging; the wait ends as soon as the page is there.
WAIT_MS = 60_000
if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")
pytest.importorskip("xlwings")

from tests.live_server import live_server
from tests.payload_builder import example_payload, get_cell, set_cell
from xlpy import findings_sheet as fs
from xlpy.layout import layout
from xlpy.server import create_app

OFFICE_JS = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js"
COMMANDS = "/addin/commands.html"  # the ribbon's function file
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# A fake Office host: just the Excel.run surface taskpane.js uses, over an in-memory workbook. It
# claims ExcelApi 1.__XLPY_EXCELAPI_MINOR (default 1.20): APIs of later sets are absent or throw, as
# in an older Excel, so the feature-detected fallbacks run. Its dialog API opens the dialog page in an
# iframe whose own fake Office passes messageParent to the opener.
FAKE_OFFICE = r"""
(function () {
  var MINOR = window.__XLPY_EXCELAPI_MINOR === undefined ? 20 : window.__XLPY_EXCELAPI_MINOR;
  function newer(set) { throw new Error("ExcelApi " + set + " API used on an ExcelApi 1." + MINOR + " host"); }
  function colLetter(n) { var s = ""; while (n > 0) { var m = (n - 1) % 26; s = String.fromCharCode(65 + m) + s; n = Math.floor((n - 1) / 26); } return s; }
  function parseA1(a) { var m = /^([A-Z]+)(\d+)$/.exec(a); var c = 0; for (var i = 0; i < m[1].length; i++) c = c * 26 + m[1].charCodeAt(i) - 64; return [parseInt(m[2], 10) - 1, c - 1]; }
  function quote(name) { return "'" + name.replace(/'/g, "''") + "'"; }
  var p = window.__XLPY_FAKE_PAYLOAD;
  var book = window.__fakeBook = { sheets: [], active: p.book.active_sheet_index, selection: null, names: [], log: [] };
  p.sheets.forEach(function (s) {
    var sheet = { name: s.name, values: {}, fills: {}, links: {} };
    s.values.forEach(function (row, r) { row.forEach(function (v, c) { if (v !== "" && v !== null) sheet.values[r + "," + c] = v; }); });
    book.sheets.push(sheet);
  });
  p.names.forEach(function (n) {
    book.names.push({ name: n.name, type: "Range", value: quote(p.sheets[n.sheet_index].name) + "!$" + n.address.replace(/(\d+)/, "$$$1") });
  });
  book.cell = function (sheet, a1, what) { var rc = parseA1(a1); var s = book.sheets.filter(function (x) { return x.name === sheet; })[0]; return s ? s[what || "values"][rc[0] + "," + rc[1]] : undefined; };
  book.sheetNames = function () { return book.sheets.map(function (s) { return s.name; }); };

  function Range(sheet, r, c, rc, cc) { this.sheet = sheet; this.r = r; this.c = c; this.rc = rc; this.cc = cc; this.isNullObject = false; var self = this;
    this.format = { fill: { clear: function () { self.each(function (k) { delete sheet.fills[k]; }); } },
                    autofitColumns: function () { if (MINOR < 2) newer("1.2"); }, autofitRows: function () { if (MINOR < 2) newer("1.2"); } };
    Object.defineProperty(this.format.fill, "color", { set: function (v) { self.each(function (k) { sheet.fills[k] = v; }); } });
  }
  Range.prototype.load = function () { return this; };
  Range.prototype.each = function (fn) { for (var r = this.r; r < this.r + this.rc; r++) for (var c = this.c; c < this.c + this.cc; c++) fn(r + "," + c); };
  Range.prototype.inside = function (k) { var rc = k.split(",").map(Number); return rc[0] >= this.r && rc[0] < this.r + this.rc && rc[1] >= this.c && rc[1] < this.c + this.cc; };
  Object.defineProperty(Range.prototype, "address", { get: function () {
    return quote(this.sheet.name) + "!" + colLetter(this.c + 1) + (this.r + 1) + ":" + colLetter(this.c + this.cc) + (this.r + this.rc); } });
  Object.defineProperty(Range.prototype, "values", {
    get: function () { var out = []; for (var r = this.r; r < this.r + this.rc; r++) { var row = []; for (var c = this.c; c < this.c + this.cc; c++) { var v = this.sheet.values[r + "," + c]; row.push(v === undefined ? "" : v); } out.push(row); } return out; },
    set: function (vals) { var sheet = this.sheet, self = this;
      vals.forEach(function (row, i) { row.forEach(function (v, j) { var k = (self.r + i) + "," + (self.c + j);
        if (typeof v === "string" && v.charAt(0) === "'") v = v.slice(1);
        else if (typeof v === "string" && /^[=+\-@]/.test(v)) throw new Error("formula written: " + v);
        if (v === "" || v === null) delete sheet.values[k]; else sheet.values[k] = v; }); }); } });
  Object.defineProperty(Range.prototype, "hyperlink", { set: function (link) { if (MINOR < 7) newer("1.7"); var k = this.r + "," + this.c; this.sheet.links[k] = link; this.sheet.values[k] = link.textToDisplay; } });
  Object.defineProperty(Range.prototype, "formulas", { set: function (f) { var m = /^=HYPERLINK\("((?:[^"]|"")*)","((?:[^"]|"")*)"\)$/.exec(f[0][0]);
    if (!m || this.rc !== 1 || this.cc !== 1) throw new Error("unexpected formula " + f[0][0]);
    var k = this.r + "," + this.c; this.sheet.links[k] = { formula: f[0][0] }; this.sheet.values[k] = m[2].replace(/""/g, '"'); } });
  Object.defineProperty(Range.prototype, "numberFormat", { set: function () {} });
  Range.prototype.clear = function (what) { var sheet = this.sheet, self = this;
    ["values", "fills", "links"].forEach(function (part) {
      if ((what === "Contents" && part !== "values") || (what === "Formats" && part === "values")) return;
      Object.keys(sheet[part]).forEach(function (k) { if (self.inside(k)) delete sheet[part][k]; }); }); };
  Range.prototype.select = function () { book.selection = { sheet: this.sheet.name, address: colLetter(this.c + 1) + (this.r + 1) }; book.log.push("select " + this.sheet.name); };

  function Worksheet(sheet) { this.s = sheet; }
  Worksheet.prototype.load = function () { return this; };
  Object.defineProperty(Worksheet.prototype, "name", { get: function () { return this.s.name; }, set: function (v) { this.s.name = v; } });
  Object.defineProperty(Worksheet.prototype, "position", {
    get: function () { return book.sheets.indexOf(this.s); },
    set: function (pos) { var i = book.sheets.indexOf(this.s); book.sheets.splice(i, 1); book.sheets.splice(Math.min(pos, book.sheets.length), 0, this.s); } });
  Worksheet.prototype.getUsedRange = function () {  // ExcelApi 1.1: A1 for an empty sheet
    var u = this.usedOrNull(); return u.isNullObject ? new Range(this.s, 0, 0, 1, 1) : u; };
  Worksheet.prototype.getUsedRangeOrNullObject = function () { if (MINOR < 4) newer("1.4"); return this.usedOrNull(); };
  Worksheet.prototype.usedOrNull = function () {
    var keys = Object.keys(this.s.values);
    if (!keys.length) return { isNullObject: true, load: function () { return this; } };
    var mr = 0, mc = 0; keys.forEach(function (k) { var rc = k.split(",").map(Number); mr = Math.max(mr, rc[0]); mc = Math.max(mc, rc[1]); });
    return new Range(this.s, 0, 0, mr + 1, mc + 1); };
  Worksheet.prototype.getRange = function (address) {
    if (!address) return new Range(this.s, 0, 0, 1048576, 16384);
    var parts = address.split(":"), a = parseA1(parts[0]), b = parseA1(parts[1] || parts[0]);
    return new Range(this.s, a[0], a[1], b[0] - a[0] + 1, b[1] - a[1] + 1); };
  Worksheet.prototype.getRangeByIndexes = function (r, c, rc, cc) { if (MINOR < 7) newer("1.7"); return new Range(this.s, r, c, rc, cc); };
  Worksheet.prototype.activate = function () { book.active = book.sheets.indexOf(this.s); };
  Worksheet.prototype.delete = function () { book.sheets.splice(book.sheets.indexOf(this.s), 1); };

  var worksheets = {
    load: function () { return this; },
    get items() { return book.sheets.map(function (s) { return new Worksheet(s); }); },
    getItem: function (name) { var s = book.sheets.filter(function (x) { return x.name === name; })[0]; if (!s) throw new Error("ItemNotFound " + name); return new Worksheet(s); },
    getActiveWorksheet: function () { return new Worksheet(book.sheets[book.active]); },
    add: function (name) { var s = { name: name, values: {}, fills: {}, links: {} }; book.sheets.push(s); return new Worksheet(s); },
  };
  var workbook = {
    worksheets: worksheets,
    names: { load: function () { return this; }, get items() { return book.names; } },
    get properties() { if (MINOR < 7) newer("1.7"); return { load: function () { return this; }, title: "" }; },
    getSelectedRange: function () { var s = book.sheets[book.active]; var a = parseA1((book.selection && book.selection.address) || "A1"); return new Range(s, a[0], a[1], 1, 1); },
  };
  window.Excel = { run: function (cb) { return Promise.resolve(cb({ workbook: workbook, sync: function () { return Promise.resolve(); } })); } };
  var EventType = { DialogMessageReceived: "dialogMessageReceived", DialogEventReceived: "dialogEventReceived" };
  function displayDialogAsync(url, options, callback) {
    var frame = document.createElement("iframe"), handlers = {};
    frame.id = "__dialog"; frame.src = url; document.body.appendChild(frame);
    window.__dialogUrl = url;
    window.__dialogMessage = function (m) { if (handlers[EventType.DialogMessageReceived]) handlers[EventType.DialogMessageReceived]({ message: m }); };
    callback({ status: "succeeded", value: {
      addEventHandler: function (type, fn) { handlers[type] = fn; },
      close: function () { frame.parentNode.removeChild(frame); window.__dialogClosed = true; } } });
  }
  var requirements = { isSetSupported: function (name, version) {
    var minor = parseInt(String(version).split(".")[1] || "0", 10);
    if (name === "ExcelApi") return minor <= MINOR;
    if (name === "DialogApi") return window.__XLPY_NO_DIALOG !== true;
    return false; } };
  window.Office = { onReady: function (cb) { setTimeout(function () { cb({ host: "Excel" }); }, 0); return Promise.resolve(); },
                    EventType: EventType,
                    context: { requirements: requirements, document: { url: "" },
                               ui: { displayDialogAsync: displayDialogAsync,
                                     messageParent: function (m) { window.parent.__dialogMessage(m); } } },
                    actions: { associate: function (n, f) { (window.__associated = window.__associated || []).push(n); } } };
})();
"""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live_server(create_app()) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def open_pane(
    browser: Any, server: str, payload: dict[str, Any], init: str = "", page_path: str = "/addin/taskpane.html"
) -> tuple[Any, Any, list[str]]:
    """A page of the add-in with the fake host; `init` runs first in every frame (e.g. an older ExcelApi)."""
    context = browser.new_context(accept_downloads=True)
    refused: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if url == OFFICE_JS:
            r.fulfill(body=FAKE_OFFICE, content_type="text/javascript")
        elif url.startswith(server):
            r.continue_()
        else:
            refused.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(f"window.__XLPY_FAKE_PAYLOAD = {json.dumps(payload, ensure_ascii=False)};{init}")
    page.goto(f"{server}{page_path}")
    if page_path.endswith("taskpane.html"):
        page.wait_for_selector("#btn-validate:not([disabled])", timeout=WAIT_MS)
    else:
        page.wait_for_function("() => (window.__associated || []).length === 3")
    assert not errors, errors
    return context, page, refused


def broken_payload() -> tuple[dict[str, Any], str, str]:
    payload = example_payload("huaian", "Office.js")
    inp = layout("2021").inputs["s3.new_received.natural_person"]
    set_cell(payload, inp.sheet, inp.a1, get_cell(payload, inp.sheet, inp.a1) + 1)
    return payload, inp.sheet, inp.a1


def test_validate_marks_cells_and_findings_jump(browser: Any, server: str) -> None:
    payload, sheet, cell = broken_payload()
    context, page, refused = open_pane(browser, server, payload)
    try:
        page.click("#btn-validate")
        page.wait_for_selector("#findings li", timeout=WAIT_MS)
        target = f"{json.dumps(sheet)}, {json.dumps(cell)}"
        state = page.evaluate(
            """() => ({
            sheets: __fakeBook.sheetNames(), active: __fakeBook.sheets[__fakeBook.active].name,
            status: __fakeBook.cell("校验结果", "A2"), header: __fakeBook.cell("校验结果", "D4"),
            firstRule: __fakeBook.cell("校验结果", "B5"), link: __fakeBook.cell("校验结果", "E5", "links"),
            fill: __fakeBook.cell(TARGET, "fills"), pane: document.getElementById("status").textContent,
            items: document.querySelectorAll("#findings li").length })""".replace("TARGET", target)
        )
        assert fs.RESULTS_SHEET in state["sheets"] and state["sheets"][-1] == fs.RESULTS_SHEET
        assert state["active"] == fs.RESULTS_SHEET
        assert state["status"].startswith("校验未通过")
        assert state["header"] == "问题"
        assert state["fill"] == fs.ERROR_FILL
        assert state["link"]["documentReference"].endswith("!" + state["link"]["textToDisplay"].split("!")[1])
        assert state["pane"].startswith("校验未通过") and state["items"] >= 2
        # Click the first finding: its cell is selected on its sheet.
        first = page.locator("#findings li button").first
        where = first.locator(".where").text_content()
        first.click()
        page.wait_for_function("() => __fakeBook.selection && __fakeBook.selection.sheet !== '校验结果'")
        sel = page.evaluate("() => [__fakeBook.selection, __fakeBook.sheets[__fakeBook.active].name]")
        assert f"{sel[0]['sheet']}!{sel[0]['address']}" == where
        assert sel[1] == sel[0]["sheet"]
        # Run again: one results sheet, still.
        page.click("#btn-validate")
        page.wait_for_function("() => document.getElementById('btn-validate').disabled === false")
        names = page.evaluate("() => __fakeBook.sheetNames()")
        assert names.count(fs.RESULTS_SHEET) == 1
    finally:
        context.close()
    assert refused == []


def test_fill_zeros(browser: Any, server: str) -> None:
    payload = example_payload("beigou", "Office.js")
    inp = layout("2019").inputs["s4.review.upheld"]
    set_cell(payload, inp.sheet, inp.a1, "")
    context, page, refused = open_pane(browser, server, payload)
    try:
        page.click("#btn-fill")
        page.wait_for_function("() => document.getElementById('status').textContent.includes('填入 0')")
        assert page.evaluate(f"() => __fakeBook.cell({json.dumps(inp.sheet)}, {json.dumps(inp.a1)})") == 0
        assert "1 个" in page.text_content("#status")
    finally:
        context.close()
    assert refused == []


def test_downloads(browser: Any, server: str) -> None:
    context, page, refused = open_pane(browser, server, example_payload("huaian", "Office.js"))
    try:
        with page.expect_download() as info:
            page.click("#btn-docx")
        download = info.value
        assert download.suggested_filename.endswith(".docx")
        assert Path(download.path()).read_bytes()[:2] == b"PK"
        with page.expect_download() as info:
            page.click("#btn-html")
        assert info.value.suggested_filename.endswith(".html")
        with page.expect_download() as info:
            page.click("#btn-md")
        assert info.value.suggested_filename.endswith(".md")
        assert Path(info.value.path()).read_text(encoding="utf-8").startswith("# ")
        from xlpy.render.pdf import find_soffice

        if find_soffice() is not None:  # the PDF button: LibreOffice on the server converts the DOCX
            with page.expect_download(timeout=WAIT_MS) as info:
                page.click("#btn-pdf")
            assert info.value.suggested_filename.endswith(".pdf")
            assert Path(info.value.path()).read_bytes().startswith(b"%PDF-")
    finally:
        context.close()
    assert refused == []


def test_blocked_download_shows_the_reason_and_draft_works(browser: Any, server: str) -> None:
    payload, _, _ = broken_payload()
    context, page, _ = open_pane(browser, server, payload)
    try:
        page.click("#btn-html")
        page.wait_for_function("() => document.getElementById('status').classList.contains('error')")
        assert "不能生成正式报告" in page.text_content("#status")
        page.check("#opt-draft")
        with page.expect_download() as info:
            page.click("#btn-html")
        assert "草稿" in info.value.suggested_filename
    finally:
        context.close()


def test_excel_2016_api_level_uses_the_fallbacks(browser: Any, server: str) -> None:
    """ExcelApi 1.1 only (perpetual Excel 2016): no getRangeByIndexes, hyperlink, properties, autofit —
    the fake throws on each, so passing means every feature-detected fallback ran instead."""
    payload, sheet, cell = broken_payload()
    init = "window.__XLPY_EXCELAPI_MINOR = 1;"
    context, page, refused = open_pane(browser, server, payload, init)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.click("#btn-validate")
        page.wait_for_selector("#findings li", timeout=WAIT_MS)
        state = page.evaluate(
            f"""() => ({{ status: __fakeBook.cell("校验结果", "A2"), link: __fakeBook.cell("校验结果", "E5", "links"),
            text: __fakeBook.cell("校验结果", "E5"), fill: __fakeBook.cell({json.dumps(sheet)}, {json.dumps(cell)}, "fills"),
            pane: document.getElementById("status").className }})"""
        )
        assert state["status"].startswith("校验未通过")
        assert state["fill"] == fs.ERROR_FILL
        # The jump link is a HYPERLINK formula to the same place the 1.7 hyperlink would go.
        assert state["link"]["formula"].startswith('=HYPERLINK("#') and state["text"] in state["link"]["formula"]
        assert state["pane"] == "status error"
    finally:
        context.close()
    assert errors == [] and refused == []


def open_bare(browser: Any, server: str, office_js: str | None, init: str = "") -> tuple[Any, Any]:
    """The task pane where Office.js is unreachable (None) or is `office_js`; nothing else leaves loopback."""
    context = browser.new_context()

    def route(r: Any) -> None:
        if r.request.url == OFFICE_JS and office_js is not None:
            r.fulfill(body=office_js, content_type="text/javascript")
        elif r.request.url.startswith(server):
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    if init:
        page.add_init_script(init)
    page.goto(f"{server}/addin/taskpane.html")
    page.wait_for_function("() => document.getElementById('status').classList.contains('error')")
    return context, page


def test_office_js_unreachable_says_which_host_it_needs(browser: Any, server: str) -> None:
    context, page = open_bare(browser, server, None)
    try:
        text = page.text_content("#status")
        assert "未能加载 Office.js" in text and "appsforoffice.microsoft.com" in text and "政务内网" in text
        assert "未检测到 Excel" not in text
        assert page.is_disabled("#btn-validate")
    finally:
        context.close()


def test_page_outside_excel_says_so(browser: Any, server: str) -> None:
    # Office.js loaded (as in a plain browser): onReady reports no host and there is no Excel namespace.
    office = "window.Office = { onReady: function (cb) { setTimeout(function () { cb({ host: null }); }, 0); } };"
    context, page = open_bare(browser, server, office)
    try:
        assert "未检测到 Excel" in page.text_content("#status")
        assert page.is_disabled("#btn-validate")
    finally:
        context.close()


def test_too_old_webview_gets_a_chinese_message(browser: Any, server: str) -> None:
    # A webview without XMLHttpRequest stands for one older than IE11's feature level.
    payload = json.dumps(example_payload("beigou", "Office.js"), ensure_ascii=False)
    init = f"window.__XLPY_FAKE_PAYLOAD = {payload}; delete window.XMLHttpRequest;"
    context, page = open_bare(browser, server, FAKE_OFFICE, init)
    try:
        text = page.text_content("#status")
        assert "过旧" in text and "Internet Explorer 11" in text
        assert page.is_disabled("#btn-validate")
    finally:
        context.close()


def run_command(page: Any, command: str) -> dict[str, Any]:
    """Press a ribbon button (call its function as Office would) and read the outcome dialog."""
    page.evaluate(
        f"() => {{ window.__completed = false; {command}({{ completed: function () {{ window.__completed = true; }} }}); }}"
    )
    frame_el = page.wait_for_selector("#__dialog", timeout=WAIT_MS)
    frame = frame_el.content_frame()
    # The iframe starts as about:blank: wait for the dialog page itself to have filled its message.
    frame.wait_for_function(
        "() => location.pathname.endsWith('/outcome.html') && !!document.getElementById('message')"
        " && document.getElementById('message').textContent.length > 0",
        timeout=WAIT_MS,
    )
    seen = frame.evaluate(
        """() => ({ title: document.getElementById("title").textContent,
                   message: document.getElementById("message").textContent,
                   kind: document.getElementById("message").className })"""
    )
    assert page.evaluate("() => window.__completed") is False  # the command waits for the dialog
    frame.click("#btn-close")
    page.wait_for_function("() => window.__completed === true && window.__dialogClosed === true")
    assert page.query_selector("#__dialog") is None
    seen["url"] = page.evaluate("() => window.__dialogUrl")
    return seen


def test_ribbon_validate_shows_the_refusal_in_a_dialog(browser: Any, server: str) -> None:
    payload, _, _ = broken_payload()
    context, page, refused = open_pane(browser, server, payload, page_path=COMMANDS)
    try:
        seen = run_command(page, "xlpyValidate")
        assert seen["title"] == "校验结果"  # the alert action's title and message, as VBA would show them
        assert seen["message"].startswith("校验未通过") and seen["kind"] == "status error"
        assert seen["url"].startswith(f"{server}/addin/outcome.html?")
        assert page.evaluate("() => __fakeBook.sheetNames().includes('校验结果')")
        seen = run_command(page, "xlpyGenerate")
        assert seen["title"] == "生成报告" and seen["message"].startswith("不能生成正式报告")
        assert not page.evaluate("() => __fakeBook.sheetNames().includes('报告正文')")
    finally:
        context.close()
    assert refused == []


def test_ribbon_success_and_fill_zeros(browser: Any, server: str) -> None:
    payload = example_payload("beigou", "Office.js")
    inp = layout("2019").inputs["s4.review.upheld"]
    set_cell(payload, inp.sheet, inp.a1, "")
    context, page, refused = open_pane(browser, server, payload, page_path=COMMANDS)
    try:
        seen = run_command(page, "xlpyFillZeros")
        assert seen["title"] == "空白填0" and "1 个" in seen["message"] and seen["kind"] == "status ok"
        assert page.evaluate(f"() => __fakeBook.cell({json.dumps(inp.sheet)}, {json.dumps(inp.a1)})") == 0
    finally:
        context.close()
    context, page, more = open_pane(browser, server, example_payload("huaian", "Office.js"), page_path=COMMANDS)
    try:
        seen = run_command(page, "xlpyGenerate")
        assert seen["kind"] == "status ok" and "报告正文" in seen["message"], seen
        assert page.evaluate("() => __fakeBook.sheetNames().includes('报告正文')")
    finally:
        context.close()
    assert refused == [] and more == []


def test_ribbon_error_is_shown_not_swallowed(browser: Any, server: str) -> None:
    context, page, _ = open_pane(browser, server, example_payload("beigou", "Office.js"), page_path=COMMANDS)
    try:
        context.route("**/xlwings/**", lambda r: r.abort())  # (routes added later win) the server is unreachable
        seen = run_command(page, "xlpyValidate")
        assert seen["title"] == "出错了" and "无法连接 xlpy 服务器" in seen["message"]
        assert seen["kind"] == "status error"
    finally:
        context.close()


def test_ribbon_without_dialog_api_still_completes(browser: Any, server: str) -> None:
    init = "window.__XLPY_NO_DIALOG = true;"
    context, page, _ = open_pane(browser, server, example_payload("beigou", "Office.js"), init, COMMANDS)
    try:
        page.evaluate("() => new Promise(done => xlpyValidate({ completed: done }))")
        assert page.evaluate("() => __fakeBook.sheetNames().includes('校验结果')")
        assert page.evaluate("() => XLPY.lastOutcome.title") == "校验结果"
        assert page.query_selector("#__dialog") is None
    finally:
        context.close()


def test_self_hosted_office_js_needs_nothing_from_outside(
    browser: Any, server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """XLPY_OFFICE_JS_DIR: the pages load Office.js from this server (here the fake host stands in for the
    files an administrator downloaded from the CDN), the CSP names no other origin, nothing leaves loopback."""
    import urllib.error
    import urllib.request

    (tmp_path / "office.js").write_text(FAKE_OFFICE, encoding="utf-8")
    (tmp_path / "secret.txt").write_text("no", encoding="utf-8")
    monkeypatch.setenv("XLPY_OFFICE_JS_DIR", str(tmp_path))
    context = browser.new_context()
    refused: list[str] = []
    context.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(server) else (refused.append(r.request.url), r.abort()),
    )
    page = context.new_page()
    try:
        payload, _, _ = broken_payload()
        page.add_init_script(f"window.__XLPY_FAKE_PAYLOAD = {json.dumps(payload, ensure_ascii=False)};")
        resp = page.goto(f"{server}/addin/taskpane.html")
        assert "appsforoffice" not in resp.headers["content-security-policy"]
        page.wait_for_selector("#btn-validate:not([disabled])", timeout=WAIT_MS)
        page.click("#btn-validate")
        page.wait_for_selector("#findings li", timeout=WAIT_MS)
        assert page.evaluate("() => __fakeBook.sheetNames().includes('校验结果')")
    finally:
        context.close()
    assert refused == []
    for bad in ("secret.txt", "../office.js", "%2e%2e/%2e%2e/etc/passwd"):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{server}/addin/office-js/{bad}", timeout=10)
        assert err.value.code == 404

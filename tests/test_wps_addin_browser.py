"""The WPS add-in in real headless Chromium against a real xlpy server, with a fake ET object model.

WPS itself is not run (not available here): `FAKE_ET` implements exactly the ET members the add-in's
js/xlpy_et.js header lists, over an in-memory workbook, with Excel's semantics (1-based collections,
Value2 scalar for one cell and rows×columns for several, colours as red + green·256 + blue·65536).
The page is the one WPS would load (/wps/index.html); the ribbon's OnAction is called as WPS calls it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.test_addin_browser import ARGS, CHROMIUM, WAIT_MS

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")
pytest.importorskip("xlwings")

from tests.live_server import live_server  # noqa: E402
from tests.payload_builder import example_payload, get_cell, set_cell  # noqa: E402
from xlpy import findings_sheet as fs  # noqa: E402
from xlpy.excel import actions  # noqa: E402
from xlpy.layout import layout  # noqa: E402
from xlpy.server import create_app  # noqa: E402

FAKE_ET = r"""
(function () {
  function colLetter(n) { var s = ""; while (n > 0) { var m = (n - 1) % 26; s = String.fromCharCode(65 + m) + s; n = Math.floor((n - 1) / 26); } return s; }
  function parseA1(a) { var m = /^([A-Z]+)(\d+)$/.exec(a); if (!m) throw new Error("bad address " + a); var c = 0; for (var i = 0; i < m[1].length; i++) c = c * 26 + m[1].charCodeAt(i) - 64; return [parseInt(m[2], 10), c]; }
  function quote(name) { return "'" + name.replace(/'/g, "''") + "'"; }
  var p = window.__XLPY_FAKE_PAYLOAD;
  var book = window.__fakeBook = { sheets: [], active: p.book.active_sheet_index, selection: [1, 1], log: [] };
  function newSheet(name) { return { name: name, values: {}, fills: {}, links: {}, formats: {} }; }
  p.sheets.forEach(function (s) {
    var sheet = newSheet(s.name);
    s.values.forEach(function (row, r) { row.forEach(function (v, c) { if (v !== "" && v !== null) sheet.values[(r + 1) + "," + (c + 1)] = v; }); });
    book.sheets.push(sheet);
  });
  book.cell = function (sheet, a1, what) { var rc = parseA1(a1); var s = book.sheets.filter(function (x) { return x.name === sheet; })[0]; return s ? s[what || "values"][rc[0] + "," + rc[1]] : undefined; };
  book.sheetNames = function () { return book.sheets.map(function (s) { return s.name; }); };

  function Range(sheet, r, c, rc, cc) { this.s = sheet; this.Row = r; this.Column = c; this.rc = rc; this.cc = cc; var self = this;
    this.Rows = { Count: rc, AutoFit: function () { book.log.push("autofit rows"); } };
    this.Columns = { Count: cc, AutoFit: function () { book.log.push("autofit columns"); } };
    this.Interior = {};
    Object.defineProperty(this.Interior, "Color", { set: function (v) { if (typeof v !== "number") throw new Error("Color must be a number"); self.each(function (k) { sheet.fills[k] = v; }); } });
    Object.defineProperty(this.Interior, "ColorIndex", { set: function (v) { self.each(function (k) { delete sheet.fills[k]; }); } });
    this.Hyperlinks = { Add: function (anchor, address, sub, tip, text) {
      if (anchor.s !== sheet || anchor.Row !== self.Row || anchor.Column !== self.Column) throw new Error("anchor is not the range");
      var k = self.Row + "," + self.Column; sheet.links[k] = { address: address, sub: sub, tip: tip }; sheet.values[k] = text; } };
  }
  Range.prototype.each = function (fn) { for (var r = this.Row; r < this.Row + this.rc; r++) for (var c = this.Column; c < this.Column + this.cc; c++) fn(r + "," + c); };
  Range.prototype.inside = function (k) { var rc = k.split(",").map(Number); return rc[0] >= this.Row && rc[0] < this.Row + this.rc && rc[1] >= this.Column && rc[1] < this.Column + this.cc; };
  Object.defineProperty(Range.prototype, "Value2", {
    get: function () { var out = []; for (var r = this.Row; r < this.Row + this.rc; r++) { var row = []; for (var c = this.Column; c < this.Column + this.cc; c++) { var v = this.s.values[r + "," + c]; row.push(v === undefined ? undefined : v); } out.push(row); }
      return this.rc === 1 && this.cc === 1 ? out[0][0] : out; },
    set: function (vals) { var sheet = this.s, self = this;
      if (!(vals instanceof Array)) vals = [[vals]];
      if (vals.length !== this.rc || vals[0].length !== this.cc) throw new Error("Value2 shape " + vals.length + "x" + vals[0].length + " for a " + this.rc + "x" + this.cc + " range");
      vals.forEach(function (row, i) { row.forEach(function (v, j) { var k = (self.Row + i) + "," + (self.Column + j);
        if (typeof v === "string" && v.charAt(0) === "'") v = v.slice(1);
        else if (typeof v === "string" && /^[=+\-@]/.test(v)) throw new Error("formula written: " + v);
        if (v === "" || v === null) delete sheet.values[k]; else sheet.values[k] = v; }); }); } });
  Object.defineProperty(Range.prototype, "NumberFormat", { set: function (f) { var s = this.s; this.each(function (k) { s.formats[k] = f; }); } });
  Range.prototype.clearParts = function (parts) { var sheet = this.s, self = this;
    parts.forEach(function (part) { Object.keys(sheet[part]).forEach(function (k) { if (self.inside(k)) delete sheet[part][k]; }); }); };
  Range.prototype.Clear = function () { this.clearParts(["values", "fills", "links", "formats"]); };
  Range.prototype.ClearContents = function () { this.clearParts(["values"]); };
  Range.prototype.ClearFormats = function () { this.clearParts(["fills", "formats"]); };
  Range.prototype.Select = function () { if (book.sheets[book.active] !== this.s) throw new Error("Select on an inactive sheet"); book.selection = [this.Row, this.Column]; };

  function Worksheet(sheet) { this.s = sheet; var self = this;
    this.Cells = new Range(sheet, 1, 1, 1048576, 16384); }
  Object.defineProperty(Worksheet.prototype, "Name", { get: function () { return this.s.name; }, set: function (v) { this.s.name = v; } });
  Object.defineProperty(Worksheet.prototype, "UsedRange", { get: function () {
    var keys = Object.keys(this.s.values); if (!keys.length) return new Range(this.s, 1, 1, 1, 1);
    var r1 = 1e9, c1 = 1e9, r2 = 0, c2 = 0;
    keys.forEach(function (k) { var rc = k.split(",").map(Number); r1 = Math.min(r1, rc[0]); c1 = Math.min(c1, rc[1]); r2 = Math.max(r2, rc[0]); c2 = Math.max(c2, rc[1]); });
    return new Range(this.s, r1, c1, r2 - r1 + 1, c2 - c1 + 1); } });
  Worksheet.prototype.Range = function (address) {
    var parts = address.split(":"), a = parseA1(parts[0]), b = parseA1(parts[1] || parts[0]);
    return new Range(this.s, a[0], a[1], b[0] - a[0] + 1, b[1] - a[1] + 1); };
  Worksheet.prototype.Activate = function () { book.active = book.sheets.indexOf(this.s); };
  Worksheet.prototype.Delete = function () { book.sheets.splice(book.sheets.indexOf(this.s), 1); };

  function item(i) { if (typeof i !== "number" || i < 1 || i > book.sheets.length) throw new Error("Sheets.Item(" + i + ")"); return new Worksheet(book.sheets[i - 1]); }
  var sheets = {
    get Count() { return book.sheets.length; },
    Item: item,
    Add: function (before, after) {  // Excel: before the active sheet unless Before/After is given
      var s = newSheet("Sheet" + (book.sheets.length + 1)), at;
      if (before) at = book.sheets.indexOf(before.s); else if (after) at = book.sheets.indexOf(after.s) + 1; else at = book.active;
      book.sheets.splice(at, 0, s); book.active = at; return new Worksheet(s); }
  };
  var names = p.names.map(function (n) { return { Name: n.name, RefersTo: "=" + quote(p.sheets[n.sheet_index].name) + "!$" + n.address.replace(/(\d+)/, "$$$1") }; });
  var workbook = { Name: p.book.name, Sheets: sheets,
                   Names: { get Count() { return names.length; }, Item: function (i) { return names[i - 1]; } } };
  window.Application = {
    ActiveWorkbook: workbook,
    get ActiveSheet() { return new Worksheet(book.sheets[book.active]); },
    get ActiveCell() { return { Row: book.selection[0], Column: book.selection[1] }; },
  };
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


def open_addin(
    browser: Any, server: str, payload: dict[str, Any], answer: str = "", missing: str = ""
) -> tuple[Any, Any, list[str], list[str]]:
    """The add-in page as WPS opens it, the fake ET installed first; returns the message boxes shown
    (a prompt is answered with `answer`). A URL ending in `missing` gets a 404, as a stale deployment would."""
    context = browser.new_context()
    refused: list[str] = []

    def route(r: Any) -> None:
        if missing and r.request.url.endswith(missing):
            r.fulfill(status=404, body="")
        elif r.request.url.startswith(server):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    boxes: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def dialog(d: Any) -> None:
        if d.type == "prompt":
            d.accept(answer)
            return
        boxes.append(d.message)
        d.accept()

    page.on("dialog", dialog)
    page.add_init_script(f"window.__XLPY_FAKE_PAYLOAD = {json.dumps(payload, ensure_ascii=False)};{FAKE_ET}")
    page.goto(f"{server}/wps/index.html")
    page.wait_for_function("() => typeof OnAction === 'function' && OnAddinLoad({})")
    assert errors == []
    return context, page, boxes, refused


def press(page: Any, boxes: list[str], button: str) -> str:
    """Click a ribbon button (WPS calls OnAction with the control) and wait for its message box."""
    before = len(boxes)
    page.evaluate(f"() => OnAction({{ Id: {json.dumps(button)} }})")
    deadline = time.monotonic() + WAIT_MS / 1000
    while len(boxes) == before:
        assert time.monotonic() < deadline, "no message box"
        page.wait_for_timeout(50)
    return boxes[-1]


def bgr(argb_or_hex: str) -> int:
    h = argb_or_hex.lstrip("#")[-6:]
    return int(h[0:2], 16) + int(h[2:4], 16) * 256 + int(h[4:6], 16) * 65536


def test_validate_writes_the_results_sheet_through_et(browser: Any, server: str) -> None:
    payload = example_payload("huaian", "Office.js")
    inp = layout("2021").inputs["s3.new_received.natural_person"]
    set_cell(payload, inp.sheet, inp.a1, get_cell(payload, inp.sheet, inp.a1) + 1)
    context, page, boxes, refused = open_addin(browser, server, payload)
    try:
        box = press(page, boxes, "btnValidate")
        assert box.startswith("校验结果\n\n校验未通过")
        state = page.evaluate(
            f"""() => ({{ sheets: __fakeBook.sheetNames(), active: __fakeBook.sheets[__fakeBook.active].name,
            status: __fakeBook.cell("校验结果", "A2"), header: __fakeBook.cell("校验结果", "D4"),
            link: __fakeBook.cell("校验结果", "E5", "links"), text: __fakeBook.cell("校验结果", "E5"),
            fill: __fakeBook.cell({json.dumps(inp.sheet)}, {json.dumps(inp.a1)}, "fills"),
            outcome: XLPY_ET.lastOutcome }})"""
        )
        assert state["sheets"][-1] == fs.RESULTS_SHEET and state["active"] == fs.RESULTS_SHEET
        assert state["status"].startswith("校验未通过") and state["header"] == "问题"
        assert state["fill"] == bgr(fs.ERROR_FILL)
        assert state["link"]["address"].startswith("#") and state["link"]["address"].endswith(
            state["text"].split("!")[1]
        )
        assert state["outcome"]["kind"] == "refused"
        # Again: still one results sheet; then generate is refused with the reason.
        press(page, boxes, "btnValidate")
        assert page.evaluate("() => __fakeBook.sheetNames()").count(fs.RESULTS_SHEET) == 1
        box = press(page, boxes, "btnGenerate")
        assert box.startswith("生成报告\n\n不能生成正式报告")
    finally:
        context.close()
    assert refused == []


def test_fill_zeros_and_generate(browser: Any, server: str) -> None:
    payload = example_payload("beigou", "Office.js")
    inp = layout("2019").inputs["s4.review.upheld"]
    set_cell(payload, inp.sheet, inp.a1, "")
    context, page, boxes, _ = open_addin(browser, server, payload)
    try:
        box = press(page, boxes, "btnFillZeros")
        assert box.startswith("空白填0\n\n") and "1 个" in box
        assert page.evaluate(f"() => __fakeBook.cell({json.dumps(inp.sheet)}, {json.dumps(inp.a1)})") == 0
    finally:
        context.close()
    context, page, boxes, _ = open_addin(browser, server, example_payload("huaian", "Office.js"))
    try:
        box = press(page, boxes, "btnGenerate")
        assert "报告正文" in box and page.evaluate("() => XLPY_ET.lastOutcome.kind") == "ok"
        assert page.evaluate("() => __fakeBook.sheetNames().includes('报告正文')")
    finally:
        context.close()


def test_errors_are_shown(browser: Any, server: str) -> None:
    context, page, boxes, _ = open_addin(browser, server, example_payload("beigou", "Office.js"))
    try:
        context.route("**/xlwings/**", lambda r: r.abort())  # the server is unreachable for the call
        box = press(page, boxes, "btnValidate")
        assert box.startswith("出错了") and "无法连接 xlpy 服务器" in box
    finally:
        context.close()


def test_the_servers_json_error_is_shown_with_its_details(browser: Any, server: str) -> None:
    """The one JSON error shape (xlpy_request.js reads it for both add-ins): its Chinese message and the
    details that say more; a proxy's non-JSON page gets the status line instead."""
    context, page, boxes, _ = open_addin(browser, server, example_payload("beigou", "Office.js"))
    shape = {"ok": False, "error": "上传内容过大", "errors": [{"message": "上传内容过大"}, {"message": "表三 D7 过长"}]}
    try:
        context.route(
            "**/xlwings/**",
            lambda r: r.fulfill(status=413, content_type="application/json", body=json.dumps({**shape, "status": 413})),
        )
        assert press(page, boxes, "btnValidate") == "出错了\n\n上传内容过大\n· 表三 D7 过长"
        context.unroute("**/xlwings/**")
        context.route(
            "**/xlwings/**", lambda r: r.fulfill(status=502, content_type="text/html", body="<h1>Bad Gateway</h1>")
        )
        assert press(page, boxes, "btnValidate") == "出错了\n\n服务器返回错误（502）"
    finally:
        context.close()


def test_without_the_shared_request_file_the_clerk_is_told(browser: Any, server: str) -> None:
    """xlpy_request.js comes from ../addin/: should it not load, the buttons say so in Chinese, no script error."""
    context, page, boxes, _ = open_addin(
        browser, server, example_payload("beigou", "Office.js"), missing="/addin/xlpy_request.js"
    )
    try:
        box = press(page, boxes, "btnValidate")
        assert box.startswith("出错了") and "加载项文件不完整" in box
    finally:
        context.close()


def test_token_button_stores_the_token_for_the_calls(browser: Any, server: str) -> None:
    context, page, boxes, _ = open_addin(
        browser, server, example_payload("beigou", "Office.js"), answer=" secret-token "
    )
    seen: list[str] = []
    try:
        page.evaluate("() => OnAction({ Id: 'btnToken' })")
        assert page.evaluate("() => XLPY_ET.token()") == "secret-token"
        page.on("request", lambda r: seen.append(r.headers.get("authorization", "")) if "/xlwings/" in r.url else None)
        press(page, boxes, "btnValidate")
        assert seen == ["Bearer secret-token"]
    finally:
        context.close()


def test_wps_client_replays_the_office_js_action_table(browser: Any, server: str) -> None:
    context, page, _, _ = open_addin(browser, server, example_payload("beigou", "Office.js"))
    try:
        assert set(page.evaluate("() => XLPY_ET.actions")) == actions.OFFICE_JS
    finally:
        context.close()


def test_jsplugins_xml_points_at_the_server(browser: Any, server: str) -> None:
    import urllib.request
    import xml.etree.ElementTree as ET

    with urllib.request.urlopen(f"{server}/wps/jsplugins.xml", timeout=10) as resp:
        root = ET.fromstring(resp.read())
    plugin = root.find("jspluginonline")
    assert plugin is not None and plugin.get("type") == "et" and plugin.get("url") == f"{server}/wps/"
    with urllib.request.urlopen(f"{server}/wps/ribbon.xml", timeout=10) as resp:
        ribbon = ET.fromstring(resp.read())
    ns = "{http://schemas.microsoft.com/office/2006/01/customui}"
    labels = [b.get("label") for b in ribbon.iter(f"{ns}button")]
    assert labels == ["校验", "生成报告", "空白填0", "访问令牌"]

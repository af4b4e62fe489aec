"""Clerk text that breaks writers: control characters (Excel's _x0001_, JSON's \\u0001), lone surrogates,
deeply nested JSON, and formula look-alikes in the batch summary."""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.http_support import app_client, assert_error_shape, example, example_data
from xlpy import batch_rows, batch_summary
from xlpy.annotate import annotate_bytes
from xlpy.config import Config
from xlpy.errors import InputError
from xlpy.formula_text import neutralise
from xlpy.reader import parse_json, read_json, read_workbook
from xlpy.render import render
from xlpy.verdict import check

JSON_TYPE = "application/json"
ORG_XML = "<t>&#28142;&#23433;&#24066;&#20154;&#27665;&#25919;&#24220;</t>"  # 淮安市人民政府 in 基本信息!B4


def control_workbook() -> bytes:
    """The example with Excel's escapes for \\x01, \\x07 and a vertical tab in the agency name."""
    zin = zipfile.ZipFile(io.BytesIO(example("huaian-2024")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                assert ORG_XML in text
                data = text.replace(ORG_XML, "<t>&#28142;&#23433;_x0001_&#24066;_x0007__x000B_局</t>", 1).encode()
            z.writestr(info.filename, data)
    return out.getvalue()


def assert_docx_parses(docx: bytes) -> None:
    z = zipfile.ZipFile(io.BytesIO(docx))
    for part in ("word/document.xml", "docProps/core.xml"):
        etree.fromstring(z.read(part))  # Word refuses a part lxml refuses


def test_control_characters_from_excel_are_dropped_on_reading() -> None:
    data = read_workbook(control_workbook(), name="ctl.xlsx")
    assert data.instance["meta"]["org_name"] == "淮安市\n局"


def test_annotated_copy_of_a_workbook_with_control_characters() -> None:
    # openpyxl raised IllegalCharacterError on the title of the 校验结果 sheet: a 500 over HTTP.
    book = control_workbook()
    out = annotate_bytes(book, check(read_workbook(book, name="ctl.xlsx"), config=Config()), name="ctl.xlsx")
    assert zipfile.ZipFile(io.BytesIO(out)).testzip() is None


def test_docx_from_json_with_control_characters_opens() -> None:
    instance = copy.deepcopy(example_data("huaian-2024"))
    instance["meta"]["org_name"] = "某局\x08"
    instance["text"]["problems"] = "问题\x01\x07\x0b结束"
    instance["s3"]["new_received"]["total"] = "12\x02"  # text in a number cell: a draft table shows it
    out = render(instance, ["docx"], draft=True)["docx"]
    assert_docx_parses(out)
    assert "问题" in zipfile.ZipFile(io.BytesIO(out)).read("word/document.xml").decode()


def test_parse_json_bounds_nesting_and_replaces_lone_surrogates() -> None:
    with pytest.raises(InputError) as err:
        parse_json(b"[" * 100_000 + b"]" * 100_000, "x.json")
    assert err.value.code == "not_json"
    with pytest.raises(InputError):
        parse_json("[" * 100 + "]" * 100, "x.json")  # under the recursion limit, still no report
    assert parse_json('{"a": ["\\ud800x", "\\ud83d\\ude00"]}', "x.json") == {"a": ["\ufffdx", "\U0001f600"]}


def test_json_report_with_a_lone_surrogate_renders_everywhere() -> None:
    instance = copy.deepcopy(example_data("huaian-2024"))
    raw = json.dumps(instance, ensure_ascii=True).replace("\\u6dee", "\\ud800", 1).encode()  # 淮 → lone surrogate
    data = read_json(parse_json(raw, "x.json"), name="x.json")
    out = render(data.instance, ["md", "html", "docx"], draft=True)
    assert "\ufffd" in out["md"].decode("utf-8")
    assert_docx_parses(out["docx"])


@pytest.fixture(scope="module")
def thread_http():
    with app_client(executor="threads") as c:
        yield c


def _json_upload(client: Any, path: str, body: bytes, **form: str) -> Any:
    return client.post(path, files={"file": ("r.json", body, JSON_TYPE)}, data=form)


@pytest.mark.parametrize("depth", [200, 100_000])
def test_deep_json_upload_is_a_422_not_a_500(thread_http: Any, depth: int) -> None:
    body = b'{"format_version": "2021", "meta": ' + b"[" * depth + b"]" * depth + b"}"
    for path, form in (("/api/validate", {}), ("/api/render", {"format": "html", "draft": "true"})):
        assert_error_shape(_json_upload(thread_http, path, body, **form), 422)


@pytest.mark.parametrize("depth", [900, 100_000])
def test_deep_xlwings_payload_is_a_400_not_a_500(thread_http: Any, depth: int) -> None:
    body = b'{"book": {"name": "x"}, "sheets": ' + b"[" * depth + b"]" * depth + b"}"
    for path in ("/xlwings/custom-scripts-call/validate", "/addin/render?format=html"):
        r = thread_http.post(path, content=body, headers={"content-type": JSON_TYPE})
        assert_error_shape(r, 400)


def test_surrogate_and_control_characters_over_http(thread_http: Any) -> None:
    instance = copy.deepcopy(example_data("huaian-2024"))
    instance["text"]["problems"] = "问题\x01结束"
    body = json.dumps(instance, ensure_ascii=True).replace("\\u6dee", "\\ud800", 1).encode()
    for fmt in ("md", "html", "docx"):
        r = _json_upload(thread_http, "/api/render", body, format=fmt, draft="true")
        assert r.status_code == 200, r.text
        if fmt == "docx":
            assert_docx_parses(r.content)
    assert _json_upload(thread_http, "/api/validate", body).status_code == 200


@pytest.mark.parametrize(
    "text,expected",
    [
        ("＝1+1", "'＝1+1"),
        ("  =1+1", "'  =1+1"),
        ("\u3000=HYPERLINK(1)", "'\u3000=HYPERLINK(1)"),
        (" @SUM(A1)", "' @SUM(A1)"),
        ("＋86", "'＋86"),
        ("a\x01b", "ab"),
        ("北沟镇 = 合计", "北沟镇 = 合计"),
    ],
)
def test_neutralise_wide_and_indented_formulas_and_control_characters(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_summary_with_control_characters_is_written(tmp_path: Path) -> None:
    # openpyxl refused "\x01" and the whole batch ended before summary.xlsx existed.
    row = batch_rows.Row(file="a.xlsx", agency="某局\x01", status="ok", top_findings="=1+1\x07")
    batch_summary.write_xlsx([row], tmp_path / "summary.xlsx")
    batch_summary.write_csv([row], tmp_path / "summary.csv")
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "summary.xlsx")["汇总"]
    assert [c.value for c in ws[2]][1] == "某局"
    assert "'=1+1" in (tmp_path / "summary.csv").read_text(encoding="utf-8-sig")


HOSTILE_MD = {
    "html": "正文<script>alert(1)</script><img src=x onerror=alert(2)>",
    "link": "[点我](javascript:alert(3)) ![图](javascript:alert(4))",
    "reference": "[甲]: javascript:alert(5)",
    "entity": "&lt;script&gt;alert(6)&lt;/script&gt;",
    "backslash": "\\<script>alert(7)</script>",
}


def test_markdown_of_hostile_clerk_text_renders_as_text() -> None:
    markdown_it = pytest.importorskip("markdown_it")
    instance = copy.deepcopy(example_data("huaian-2024"))
    instance["text"]["problems"] = "\n".join(HOSTILE_MD.values()) + "\n[甲]"
    instance["s3"]["new_received"]["total"] = "1|2<b>x</b>"  # text in a number cell (a draft shows it)
    md = render(instance, ["md"], draft=True)["md"].decode("utf-8")
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    for bad in ("<script", "<img", "<b>", 'javascript:alert(3)"', 'href="javascript'):
        assert bad not in html, (bad, html)
    assert "&amp;lt;script&amp;gt;alert(6)" in html  # the entity text shows as typed, not decoded
    # The pipe stays inside its cell: every row of the 表三 pipe table keeps the header's width.
    table = next(t for t in html.split("<table>")[1:] if "1|2" in t)
    widths = {len(re.findall(r"<t[dh][ >]", row)) for row in table.split("</table>")[0].split("</tr>")[:-1]}
    assert len(widths) == 1, widths


def test_excel_report_body_reads_escaped_markdown_back_as_typed() -> None:
    from xlpy.excel.scripts import body_rows
    from xlpy.render import md_escape

    typed = "1|2<b> [x](y) \\<"
    rows = body_rows(f"| 甲 | {md_escape(typed, cell=True)} |\n|---|---|\n{md_escape(typed)}")
    assert rows == [["甲", typed], [typed]]

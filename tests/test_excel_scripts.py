"""The xlwings scripts over real payloads, as the VBA (`null` empties) and Office.js (`""`) clients send them."""

from __future__ import annotations

import pytest

xw = pytest.importorskip("xlwings")

from tests.payload_builder import Workbook, a1, example_payload, get_cell, set_cell
from xlpy import findings_sheet as fs
from xlpy.excel import feedback, scripts
from xlpy.excel.actions import CLIENTS, unsupported
from xlpy.excel.bookview import BookView
from xlpy.layout import layout
from xlpy.reader import read_payload, read_view

CLIENT_NAMES = ["VBA", "Office.js"]
EXAMPLES = ["huaian", "beigou"]
TOOL_SHEETS = {fs.RESULTS_SHEET, fs.BODY_SHEET}


def run(script: str, payload: dict, *, strict: bool = False) -> tuple[scripts.Outcome, Workbook, list[dict]]:
    """Run a script on a deep copy of `payload` and replay its actions on the workbook it came from."""
    import copy

    book = xw.Book(json=copy.deepcopy(payload))
    token = scripts.STRICT.set(strict)
    try:
        outcome = getattr(scripts, f"{script}_book")(book)
    finally:
        scripts.STRICT.reset(token)
    actions = book.json()["actions"]
    wb = Workbook.from_payload(payload)
    wb.replay(actions)
    return outcome, wb, actions


def cell_of(version: str, path: str) -> tuple[str, str]:
    inp = layout(version).inputs[path]
    return inp.sheet, inp.a1


def input_values(wb: Workbook) -> dict[str, dict]:
    return {s.name: dict(s.values) for s in wb.sheets if s.name not in TOOL_SHEETS}


# --- reading -------------------------------------------------------------------------------
@pytest.mark.parametrize("client", CLIENT_NAMES)
@pytest.mark.parametrize("which", EXAMPLES)
def test_bookview_reads_what_the_payload_reader_reads(which: str, client: str) -> None:
    payload = example_payload(which, client)
    via_book = read_view(BookView(xw.Book(json=example_payload(which, client))))
    direct = read_payload(payload)
    assert via_book.instance == direct.instance
    assert via_book.cells == direct.cells


def test_both_clients_give_the_same_data() -> None:
    vba = read_view(BookView(xw.Book(json=example_payload("huaian", "VBA"))))
    js = read_view(BookView(xw.Book(json=example_payload("huaian", "Office.js"))))
    assert vba.instance == js.instance


# --- validate ------------------------------------------------------------------------------
@pytest.mark.parametrize("client", CLIENT_NAMES)
@pytest.mark.parametrize("which", EXAMPLES)
def test_validate_example_writes_results_and_nothing_else(which: str, client: str) -> None:
    payload = example_payload(which, client)
    before = input_values(Workbook.from_payload(payload))
    outcome, wb, actions = run("validate", payload)
    report = outcome.report
    expected = fs.build(outcome.verdict, input_cells=scripts.input_cells(layout(report.format_version)))
    results = wb.sheet(fs.RESULTS_SHEET)
    assert results.grid() == [[None if v == "" else v for v in row] for row in expected.rows]
    assert input_values(wb) == before  # no input cell written
    assert wb.sheets[wb.active].name == fs.RESULTS_SHEET
    assert wb.selection == (wb.active, "A1")
    assert wb.alerts and wb.alerts[0][0] == "校验结果" and wb.alerts[0][1].startswith(expected.status)
    assert not unsupported(actions, client)
    assert not unsupported(actions, "VBA") and not unsupported(actions, "Office.js")


@pytest.mark.parametrize("client", CLIENT_NAMES)
def test_validate_failing_workbook_marks_cells_and_links(client: str) -> None:
    payload = example_payload("huaian", client)
    version = "2021"
    sheet, cell = cell_of(version, "s3.new_received.natural_person")
    set_cell(payload, sheet, cell, get_cell(payload, sheet, cell) + 1)  # R-S3-1 and R-S3-3 break
    outcome, wb, _ = run("validate", payload)
    report = outcome.report
    assert not report.final_ok
    rules = {f.rule for f in report.findings if f.severity == "error"}
    assert {"R-S3-1", "R-S3-3"} <= rules
    # The edited cell is marked red; an untouched input cell keeps the template's input fill.
    assert wb.sheet(sheet).fill(cell) == fs.ERROR_FILL
    lay = layout(version)
    other_sheet, other = cell_of(version, "s4.review.upheld")
    assert wb.sheet(other_sheet).fill(other) == feedback.hex_fill(lay.input_fill)
    # One row per finding, with a working link on the location.
    results = wb.sheet(fs.RESULTS_SHEET)
    for n, f in enumerate(report.findings):
        row = fs.FIRST_FINDING_ROW + n
        assert results.values[(row, 0)] == n + 1
        assert results.values[(row, 1)] == f.rule
        assert results.values[(row, 2)] == {"error": "错误", "warning": "警告", "hint": "提示"}[f.severity]
        if f.cells:
            target = fs.split_cell(f.cells[0])
            assert results.links[(row, fs.LINK_COLUMN)] == (f"#'{target[0]}'!{target[1]}", f"{target[0]}!{target[1]}")
    assert "校验未通过" in results.values[(fs.STATUS_ROW, 0)]


@pytest.mark.parametrize("client", CLIENT_NAMES)
def test_blank_cell_is_reported_for_both_clients(client: str) -> None:
    payload = example_payload("beigou", client)
    sheet, cell = cell_of("2019", "s4.review.upheld")
    set_cell(payload, sheet, cell, None if client == "VBA" else "")
    outcome, wb, _ = run("validate", payload)
    located = {f.location for f in outcome.report.findings if f.severity == "error"}
    assert f"{sheet}!{cell}" in located
    assert wb.sheet(sheet).fill(cell) == fs.ERROR_FILL


def test_rerun_clears_old_results_and_marks() -> None:
    payload = example_payload("huaian", "VBA")
    sheet, cell = cell_of("2021", "s3.new_received.natural_person")
    good = get_cell(payload, sheet, cell)
    set_cell(payload, sheet, cell, good + 1)
    _, first, _ = run("validate", payload)
    assert first.sheet(sheet).fill(cell) == fs.ERROR_FILL
    # The clerk fixes the cell and clicks 校验 again on the workbook as it now is.
    first.sheet(sheet).values[a1(cell)] = good
    second_payload = first.payload()
    outcome, second, actions = run("validate", second_payload)
    # Same sheet reused (cleared, not added twice), and the fixed cell lost its mark.
    assert [a["func"] for a in actions].count("addSheet") == 0
    assert "sheetClear" in {a["func"] for a in actions}
    fill = feedback.hex_fill(layout("2021").input_fill)
    assert second.sheet(sheet).fill(cell) == fill
    expected = fs.build(outcome.verdict, input_cells=scripts.input_cells(layout("2021")))
    assert second.sheet(fs.RESULTS_SHEET).grid() == [[None if v == "" else v for v in r] for r in expected.rows]
    assert [s.name for s in second.sheets].count(fs.RESULTS_SHEET) == 1


def test_clerk_text_is_never_written_as_a_formula() -> None:
    payload = example_payload("huaian", "Office.js")
    sheet, cell = cell_of("2021", "s3.new_received.total")
    set_cell(payload, sheet, cell, "=1+1")  # typed as text, arrives as the text "=1+1"
    _, _, actions = run("validate", payload)  # the replayer refuses any formula-like value
    written = [v for a in actions if a["func"] == "setValues" for row in a["values"] for v in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in written)


def test_unusable_payload_raises_for_the_server_and_alerts_otherwise() -> None:
    payload = {
        "client": "VBA",
        "version": xw.__version__,
        "book": {"name": "别的.xlsx", "active_sheet_index": 0},
        "names": [],
        "sheets": [{"name": "Sheet1", "values": [["hello"]], "pictures": [], "tables": []}],
    }
    from xlpy.errors import InputError

    with pytest.raises(InputError):
        run("validate", payload, strict=True)
    book = xw.Book(json=dict(payload))
    scripts._guarded(scripts.validate_book, book)
    actions = book.json()["actions"]
    assert [a["func"] for a in actions] == ["alert"]
    assert "不是年报模板" in actions[0]["args"][0]


# --- fill_zeros ----------------------------------------------------------------------------
@pytest.mark.parametrize("client", CLIENT_NAMES)
def test_fill_zeros_fills_only_blank_numeric_cells(client: str) -> None:
    payload = example_payload("huaian", client)
    empty = None if client == "VBA" else ""
    blanks = [
        "s3.results.withheld.state_secret.natural_person",
        "s3.results.withheld.state_secret.total",
        "s4.litigation.direct.pending",
    ]
    cells = [cell_of("2021", p) for p in blanks]
    for sheet, cell in cells:
        set_cell(payload, sheet, cell, empty)
    text_sheet, text_cell = cell_of("2021", "meta.contact_person")
    set_cell(payload, text_sheet, text_cell, empty)
    before = input_values(Workbook.from_payload(payload))
    outcome, wb, actions = run("fill_zeros", payload)
    assert outcome.filled == 3
    for sheet, cell in cells:
        assert wb.sheet(sheet).value(cell) == 0
    assert wb.sheet(text_sheet).value(text_cell) is None  # text stays blank
    after = input_values(wb)
    changed = {(s, k) for s in after for k in set(after[s]) | set(before[s]) if after[s].get(k) != before[s].get(k)}
    assert len(changed) == 3
    assert wb.alerts == [("空白填0", outcome.message)] and "3 个" in outcome.message
    assert not unsupported(actions, client)


def test_fill_zeros_on_a_full_workbook_changes_nothing() -> None:
    outcome, _, actions = run("fill_zeros", example_payload("beigou", "VBA"))
    assert outcome.filled == 0
    assert [a["func"] for a in actions] == ["alert"]


# --- generate ------------------------------------------------------------------------------
@pytest.mark.parametrize("client", CLIENT_NAMES)
def test_generate_refuses_a_blocked_report(client: str) -> None:
    payload = example_payload("huaian", client)
    sheet, cell = cell_of("2021", "s3.new_received.natural_person")
    set_cell(payload, sheet, cell, get_cell(payload, sheet, cell) + 1)
    outcome, wb, actions = run("generate", payload)
    assert not wb.has(fs.BODY_SHEET)
    assert wb.sheets[wb.active].name == fs.RESULTS_SHEET
    assert outcome.message.startswith("不能生成正式报告")
    assert wb.alerts == [("生成报告", outcome.message)]
    assert not unsupported(actions, client)


@pytest.mark.parametrize("client", CLIENT_NAMES)
def test_generate_writes_the_report_text(client: str) -> None:
    which = "huaian"  # the example that passes every rule
    payload = example_payload(which, client)
    outcome, wb, actions = run("generate", payload)
    assert outcome.report.final_ok, outcome.report.summary
    from xlpy.render import render

    data = read_payload(example_payload(which, client))
    md = render(data.instance, ["md"], draft=False)["md"]
    md = md.decode("utf-8") if isinstance(md, bytes) else md
    rows = scripts.body_rows(md)
    body = wb.sheet(fs.BODY_SHEET)
    assert body.grid()[0][0] == rows[0][0]
    assert len(body.grid()) == len(rows)
    assert any(len(r) >= 7 for r in rows)  # the section 三 table arrives as cells
    assert wb.sheets[wb.active].name == fs.BODY_SHEET
    assert set(CLIENTS[client]) >= {a["func"] for a in actions}


def test_body_rows_paragraphs_and_tables() -> None:
    md = "# 标题\n\n一、总体情况\n\n**（一）主动公开** 正文。\n\n| 项目 | 数量 |\n|---|---:|\n| 规章 | 0 |\n"
    assert scripts.body_rows(md) == [
        ["标题"],
        ["一、总体情况"],
        ["（一）主动公开 正文。"],
        ["项目", "数量"],
        ["规章", "0"],
    ]


# --- explanations (说明) -------------------------------------------------------------------
def test_explanations_show_in_the_results_and_lift_the_marks() -> None:
    payload = example_payload("huaian", "VBA")
    sheet, cell = cell_of("2021", "text.other")
    set_cell(payload, sheet, cell, "无。")  # no fee report: warnings on 六、其他事项!B4
    outcome, wb, _ = run("validate", payload)
    warned = {f.rule: f for f in outcome.report.findings if f.severity == "warning"}
    assert {"X-1", "X-2"} <= set(warned)
    assert wb.sheet(sheet).fill(cell) == fs.WARNING_FILL
    rows = {r[1]: r for r in wb.sheet(fs.RESULTS_SHEET).grid()[fs.FIRST_FINDING_ROW :]}
    assert rows["X-2"][5].startswith("如情况属实，请在“说明”工作表新增一行：规则填 X-2，位置填 六、其他事项!B4")

    # The clerk explains both warnings in the 说明 sheet; the reason starts with "=" on purpose.
    for i, rule in enumerate(("X-1", "X-2")):
        for key, value in (("rule", rule), ("location", warned[rule].location), ("text", "=本年未收取信息处理费")):
            set_cell(payload, *cell_of("2021", f"explanations.{i}.{key}"), value)
    outcome, wb, _ = run("validate", payload)
    explained = [f for f in outcome.report.findings if f.rule in ("X-1", "X-2")]
    assert explained and all(f.explained for f in explained)
    rows = {r[1]: r for r in wb.sheet(fs.RESULTS_SHEET).grid()[fs.FIRST_FINDING_ROW :]}
    assert rows["X-2"][5] == "已说明：=本年未收取信息处理费"
    assert wb.sheet(sheet).fill(cell) != fs.WARNING_FILL  # explained: no longer marked
    assert outcome.report.final_ok
    assert wb.sheet(fs.RESULTS_SHEET).value("A2").startswith("校验通过")


def test_office_js_sends_dates_as_serial_numbers() -> None:
    payload = example_payload("huaian", "Office.js")
    sheet, cell = cell_of("2021", "meta.date")
    assert get_cell(payload, sheet, cell).startswith("2025-03-20")  # the builder's ISO form (VBA-like)
    set_cell(payload, sheet, cell, 45736)  # what Excel.run's range.values gives for 2025-03-20
    outcome, _, _ = run("validate", payload)
    assert outcome.report.final_ok, [f.message for f in outcome.report.findings]
    assert read_view(BookView(xw.Book(json=payload))).instance["meta"]["date"] == "2025-03-20"

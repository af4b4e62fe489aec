"""`xlpy batch` over a directory mixing good, failing and broken files: rows, outputs, exit codes, safety."""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xlpy import batch_inputs, batch_rows
from xlpy.cli import run
from xlpy.formula_text import neutralise

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "workbook" / "examples"


def example_data(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def write(path: Path, data: dict[str, Any]) -> Path:
    from xlpy.workbook import build_workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    build_workbook(data["meta"]["year"], data=data).save(path)
    return path


def variant(name: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(example_data(name))
    change(data)
    return data


def _break_total(d: dict[str, Any]) -> None:
    d["s3"]["new_received"]["total"] += 7


def _inject(d: dict[str, Any]) -> None:
    d["meta"]["org_name"] = '=HYPERLINK("http://evil.example","点我")'
    d["s3"]["new_received"]["total"] += 7  # and a finding, so the name also reaches 主要问题 via the report


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("inbox")
    write(root / "淮安市-2024.xlsx", example_data("huaian-2024"))
    write(root / "北沟镇-2020.xlsx", example_data("beigou-2020"))
    write(root / "sub" / "失败-2024.xlsx", variant("huaian-2024", _break_total))
    write(root / "sub" / "注入-2024.xlsx", variant("huaian-2024", _inject))
    (root / "坏文件.xlsx").write_bytes("这不是工作簿".encode())
    good = (root / "淮安市-2024.xlsx").read_bytes()
    (root / "截断.xlsx").write_bytes(good[: len(good) // 3])
    (root / "~$淮安市-2024.xlsx").write_bytes(b"lock")  # Excel's lock file: never a report
    (root / "说明.txt").write_text("not a workbook, not picked up from a directory", encoding="utf-8")
    return root


def _rows(outdir: Path) -> dict[str, dict[str, str]]:
    with open(outdir / "summary.csv", encoding="utf-8-sig", newline="") as fh:
        return {Path(r["文件"]).name: r for r in csv.DictReader(fh)}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_mixed_directory(inbox: Path, tmp_path: Path, jobs: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run(["batch", str(inbox), "-o", str(tmp_path), "--jobs", jobs, "--render", "md,html"], out, err)
    assert code == 2, err.getvalue()  # broken files present → 2
    rows = _rows(tmp_path)
    assert set(rows) == {
        "淮安市-2024.xlsx",
        "北沟镇-2020.xlsx",
        "失败-2024.xlsx",
        "注入-2024.xlsx",
        "坏文件.xlsx",
        "截断.xlsx",
    }
    assert rows["失败-2024.xlsx"]["状态"] == "有问题" and int(rows["失败-2024.xlsx"]["错误"]) >= 1
    assert "R-S3" in rows["失败-2024.xlsx"]["主要问题"] and "表三!" in rows["失败-2024.xlsx"]["主要问题"]
    for broken in ("坏文件.xlsx", "截断.xlsx"):
        assert rows[broken]["状态"] == "无法使用"
        assert rows[broken]["主要问题"], broken  # the reader's Chinese message
    huaian = rows["淮安市-2024.xlsx"]
    assert huaian["机关名称"] == "淮安市人民政府" and huaian["年度"] == "2024" and huaian["格式版本"] == "2021"
    assert rows["北沟镇-2020.xlsx"]["格式版本"] == "2019"
    # Per-file findings for every input, reports only for files whose final report is not blocked.
    findings = {p.name for p in (tmp_path / "findings").iterdir()}
    assert findings == {Path(n).stem + ".json" for n in rows}
    for name, row in rows.items():
        report = json.loads((tmp_path / "findings" / (Path(name).stem + ".json")).read_text(encoding="utf-8"))
        if row["状态"] == "无法使用":  # not checked: blank counts, never a clean-looking 0
            assert [row[k] for k in ("错误", "警告", "已说明", "提示")] == ["", "", "", ""], name
        else:
            assert report["summary"]["errors"] == int(row["错误"])
        rendered = {p.name for p in (tmp_path / "reports").glob(Path(name).stem + ".*")}
        assert rendered == ({Path(name).stem + ".md", Path(name).stem + ".html"} if row["状态"] == "通过" else set())
    assert (tmp_path / "summary.xlsx").is_file()
    assert "共 6 个文件" in out.getvalue()


def test_summary_neutralises_formulas(inbox: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    assert run(["batch", str(inbox / "sub"), "-o", str(tmp_path), "-q"], io.StringIO(), io.StringIO()) == 1
    row = _rows(tmp_path)["注入-2024.xlsx"]
    assert row["机关名称"].startswith("'=HYPERLINK")
    ws = load_workbook(tmp_path / "summary.xlsx")["汇总"]
    headers = [c.value for c in ws[1]]
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            assert cell.data_type != "f", (headers[cell.column - 1], cell.value)
    agency = [line[headers.index("机关名称")].value for line in ws.iter_rows(min_row=2)]
    assert '\'=HYPERLINK("http://evil.example","点我")' in agency


@pytest.mark.parametrize(
    "text,expected",
    [
        ("=1+1", "'=1+1"),
        ("+86 10", "'+86 10"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("北沟镇", "北沟镇"),
        (-3, -3),
        (None, None),
    ],
)
def test_neutralise(text: Any, expected: Any) -> None:
    assert neutralise(text) == expected


def test_last_year_matched_by_agency_then_file_name(tmp_path: Path) -> None:
    last = tmp_path / "last"
    this = tmp_path / "this"
    write(last / "huaian_2024_final.xlsx", example_data("huaian-2024"))  # file name differs: matched by agency
    write(
        last / "其他单位-2023.xlsx", variant("huaian-2024", lambda d: d["meta"].update(org_name="别的单位", year=2023))
    )

    def next_year(d: dict[str, Any]) -> None:
        d["meta"]["year"] = 2025
        d["meta"]["date"] = "2026-01-20"

    write(this / "淮安市人民政府-2025.xlsx", variant("huaian-2024", next_year))
    (this / "其他单位-2024.xlsx").write_bytes(b"broken")  # unreadable: a row of its own, the batch goes on
    out = tmp_path / "out"
    run(["batch", str(this), "-o", str(out), "--last-year-dir", str(last), "-j", "1"], io.StringIO(), io.StringIO())
    rows = _rows(out)
    assert Path(rows["淮安市人民政府-2025.xlsx"]["上年度文件"]).name == "huaian_2024_final.xlsx"
    assert rows["其他单位-2024.xlsx"]["状态"] == "无法使用"


def test_match_by_file_name_and_ambiguity() -> None:
    index = {
        "by_org": {"a|2023": "/x/a.xlsx", "dup|2023": None},
        "by_name": {batch_inputs.name_key(Path("北沟镇-2019.xlsx")): "/l/北沟镇-2019.xlsx"},
    }
    assert batch_inputs.match_last_year(index, Path("q.xlsx"), "a", 2024) == ("/x/a.xlsx", "")
    assert batch_inputs.match_last_year(index, Path("北沟镇-2020.xlsx"), "未知", 2020) == ("/l/北沟镇-2019.xlsx", "")
    found, note = batch_inputs.match_last_year(index, Path("q.xlsx"), "dup", 2024)
    assert found is None and "多个" in note
    assert batch_inputs.match_last_year(index, Path("z.xlsx"), "z", 2024) == (None, "未找到上年度文件")


def test_globs_explicit_files_and_missing_inputs(inbox: Path, tmp_path: Path) -> None:
    paths, missing = batch_inputs.collect(
        [str(inbox / "sub" / "*.xlsx"), str(inbox / "说明.txt"), str(tmp_path / "nope")]
    )
    assert {p.name for p in paths} == {"失败-2024.xlsx", "注入-2024.xlsx", "说明.txt"}
    assert missing == [str(tmp_path / "nope")]
    err = io.StringIO()
    assert run(["batch", str(tmp_path / "nope"), "-o", str(tmp_path / "o")], io.StringIO(), err) == 2
    assert "没有找到" in err.getvalue()


def test_exit_codes() -> None:
    ok, blocked, broken = (
        batch_rows.Row("a", status="ok"),
        batch_rows.Row("b", status="blocked"),
        batch_rows.Row("c", status="failed"),
    )
    assert batch_rows.exit_code([ok]) == 0
    assert batch_rows.exit_code([ok, blocked]) == 1
    assert batch_rows.exit_code([ok, blocked, broken]) == 2
    assert batch_rows.exit_code([]) == 2


def test_all_good_directory_exits_zero(tmp_path: Path) -> None:
    from xlpy.config import Config
    from xlpy.reader import read_workbook
    from xlpy.validate import validate

    path = write(tmp_path / "in" / "淮安.xlsx", example_data("huaian-2024"))
    if not validate(read_workbook(path), config=Config()).final_ok:
        pytest.fail("the huaian example should validate without blocking findings")
    assert run(["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out")], io.StringIO(), io.StringIO()) == 0


def test_same_file_names_in_different_folders_get_distinct_outputs(tmp_path: Path) -> None:
    a = write(tmp_path / "a" / "report.xlsx", example_data("huaian-2024"))
    b = write(tmp_path / "b" / "report.xlsx", example_data("huaian-2024"))
    stems = batch_inputs.output_stems([a, b])
    assert sorted(stems.values()) == ["report", "report-2"]


def test_unknown_render_format_is_a_usage_error(inbox: Path, tmp_path: Path) -> None:
    err = io.StringIO()
    assert run(["batch", str(inbox), "-o", str(tmp_path), "--render", "rtf"], io.StringIO(), err) == 2
    assert "rtf" in err.getvalue() and "md,html,docx,json,pdf" in err.getvalue()  # the one formats registry


def test_plain_progress_when_not_a_tty(inbox: Path, tmp_path: Path) -> None:
    err = io.StringIO()
    run(["batch", str(inbox / "sub"), "-o", str(tmp_path), "-j", "1"], io.StringIO(), err)
    assert "已校验 2/2" in err.getvalue() and "已写入汇总 4/4" in err.getvalue()


@pytest.fixture(scope="module")
def mixed_kinds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder as a supervisor gets it: .xlsx, .xls and .et (WPS), .ods (LibreOffice), .csv, a duplicate."""
    from tests.libreoffice import convert

    root = tmp_path_factory.mktemp("kinds")
    work = tmp_path_factory.mktemp("kinds-work")
    source = write(work / "淮安市-2024.xlsx", example_data("huaian-2024"))
    (root / "淮安市-2024.xls").write_bytes(convert(source, "xls", work).read_bytes())
    (root / "北沟镇-2020.et").write_bytes(
        convert(write(work / "北沟镇-2020.xlsx", example_data("beigou-2020")), "xls", work).read_bytes()
    )
    (root / "某局-2024.ods").write_bytes(convert(source, "ods", work).read_bytes())
    (root / "某局-2024.csv").write_text("机关名称,年度\n某局,2024\n", encoding="utf-8")
    write(root / "淮安市-2024-重交.xlsx", example_data("huaian-2024"))  # same agency and year as the .xls
    return root


def test_every_file_found_is_in_the_summary(mixed_kinds: Path, tmp_path: Path) -> None:
    out = io.StringIO()
    code = run(["batch", str(mixed_kinds), "-o", str(tmp_path), "-q"], out, io.StringIO())
    assert code == 2  # the .ods and .csv could not be used
    rows = _rows(tmp_path)
    assert set(rows) == {p.name for p in mixed_kinds.iterdir()}
    for checked in ("淮安市-2024.xls", "北沟镇-2020.et", "淮安市-2024-重交.xlsx"):
        assert rows[checked]["状态"] in ("通过", "有问题") and rows[checked]["错误"].isdigit(), rows[checked]
    assert rows["淮安市-2024.xls"]["状态"] == "通过" and rows["淮安市-2024.xls"]["机关名称"] == "淮安市人民政府"
    ods, csv_row = rows["某局-2024.ods"], rows["某局-2024.csv"]
    assert ods["状态"] == "无法使用" and "OpenDocument" in ods["主要问题"] and "另存为" in ods["主要问题"]
    assert csv_row["状态"] == "无法使用" and "CSV" in csv_row["主要问题"]
    for row in (ods, csv_row):
        assert row["错误"] == row["警告"] == ""  # not checked: no counts
    # The same agency and year twice: both rows say so, and so does the run.
    assert "淮安市-2024-重交.xlsx" in rows["淮安市-2024.xls"]["备注"]
    assert "淮安市-2024.xls" in rows["淮安市-2024-重交.xlsx"]["备注"]
    assert "北沟镇" not in rows["北沟镇-2020.et"]["备注"]
    assert "1 个机关的同一年度有多个工作簿" in out.getvalue()
    assert not list(tmp_path.glob(".xlpy-*"))  # the row spool is gone


def test_summary_xlsx_prints_on_a4_landscape_with_the_header_repeated(inbox: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    run(["batch", str(inbox), "-o", str(tmp_path), "-q", "-j", "1"], io.StringIO(), io.StringIO())
    ws = load_workbook(tmp_path / "summary.xlsx")["汇总"]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert (
        ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
    )
    assert ws.print_title_rows == "$1:$1" and ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:L{ws.max_row}" and ws.max_row == 7
    assert ws["A1"].font.bold and ws.column_dimensions["J"].width == 80
    assert ws["I2"].fill.fgColor.rgb.endswith(("C6EFCE", "FFEB9C", "FFC7CE"))
    # A spreadsheet application opens the streamed file and sees what summary.csv holds.
    from tests.libreoffice import convert

    (tmp_path / "lo").mkdir()
    utf8_csv = "csv:Text - txt - csv (StarCalc):44,34,76"  # comma, double quote, UTF-8
    seen = convert(tmp_path / "summary.xlsx", "csv", tmp_path / "lo", utf8_csv).read_text(encoding="utf-8")
    with open(tmp_path / "summary.csv", encoding="utf-8-sig", newline="") as fh:
        expected = list(csv.reader(fh))
    got = list(csv.reader(io.StringIO(seen)))
    assert [r[:3] for r in got] == [r[:3] for r in expected]

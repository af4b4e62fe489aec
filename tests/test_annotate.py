"""`xlpy annotate`: the annotated copy carries the results sheet and marks, and everything else untouched."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from xlpy import findings_sheet as fs
from xlpy.annotate import annotate_bytes
from xlpy.annotate import annotate_path as _annotate_path
from xlpy.cli import run as cli
from xlpy.config import Config
from xlpy.layout import layout
from xlpy.model import Finding, Report
from xlpy.verdict import Verdict

EXAMPLES = Path(__file__).resolve().parents[1] / "workbook" / "examples"
FILES = {"huaian": EXAMPLES / "huaian-2024.xlsx", "beigou": EXAMPLES / "beigou-2020.xlsx"}
VBA_BYTES = b"\xd0\xcf\x11\xe0 not really a VBA project, but its bytes must survive \x00\x01\x02"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def _style(cell: Any) -> tuple[Any, ...]:
    return (repr(cell.font), repr(cell.border), repr(cell.alignment), repr(cell.protection), cell.number_format)


def snapshot(path_or_bytes: Path | bytes, *, skip: set[tuple[str, str]] = frozenset()) -> dict[str, Any]:
    """Everything annotate promises to keep: per cell value/type/style/fill, names, validations, protection."""
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    wb = load_workbook(src)
    out: dict[str, Any] = {"names": {n: d.attr_text for n, d in wb.defined_names.items()}}
    for ws in wb.worksheets:
        if ws.title == fs.RESULTS_SHEET:
            continue
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                fill = None if (ws.title, c.coordinate) in skip else repr(c.fill)
                cells[c.coordinate] = (c.value, c.data_type, _style(c), fill)
        out[ws.title] = {
            "cells": cells,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": sorted(
                (str(v.sqref), v.type, v.formula1, v.formula2, v.allow_blank, v.prompt, v.error)
                for v in ws.data_validations.dataValidation
            ),
            "protection": (
                ws.protection.sheet,
                ws.protection.password,
                ws.protection.formatCells,
                ws.protection.selectLockedCells,
                ws.protection.selectUnlockedCells,
            ),
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "freeze": ws.freeze_panes,
        }
    return out


def annotate_path(source: Path, output: Path, **kwargs: Any) -> Verdict:
    return _annotate_path(source, output, config=Config(), **kwargs)


def results_rows(path_or_bytes: Path | bytes) -> list[tuple[Any, ...]]:
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    ws = load_workbook(src)[fs.RESULTS_SHEET]
    return [tuple("" if v is None else v for v in row) for row in ws.iter_rows(values_only=True)]


@pytest.mark.parametrize("which", ["huaian", "beigou"])
def test_examples_cell_by_cell(which: str, tmp_path: Path) -> None:
    src = tmp_path / FILES[which].name
    shutil.copy(FILES[which], src)
    original = src.read_bytes()
    out = tmp_path / "out.xlsx"
    report = annotate_path(src, out)
    assert src.read_bytes() == original  # the input is never touched
    expected = fs.build(
        report, input_cells=[i.ref for i in layout(report.report.format_version).inputs.values() if i.kind != "fixed"]
    )
    marked = set(expected.marks)
    assert snapshot(out, skip=marked) == snapshot(src, skip=marked)
    assert results_rows(out) == [tuple(r) for r in expected.rows]
    wb = load_workbook(out)
    assert wb.sheetnames[-1] == fs.RESULTS_SHEET and wb.active.title == fs.RESULTS_SHEET
    assert sum(bool(ws.sheet_view.tabSelected) for ws in wb.worksheets) == 1


def _broken(tmp_path: Path) -> tuple[Path, str, str]:
    """huaian with one 表三 figure off by one (R-S3-1 / R-S3-3 errors)."""
    inp = layout("2021").inputs["s3.new_received.natural_person"]
    wb = load_workbook(FILES["huaian"])
    wb[inp.sheet][inp.a1].value = wb[inp.sheet][inp.a1].value + 1
    path = tmp_path / "broken.xlsx"
    wb.save(path)
    return path, inp.sheet, inp.a1


def test_failing_workbook_gets_marks_links_and_status(tmp_path: Path) -> None:
    src, sheet, cell = _broken(tmp_path)
    out = tmp_path / "broken-校验结果.xlsx"
    report = annotate_path(src, out)
    assert not report.final_ok
    wb = load_workbook(out)
    assert wb[sheet][cell].fill.fgColor.rgb == "FF" + fs.ERROR_FILL[1:]
    untouched = layout("2021").inputs["s4.review.upheld"]
    assert wb[untouched.sheet][untouched.a1].fill.fgColor.rgb == layout("2021").input_fill
    ws = wb[fs.RESULTS_SHEET]
    assert ws.cell(fs.STATUS_ROW + 1, 1).value.startswith("校验未通过")
    links = {c.coordinate: c.hyperlink.location for row in ws.iter_rows() for c in row if c.hyperlink}
    first = report.report.findings[0]
    target = fs.split_cell(first.cells[0])
    assert links[f"E{fs.FIRST_FINDING_ROW + 1}"] == f"'{target[0]}'!{target[1]}"
    assert all(link.startswith("'") and "!" in link for link in links.values())
    assert not any(c.hyperlink.target for row in ws.iter_rows() for c in row if c.hyperlink)  # internal only
    marked = set(fs.build(report).marks)
    assert (sheet, cell) in marked
    assert snapshot(out, skip=marked) == snapshot(src, skip=marked)


def test_annotating_an_annotated_copy_is_idempotent(tmp_path: Path) -> None:
    src, _, _ = _broken(tmp_path)
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    annotate_path(src, once)
    annotate_path(once, twice)
    assert snapshot(twice) == snapshot(once)
    assert results_rows(twice) == results_rows(once)
    assert load_workbook(twice).sheetnames.count(fs.RESULTS_SHEET) == 1


def test_fixed_cell_loses_its_old_mark(tmp_path: Path) -> None:
    src, sheet, cell = _broken(tmp_path)
    once = tmp_path / "once.xlsx"
    annotate_path(src, once)
    wb = load_workbook(once)
    wb[sheet][cell].value = wb[sheet][cell].value - 1  # the clerk fixes it in the annotated copy
    fixed = tmp_path / "fixed.xlsx"
    wb.save(fixed)
    again = tmp_path / "again.xlsx"
    report = annotate_path(fixed, again)
    assert report.final_ok
    assert load_workbook(again)[sheet][cell].fill.fgColor.rgb == layout("2021").input_fill


def _xlsm(tmp_path: Path) -> Path:
    """The huaian workbook turned into an .xlsm: a vbaProject.bin part, its relationship and content types."""
    src = FILES["huaian"].read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                text = data.decode("utf-8")
                text = text.replace(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", XLSM_MAIN
                )
                text = text.replace(
                    "</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
                )
                data = text.encode("utf-8")
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = (
                    data.decode("utf-8")
                    .replace(
                        "</Relationships>",
                        (
                            '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/'
                            'vbaProject" Target="vbaProject.bin"/></Relationships>'
                        ),
                    )
                    .encode("utf-8")
                )
            zout.writestr(item, data)
        zout.writestr("xl/vbaProject.bin", VBA_BYTES)
    path = tmp_path / "report.xlsm"
    path.write_bytes(out.getvalue())
    return path


def test_xlsm_keeps_its_vba_project(tmp_path: Path) -> None:
    src = _xlsm(tmp_path)
    out = tmp_path / "report-校验结果.xlsm"
    annotate_path(src, out)
    with zipfile.ZipFile(out) as zf:
        assert zf.read("xl/vbaProject.bin") == VBA_BYTES
        assert XLSM_MAIN in zf.read("[Content_Types].xml").decode("utf-8")
    assert snapshot(out) == snapshot(src)


def test_text_from_the_workbook_stays_text() -> None:
    report = Report(
        "x.xlsx",
        "2021",
        2024,
        "某机关",
        [
            Finding("N-1", "warning", "=cmd|' /C calc'!A0", ["一、总体情况!C9"], explained=True, explanation="@SUM(1)"),
            Finding("R-S3-4", "error", "-3 不是有效数字", ["表三!H8"]),
        ],
    )
    data = annotate_bytes(FILES["huaian"].read_bytes(), Verdict(report))
    ws = load_workbook(io.BytesIO(data))[fs.RESULTS_SHEET]
    texts = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in texts)
    assert ws.cell(fs.FIRST_FINDING_ROW + 1, 4).value == "=cmd|' /C calc'!A0"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet_xml = [zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any("<f>" in x and "calc" in x for x in sheet_xml)


def test_cli_refuses_output_equal_to_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "a.xlsx"
    shutil.copy(FILES["beigou"], src)
    before = src.read_bytes()
    assert cli(["annotate", str(src), "-o", str(src)]) == 2
    assert "不能与输入文件相同" in capsys.readouterr().err
    assert src.read_bytes() == before


def test_cli_default_output_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "b.xlsx"
    shutil.copy(FILES["beigou"], src)
    code = cli(["annotate", str(src)])
    out = capsys.readouterr().out
    assert (tmp_path / "b-校验结果.xlsx").exists()
    assert "已写入" in out and code in (0, 1)
    broken, _, _ = _broken(tmp_path)
    assert cli(["annotate", str(broken), "-o", str(tmp_path / "c.xlsx")]) == 1


def test_cli_unusable_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    assert cli(["annotate", str(bad), "-o", str(tmp_path / "o.xlsx")]) == 2
    assert capsys.readouterr().err.startswith("xlpy：")
    assert not (tmp_path / "o.xlsx").exists()


def test_output_suffix_matches_the_macro_state(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _xlsm(tmp_path)
    assert cli(["annotate", str(src), "-o", str(tmp_path / "out.xlsx")]) == 2
    assert ".xlsm" in capsys.readouterr().err
    assert cli(["annotate", str(FILES["beigou"]), "-o", str(tmp_path / "out.xlsm")]) == 2
    assert not list(tmp_path.glob("out.*"))
    assert cli(["annotate", str(src)]) in (0, 1)
    assert (tmp_path / "report-校验结果.xlsm").exists()


def test_annotate_needs_neither_xlwings_nor_fastapi() -> None:
    import subprocess
    import sys

    code = (
        "import sys, xlpy.annotate, xlpy.findings_sheet, xlpy.commands.annotate\n"
        "bad = [m for m in ('xlwings', 'fastapi', 'openpyxl') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


def test_annotate_bytes_keeps_the_limits_it_is_given() -> None:
    from xlpy.errors import InputError
    from xlpy.zip_limits import Limits

    data = FILES["huaian"].read_bytes()
    verdict = Verdict(Report("年报.xlsx", "2021", 2024, "某机关", []))
    assert annotate_bytes(data, verdict)  # the default limits admit the example
    with pytest.raises(InputError) as err:  # a server configured tighter refuses it (as its reader would)
        annotate_bytes(data, verdict, name="年报.xlsx", limits=Limits(max_uncompressed=100_000))
    assert "年报.xlsx" in err.value.message

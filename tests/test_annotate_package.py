"""Annotate edits the package: every part it does not need to change comes back byte for byte."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.enriched import EXTRA_PARTS, SIGNATURE_PARTS, VBA_BYTES, enriched
from xlpy import findings_sheet as fs
from xlpy.annotate import SIGNATURE_NOTE, annotate_bytes
from xlpy.model import Finding, Report
from xlpy.reader import read_workbook
from xlpy.sheet_xml import CellEdit, edit_cells
from xlpy.verdict import Verdict

# What annotate may change: the package's bookkeeping, styles, and the sheets holding a marked cell.
BOOKKEEPING = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml"}
MARKED = {"表三": "xl/worksheets/sheet4.xml", "表二": "xl/worksheets/sheet3.xml"}


def _report() -> Verdict:
    return Verdict(
        Report(
            "e.xlsx",
            "2021",
            2024,
            "淮安市人民政府",
            [
                Finding("R-S3-1", "error", "总计不等于各项之和", ["表三!D8", "表三!D9"]),
                Finding("R-S2-1", "warning", "与上年相比变化较大", ["表二!C7"]),
            ],
        )
    )


def _parts(data: bytes) -> dict[str, zipfile.ZipInfo]:
    return {i.filename: i for i in zipfile.ZipFile(io.BytesIO(data)).infolist()}


@pytest.mark.parametrize(("signed", "macro"), [(False, False), (True, False), (False, True)])
def test_every_unchanged_part_is_byte_identical(signed: bool, macro: bool) -> None:
    src = enriched(signed=signed, macro=macro)
    out = annotate_bytes(src, _report(), name="e.xlsm" if macro else "e.xlsx")
    before, after = _parts(src), _parts(out)
    zin, zout = zipfile.ZipFile(io.BytesIO(src)), zipfile.ZipFile(io.BytesIO(out))
    assert set(before) <= set(after)  # nothing dropped
    assert len(set(after) - set(before)) == 1  # only the 校验结果 sheet part is new
    allowed = BOOKKEEPING | set(MARKED.values())
    changed = {n for n in before if zin.read(n) != zout.read(n)}
    assert changed <= allowed, changed - allowed
    assert set(MARKED.values()) <= changed  # the marks were written
    for n in set(before) - changed:
        # Copied, not re-deflated: the same compressed stream, so the same CRC and size.
        assert (after[n].CRC, after[n].compress_size) == (before[n].CRC, before[n].compress_size), n
    for part in EXTRA_PARTS:
        assert zout.read(part) == zin.read(part)
    assert zout.read("xl/media/image1.png") == zin.read("xl/media/image1.png")
    if macro:
        assert zout.read("xl/vbaProject.bin") == VBA_BYTES
    if signed:
        assert all(zout.read(p) == body for p, body in SIGNATURE_PARTS.items())
    ws = load_workbook(io.BytesIO(out))[fs.RESULTS_SHEET]
    note = ws.cell(3, 1).value
    assert (note == SIGNATURE_NOTE) if signed else note is None


def test_the_copy_reads_like_the_original_and_carries_the_marks() -> None:
    src = enriched()
    out = annotate_bytes(src, _report(), name="e.xlsx")
    assert read_workbook(out, name="out.xlsx").instance == read_workbook(src, name="e.xlsx").instance
    wb = load_workbook(io.BytesIO(out))
    assert wb["表三"]["D8"].fill.fgColor.rgb == "FF" + fs.ERROR_FILL[1:]
    assert wb["表二"]["C7"].fill.fgColor.rgb == "FF" + fs.WARNING_FILL[1:]
    assert wb["表三"]["D8"].comment.text.startswith("核对过")  # the clerk's comment is still there
    assert wb.active.title == fs.RESULTS_SHEET
    links = [c.hyperlink.location for row in wb[fs.RESULTS_SHEET].iter_rows() for c in row if c.hyperlink]
    assert links == ["'表三'!D8", "'表二'!C7"]
    # Once more on the copy: the same bytes for every part (marks, styles and sheet replaced, not added).
    again = annotate_bytes(out, _report(), name="out.xlsx")
    z1, z2 = zipfile.ZipFile(io.BytesIO(out)), zipfile.ZipFile(io.BytesIO(again))
    assert z1.namelist() == z2.namelist()
    assert all(z1.read(n) == z2.read(n) for n in z1.namelist())


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_opens_the_copy(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    path.write_bytes(annotate_bytes(enriched(signed=True), _report(), name="e.xlsx"))
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1", "--outdir", str(tmp_path),
         str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    rows = list(csv.reader((tmp_path / f"out-{fs.RESULTS_SHEET}.csv").open(encoding="utf-8")))
    expected = fs.build(_report()).rows
    assert rows[0][0] == expected[0][0] and rows[2][0] == SIGNATURE_NOTE
    assert [r[:5] for r in rows[fs.FIRST_FINDING_ROW :]] == [[str(v) for v in r[:5]] for r in expected[4:]]
    table3 = list(csv.reader((tmp_path / "out-表三.csv").open(encoding="utf-8")))
    assert table3[7][3] == str(read_workbook(path).instance["s3"]["new_received"]["natural_person"])


def test_a_cell_the_sheet_lacks_is_inserted_in_order() -> None:
    xml = (
        '<worksheet xmlns="x"><sheetData><row r="2"><c r="A2"/><c r="D2" s="1"/></row>'
        '<row r="5" spans="1:2"/></sheetData></worksheet>'
    )
    out, filled = edit_cells(
        xml,
        {
            "B2": CellEdit(style=lambda s: 7),
            "D2": CellEdit(value_if_blank="0"),
            "A4": CellEdit(style=lambda s: 3),
            "C5": CellEdit(value_if_blank="0"),
            "Z9": CellEdit(style=lambda s: 3, insert=False),
        },
    )
    assert out == (
        '<worksheet xmlns="x"><sheetData><row r="2"><c r="A2"/><c r="B2" s="7"/><c r="D2" s="1"><v>0</v></c></row>'
        '<row r="4"><c r="A4" s="3"/></row><row r="5" spans="1:2"><c r="C5"><v>0</v></c></row></sheetData></worksheet>'
    )
    assert filled == {"D2", "C5"}


def test_a_cell_with_a_value_or_formula_is_not_blank() -> None:
    xml = '<worksheet><sheetData><row r="1"><c r="A1"><v>3</v></c><c r="B1"><f>A1</f></c><c r="C1" t="n"></c></row></sheetData></worksheet>'
    out, filled = edit_cells(xml, {r: CellEdit(value_if_blank="0") for r in ("A1", "B1", "C1")})
    assert filled == {"C1"}
    assert '<c r="A1"><v>3</v></c><c r="B1"><f>A1</f></c><c r="C1"><v>0</v></c>' in out

"""The clerk workbook: official layout, locked labels, unlocked inputs, validation, names, and currency."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xlpy import schema
from xlpy.layout import layout
from xlpy.workbook_files import expected

VERSIONS = schema.known_versions()


def fingerprint(wb: Any) -> dict[str, Any]:
    """Everything a clerk sees or the reader relies on, independent of save timestamps."""
    out: dict[str, Any] = {"names": sorted((n, d.attr_text) for n, d in wb.defined_names.items())}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None or c.has_style:
                    cells[c.coordinate] = (c.value, c.fill.fgColor.rgb, c.protection.locked, c.number_format)
        out[ws.title] = {
            "cells": cells,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "protected": ws.protection.sheet,
            "validations": sorted(
                (str(dv.sqref), dv.type, dv.formula1, dv.prompt) for dv in ws.data_validations.dataValidation
            ),
        }
    return out


@pytest.mark.parametrize("path", sorted(expected(), key=str), ids=lambda p: Path(p).name)
def test_committed_workbooks_are_current(path: Path) -> None:
    """`make workbooks` regenerates these; a schema or layout change must be followed by it."""
    assert path.is_file(), f"{path} missing: run make workbooks"
    fresh = io.BytesIO()
    expected()[path].save(fresh)
    assert fingerprint(openpyxl.load_workbook(path)) == fingerprint(openpyxl.load_workbook(fresh)), (
        f"{path} is stale: run make workbooks"
    )


@pytest.fixture(scope="module", params=VERSIONS)
def template(request: pytest.FixtureRequest) -> tuple[str, Any]:
    from xlpy.resources import workbook_dir

    return request.param, openpyxl.load_workbook(workbook_dir() / f"template-{request.param}.xlsx")


def test_sheets_in_order(template: tuple[str, Any]) -> None:
    _, wb = template
    assert wb.sheetnames == [
        "基本信息",
        "一、总体情况",
        "表二",
        "表三",
        "表四",
        "五、问题及改进",
        "六、其他事项",
        "说明",
    ]


def test_inputs_unlocked_and_named_labels_locked(template: tuple[str, Any]) -> None:
    version, wb = template
    lay = layout(version)
    names = {n: d.attr_text for n, d in wb.defined_names.items()}
    for path, inp in lay.inputs.items():
        cell = wb[inp.sheet][inp.a1]
        assert cell.protection.locked is (inp.kind == "fixed"), path
        assert names[f"xlpy.{path}"] == f"'{inp.sheet}'!${inp.a1.rstrip('0123456789')}${inp.row}"
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
        assert ws.protection.password is None  # documented: no password
    assert wb["表三"]["A8"].value == "一、本年新收政府信息公开申请数量"
    assert wb["表三"]["A8"].protection.locked


def test_every_indicator_has_validation_with_input_message(template: tuple[str, Any]) -> None:
    version, wb = template
    lay = layout(version)
    by_cell = {}
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                by_cell[f"{ws.title}!{rng.coord}"] = dv
    for path, inp in lay.inputs.items():
        if inp.kind == "fixed":
            continue
        dv = by_cell[inp.ref]
        assert dv.showInputMessage and dv.prompt, path
        if inp.kind == schema.COUNT:
            assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0"), path
        if inp.kind == schema.SIGNED:
            assert dv.type == "whole" and dv.operator == "between" and int(dv.formula1) < 0, path
        if inp.kind == schema.MONEY:
            assert dv.type == "decimal", path
        if inp.kind == schema.CHOICE:
            assert dv.type == "list", path


def test_table_three_header_is_merged_like_the_official_format(template: tuple[str, Any]) -> None:
    version, wb = template
    ws = wb["表三"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert ws["A5"].value.startswith("（本列数据的勾稽关系为") and "A5:C7" in merged
    assert ws["D5"].value == "申请人情况" and "D5:J5" in merged
    assert ws["E6"].value == "法人或其他组织" and "E6:I6" in merged
    assert ws["D6"].value == "自然人" and "D6:D7" in merged
    assert ws["J6"].value == "总计" and "J6:J7" in merged
    assert [ws.cell(7, c).value for c in range(5, 10)] == [
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]
    last = 32 if version == "2021" else 30
    assert ws.cell(last, 1).value == "四、结转下年度继续办理"
    assert ws["A10"].value == "三、本年度办理结果"


def test_table_four_three_level_header(template: tuple[str, Any]) -> None:
    _, wb = template
    ws = wb["表四"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert ws["A5"].value == "行政复议" and "A5:E5" in merged
    assert ws["F5"].value == "行政诉讼" and "F5:O5" in merged
    assert ws["F6"].value == "未经复议直接起诉" and "F6:J6" in merged
    assert ws["K6"].value == "复议后起诉" and "K6:O6" in merged
    assert "A6:A7" in merged and ws["A6"].value == "结果维持"


def test_version_and_template_recorded(template: tuple[str, Any]) -> None:
    version, wb = template
    lay = layout(version)
    fv, tv = lay.inputs["format_version"], lay.inputs["template_version"]
    assert str(wb[fv.sheet][fv.a1].value) == version
    assert wb[tv.sheet][tv.a1].value == lay.template_version


def test_new_prefills_year_and_org() -> None:
    from xlpy.reader import read_view  # noqa: F401  (reader is exercised in test_reader)
    from xlpy.workbook import build_workbook

    wb = build_workbook(2025, org="某某县人民政府")
    lay = layout("2021")
    assert wb["基本信息"][lay.inputs["meta.year"].a1].value == 2025
    assert wb["基本信息"][lay.inputs["meta.org_name"].a1].value == "某某县人民政府"

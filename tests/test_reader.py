"""The one reader: values exactly as typed (blank ≠ 0), every field mapped to its cell, any source."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import set_error_cell, sheet_index
from xlpy.cellvalue import coerce
from xlpy.layout import layout
from xlpy.reader import read_json, read_payload, read_workbook


@pytest.mark.parametrize("name", ["beigou-2020", "huaian-2024"])
def test_examples_round_trip(
    name: str, example_xlsx: Callable[[str], Path], instance: Callable[[str], dict[str, Any]]
) -> None:
    data = read_workbook(example_xlsx(name))
    assert data.instance == instance(name)
    assert data.template_version == layout(data.version).template_version


def test_every_field_maps_to_its_cell(example_xlsx: Callable[[str], Path]) -> None:
    data = read_workbook(example_xlsx("huaian-2024"))
    assert data.cells["s3.new_received.natural_person"] == "表三!D8"
    assert data.cells["s3.carried_forward.total"] == "表三!J32"
    assert data.cells["s4.litigation.after_review.total"] == "表四!O8"
    assert data.cells["meta.org_name"] == "基本信息!B4"
    assert data.cells["text.overview.parts.0.body"] == "一、总体情况!C8"
    assert data.instance["s3"]["new_received"]["total"] == 3119


@pytest.mark.parametrize("version, year", [("2019", 2020), ("2021", 2024)])
def test_full_round_trip_with_distinct_values(version: str, year: int, tmp_path: Path) -> None:
    """Every numeric cell gets a distinct value, so a swapped cell would show."""
    from xlpy import schema
    from xlpy.workbook import build_workbook

    base = read_workbook(Path(__file__).parent.parent / "workbook" / f"template-{version}.xlsx").instance
    data = copy.deepcopy(base)
    for i, f in enumerate(schema.fields(version).values()):
        node = data
        *parents, leaf = f.path.split(".")
        for p in parents:
            node = node[p]
        node[leaf] = {
            schema.COUNT: i,
            schema.SIGNED: -i,
            schema.MONEY: i + 0.25,
            schema.INTEGER: year,
            schema.DATE: f"{year + 1}-01-2{i % 9}",
            schema.CHOICE: f.schema.get("enum", [None])[0],
            schema.TEXT: f"文字{i} =1+1 <b>&",
        }.get(f.kind, node[leaf])
    data["text"]["overview"]["parts"] = [{"title": f"标题{i}", "body": f"正文{i}\n第二段"} for i in range(12)]
    data["explanations"] = [{"rule": "N-1", "location": "一、总体情况!C8", "text": "口径不同"}]
    wb = build_workbook(year, data=data)
    wb.save(tmp_path / "x.xlsx")
    assert read_workbook(tmp_path / "x.xlsx").instance == data


def test_blank_is_not_zero(make_workbook: Callable[..., Path], instance: Callable[[str], dict[str, Any]]) -> None:
    path = make_workbook(instance("huaian-2024"), {"s3.new_received.research": None, "s4.review.pending": ""})
    data = read_workbook(path)
    assert data.instance["s3"]["new_received"]["research"] is None
    assert data.instance["s4"]["review"]["pending"] is None


@pytest.mark.parametrize(
    "typed, read",
    [
        ("三", "三"),
        ("12件", "12件"),
        ("/", "/"),
        ("-", "-"),
        ("—", "—"),
        ("12", 12),
        (" 7 ", 7),
        ("1,234", 1234),
        ("１２", 12),
        (2.0, 2),
        (2.5, 2.5),
        (-3, -3),
    ],
)
def test_numbers_as_typed(
    typed: Any, read: Any, make_workbook: Callable[..., Path], instance: Callable[[str], dict[str, Any]]
) -> None:
    path = make_workbook(instance("huaian-2024"), {"s3.new_received.research": typed})
    assert read_workbook(path).instance["s3"]["new_received"]["research"] == read


def test_formula_error_values_are_kept(example_xlsx: Callable[[str], Path], tmp_path: Path) -> None:
    """python-calamine returns error cells as "", like blanks; the reader recovers the error value."""
    path = set_error_cell(
        example_xlsx("huaian-2024"), tmp_path / "err.xlsx", sheet_index("2021", "表三"), "D8", "#REF!"
    )
    assert read_workbook(path).instance["s3"]["new_received"]["natural_person"] == "#REF!"


def test_formula_without_cached_value_reads_blank(
    make_workbook: Callable[..., Path], instance: Callable[[str], dict[str, Any]], tmp_path: Path
) -> None:
    """openpyxl writes no cached values: a total typed as a formula is blank until Excel recalculates it."""
    import openpyxl

    path = make_workbook(instance("huaian-2024"))
    wb = openpyxl.load_workbook(path)
    wb["表三"]["J8"] = "=SUM(D8:I8)"
    wb.save(tmp_path / "f.xlsx")
    assert read_workbook(tmp_path / "f.xlsx").instance["s3"]["new_received"]["total"] is None


@pytest.mark.parametrize(
    "typed, read",
    [
        (dt.date(2025, 1, 20), "2025-01-20"),
        (dt.datetime(2025, 1, 20, 0, 0), "2025-01-20"),
        ("2025年1月20日", "2025-01-20"),
        ("2025/1/20", "2025-01-20"),
        ("2025.01.20", "2025-01-20"),
        ("2025-1-20T00:00:00", "2025-01-20"),
        (45677, "2025-01-20"),
        ("一月二十日", "一月二十日"),
        ("2025-02-30", "2025-02-30"),
    ],
)
def test_dates_are_normalised(typed: Any, read: str) -> None:
    assert coerce("date", typed) == read


def test_text_cells_keep_line_breaks_and_leading_equals(
    make_workbook: Callable[..., Path], instance: Callable[[str], dict[str, Any]]
) -> None:
    data = instance("huaian-2024")
    data["text"]["problems"] = '=SUM(A1)\n第二段 A&B <公开> "引号"'
    assert read_workbook(make_workbook(data)).instance["text"]["problems"] == data["text"]["problems"]


def _payload(path: Path, empty: Any, client: str) -> dict[str, Any]:
    """A remote-protocol payload as the client builds it: values from A1, names, empties as the client sends them."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    sheets = []
    for ws in wb.worksheets:
        values = [[empty if c is None else c for c in row] for row in ws.iter_rows(values_only=True)]
        sheets.append({"name": ws.title, "values": values, "pictures": [], "tables": []})
    names = []
    for n, d in wb.defined_names.items():
        sheet, _, addr = d.attr_text.rpartition("!")
        names.append(
            {
                "name": n,
                "sheet_index": wb.sheetnames.index(sheet.strip("'")),
                "address": addr,
                "book_scope": True,
                "scope_sheet_name": None,
                "scope_sheet_index": None,
            }
        )
    return {
        "client": client,
        "version": "0.37.8",
        "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"},
        "names": names,
        "sheets": sheets,
        "args": [],
    }


@pytest.mark.parametrize("empty, client", [(None, "VBA"), ("", "Office.js")])
def test_payload_reads_like_the_file(empty: Any, client: str, example_xlsx: Callable[[str], Path]) -> None:
    path = example_xlsx("huaian-2024")
    payload = _payload(path, empty, client)
    before = copy.deepcopy(payload)
    data = read_payload(payload)
    assert data.instance == read_workbook(path).instance
    assert data.cells == read_workbook(path).cells
    assert payload == before  # the reader never mutates the payload


def test_json_source(instance: Callable[[str], dict[str, Any]], tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps(instance("beigou-2020"), ensure_ascii=False), encoding="utf-8")
    data = read_workbook(path)
    assert data.version == "2019" and data.cells == {} and data.instance == instance("beigou-2020")
    assert read_json(instance("huaian-2024")).version == "2021"

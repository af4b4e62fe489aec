"""The report schemas are valid Draft 2020-12, fully labelled, and fully laid out in the workbook."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from xlpy import schema
from xlpy.layout import layout
from xlpy.resources import load_json, schemas_dir

VERSIONS = schema.known_versions()


@pytest.mark.parametrize("name", sorted(p.name for p in schemas_dir().glob("*.schema.json")))
def test_schema_is_valid_under_the_metaschema(name: str) -> None:
    Draft202012Validator.check_schema(load_json(name))


@pytest.mark.parametrize("version", VERSIONS)
def test_every_field_has_a_chinese_title(version: str) -> None:
    for f in schema.fields(version).values():
        assert f.title and any("\u4e00" <= ch <= "\u9fff" for ch in f.title), f.path


@pytest.mark.parametrize("version", VERSIONS)
def test_every_field_has_exactly_one_cell_and_name(version: str) -> None:
    """…or is a constant the table's header states (2021 表二's 收费金额单位: 「本年收费金额（单位：万元）」)."""
    lay = layout(version)
    fields = schema.fields(version)
    assert set(fields) <= set(lay.inputs) | set(lay.implied)
    assert all(fields[p].kind == schema.CONST for p in lay.implied)
    refs = [i.ref for i in lay.inputs.values()]
    assert len(refs) == len(set(refs)), "two fields share a cell"


@pytest.mark.parametrize("version, rows, cells", [("2019", 23, 161), ("2021", 25, 175)])
def test_table_three_has_the_official_shape(version: str, rows: int, cells: int) -> None:
    s3 = [p for p in schema.fields(version) if p.startswith("s3.")]
    assert len(s3) == cells == rows * 7
    assert len([p for p in schema.fields(version) if p.startswith("s4.")]) == 15


def test_official_labels_of_table_three() -> None:
    titles = {f.path: f.title for f in schema.fields("2021").values()}
    assert titles["s3.new_received.public_interest"] == "社会公益组织"
    assert titles["s3.results.withheld.three_securities.total"] == "总计"
    labels = [t for f in schema.fields("2021").values() for t in f.titles]
    for label in (
        "一、本年新收政府信息公开申请数量",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "3.危及“三安全一稳定”",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "四、结转下年度继续办理",
        "行政规范性文件",
        "本年收费金额（单位：万元）",
        "复议后起诉",
    ):
        assert label in labels
    labels_2019 = [t for f in schema.fields("2019").values() for t in f.titles]
    for label in ("规范性文件", "本年增/减", "其他对外管理服务事项", "采购总金额", "（六）其他处理"):
        assert label in labels_2019


def test_version_follows_the_year() -> None:
    assert [schema.version_for_year(y) for y in (2018, 2019, 2020, 2021, 2030)] == [
        None,
        "2019",
        "2019",
        "2021",
        "2021",
    ]


def test_org_types_carry_their_properties() -> None:
    enum = load_json("common.schema.json")["$defs"]["org_type"]["enum"]
    props = schema.org_types()
    assert list(props) == enum
    assert props["乡镇人民政府"] == {"may_make_rules": False, "is_government": True, "deadline": "01-31"}
    assert props["设区的市、自治州人民政府"]["may_make_rules"] is True

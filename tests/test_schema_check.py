"""Schema findings: every error, in Chinese, at its cell — and a fast path that never hides one."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

import pytest

from xlpy import schema
from xlpy.schema_check import field_label, quick_valid, schema_findings

JUNK = [
    None,
    "",
    "三",
    "12件",
    "/",
    -1,
    2.5,
    0,
    7,
    10**12,
    True,
    "2025-13-01",
    "2025-01-20",
    [],
    {},
    "万元",
    "元",
    "乡镇人民政府",
    float("nan"),
    1.0,
]


def rule_for(path: str) -> tuple[str, str]:
    return ("X", "error")


def _leaf_paths(node: Any, prefix: str = "") -> list[str]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaf_paths(v, f"{prefix}.{k}" if prefix else k)]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaf_paths(v, f"{prefix}.{i}")]
    return [prefix]


def _set(node: Any, path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if isinstance(node, list):
        node[int(leaf)] = value
    else:
        node[leaf] = value


@pytest.mark.parametrize("name", ["beigou-2020", "huaian-2024"])
def test_fast_path_never_hides_an_error(name: str, instance: Callable[[str], dict[str, Any]]) -> None:
    """Random mutations: whenever quick_valid says yes, the full validator must agree."""
    base = instance(name)
    version = base["format_version"]
    validator = schema.validator(version)
    assert quick_valid(version, base) and not list(validator.iter_errors(base))
    rng = random.Random(20250120)
    paths = _leaf_paths(base)
    disagreements = 0
    for _ in range(400):
        data = copy.deepcopy(base)
        for path in rng.sample(paths, rng.choice([1, 1, 2, 3])):
            _set(data, path, rng.choice(JUNK))
        if rng.random() < 0.1:
            data["s3"]["extra"] = 1
        if rng.random() < 0.1:
            del data["s4"]["review"]["total"]
        errors = list(validator.iter_errors(data))
        if quick_valid(version, data):
            assert not errors, [e.message for e in errors]
        elif not errors:
            disagreements += 1  # allowed: the fast path is stricter (e.g. 1.0 for an integer)
    assert disagreements < 40


def test_all_errors_reported_not_just_the_first(instance: Callable[[str], dict[str, Any]]) -> None:
    data = instance("huaian-2024")
    data["s3"]["new_received"]["research"] = "三"
    data["s3"]["carried_over"]["other"] = None
    data["s4"]["review"]["pending"] = -1
    data["meta"]["org_type"] = "镇政府"
    cells = {"s3.new_received.research": "表三!F8"}
    findings = list(schema_findings("2021", data, cells, rule_for))
    assert sorted(f.paths[0] for f in findings) == [
        "meta.org_type",
        "s3.carried_over.other",
        "s3.new_received.research",
        "s4.review.pending",
    ]
    by_path = {f.paths[0]: f for f in findings}
    assert by_path["s3.new_received.research"].cells == ["表三!F8"]
    assert (
        by_path["s3.new_received.research"].message
        == "“一、本年新收政府信息公开申请数量”行“科研机构”列应填写不小于0的整数，当前为文字「三」。"
    )
    assert by_path["s3.carried_over.other"].message.endswith("未填写。空白不等于 0：没有发生的请填 0。")
    assert "当前为 -1" in by_path["s4.review.pending"].message
    assert "下拉列表" in by_path["meta.org_type"].message and "镇政府" in by_path["meta.org_type"].message


def test_labels_are_the_official_ones() -> None:
    assert (
        field_label("2021", "s3.results.withheld.state_secret.total")
        == "“三、本年度办理结果 （三）不予公开 1.属于国家秘密”行“总计”列"
    )
    assert field_label("2021", "s4.litigation.direct.upheld") == "“行政诉讼 未经复议直接起诉 结果维持”"
    assert field_label("2019", "s2.art20_5.licensing.change") == "“第二十条第（五）项 行政许可”行“本年增/减”列"
    assert field_label("2021", "meta.date") == "“成文日期”"


def test_date_format_is_checked(instance: Callable[[str], dict[str, Any]]) -> None:
    data = instance("huaian-2024")
    data["meta"]["date"] = "2025年13月1日"
    findings = list(schema_findings("2021", data, {}, rule_for))
    assert [f.paths for f in findings] == [["meta.date"]]
    assert "日期" in findings[0].message


def test_json_structure_errors(instance: Callable[[str], dict[str, Any]]) -> None:
    data = instance("beigou-2020")
    del data["s4"]["review"]
    data["s2"]["art20_9"]["bogus"] = 1
    messages = [f.message for f in schema_findings("2019", data, {}, rule_for)]
    assert any("缺少字段" in m and "s4.review" in m for m in messages)
    assert any("多余的字段" in m and "bogus" in m for m in messages)

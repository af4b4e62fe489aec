"""H-1 on a real SQLite workspace: a parent's report declared the region's total against its children's sum."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_workspace_store import huaian, submit
from tests.workspace_support import REGION
from xlpy.errors import InputError
from xlpy.workspace import rollup
from xlpy.workspace.database import open_database
from xlpy.workspace.options import Options, parse_options
from xlpy.workspace.store import Store

PARENT = REGION[0]  # 淮安市人民政府 (C) over A, B and T


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(open_database(f"sqlite:///{tmp_path / 'workspace.db'}"))
    s.save_agencies(REGION)
    try:
        yield s
    finally:
        s.engine.dispose()


def _region_total(store: Store) -> dict[str, Any]:
    """A report for C whose 表二/三/四 are exactly the sum of A, B and T."""
    for agency in ("A", "B", "T"):
        submit(store, agency, huaian())
    summed = rollup.collect(store, PARENT, 2024).instance
    own = huaian()
    own.update({part: copy.deepcopy(summed[part]) for part in ("s2", "s3", "s4")})
    return own


def _h1(result: rollup.Rollup) -> list[dict[str, Any]]:
    return [h for h in result.hierarchy if h["rule"] == "H-1"]


def test_a_declared_total_equal_to_the_sum_gives_no_h1(store: Store) -> None:
    submit(store, "C", _region_total(store))
    result = rollup.collect(store, PARENT, 2024, Options(region_totals=("C",)))
    assert sorted(result.included) == ["A", "B", "T"]
    assert _h1(result) == []


def test_a_declared_total_off_the_sum_is_named_per_count(store: Store) -> None:
    own = _region_total(store)
    own["s3"]["new_received"]["natural_person"] += 3
    own["s3"]["new_received"]["total"] += 3
    submit(store, "C", own)
    found = _h1(rollup.collect(store, PARENT, 2024, Options(region_totals=("C",))))
    assert sorted(h["paths"][0] for h in found) == ["s3.new_received.natural_person", "s3.new_received.total"]
    total = next(h for h in found if h["paths"][0] == "s3.new_received.total")
    expected = own["s3"]["new_received"]["total"]
    assert total["severity"] == "warning" and total["agencies"] == ["C"]
    assert "淮安市人民政府（C）的年报声明为辖区汇总" in total["message"]
    assert f"为 {expected}，下级机构之和为 {expected - 3}（相差 3，容差 0）" in total["message"]
    # Within the configured tolerance: no warning; not declared a region total: never compared.
    assert _h1(rollup.collect(store, PARENT, 2024, Options(region_totals=("C",), region_total_tolerance=3))) == []
    assert _h1(rollup.collect(store, PARENT, 2024)) == []
    assert _h1(rollup.collect(store, PARENT, 2024, Options())) == []


def test_no_h1_while_a_child_is_missing(store: Store) -> None:
    own = _region_total(store)  # C's stated total holds B's figures too
    other = Store(open_database(str(store.engine.url).replace("workspace.db", "without-b.db")))
    try:
        other.save_agencies(REGION)
        for agency in ("A", "T"):  # B has not reported: the sum is short by B's figures
            submit(other, agency, huaian())
        submit(other, "C", own)
        result = rollup.collect(other, PARENT, 2024, Options(region_totals=("C",)))
    finally:
        other.engine.dispose()
    assert result.missing == ["B"]
    assert "H-2" in {h["rule"] for h in result.hierarchy} and _h1(result) == []


@pytest.mark.parametrize(
    "table,word",
    [({"region_totals": "C"}, "region_totals"), ({"region_total_tolerance": -1}, "region_total_tolerance")],
)
def test_bad_region_total_settings_are_refused_in_chinese(table: dict[str, Any], word: str) -> None:
    with pytest.raises(InputError, match=word):
        parse_options(table, "配置文件 x.toml")
    assert parse_options({"region_totals": ["C"], "region_total_tolerance": 2}) == Options(
        region_totals=("C",), region_total_tolerance=2
    )

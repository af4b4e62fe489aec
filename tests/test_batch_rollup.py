"""`xlpy batch` writes each year's 汇总 (JSON + workbook) and the indicators table from real workbooks."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_batch import _break_total, _inject, example_data, variant, write
from xlpy.cli import run
from xlpy.schema import MONEY, lookup
from xlpy.workspace.rollup import plan


def _renamed_broken(d: dict[str, Any]) -> None:
    _break_total(d)  # 本年新收 total +7: the file is blocked, and the sum inherits the inconsistency
    d["meta"]["org_name"] = "淮安市淮阴区人民政府"


def _renamed_low(d: dict[str, Any]) -> None:
    d["s3"]["results"]["granted"]["total"] = 10  # 实质公开率 about 15 %: red (and the sums no longer hold)
    d["meta"]["org_name"] = "清江浦区人民政府"


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Any]], str]:
    root = tmp_path_factory.mktemp("inbox")
    members = {
        "淮安市-2024.xlsx": example_data("huaian-2024"),
        "淮阴区-2024.xlsx": variant("huaian-2024", _renamed_broken),
        "注入-2024.xlsx": variant("huaian-2024", _inject),
        "北沟镇-2020.xlsx": example_data("beigou-2020"),
    }
    for name, data in members.items():
        write(root / name, data)
    (root / "坏文件.xlsx").write_bytes("这不是工作簿".encode())
    out = root / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    assert run(["batch", str(root), "-o", str(out), "-q", "--jobs", "1"], stdout, stderr) == 2, stderr.getvalue()
    return out, members, stdout.getvalue()


def _new_received() -> int:
    total: int = example_data("huaian-2024")["s3"]["new_received"]["total"]
    return total


def _rollup(out: Path, year: int) -> dict[str, Any]:
    return json.loads((out / f"汇总-{year}.json").read_text(encoding="utf-8"))


def test_rollup_sums_every_readable_workbook_of_the_year(batch_out: tuple[Path, dict[str, Any], str]) -> None:
    out, members, _ = batch_out
    body = _rollup(out, 2024)
    assert sorted(Path(f).name for f in body["included"]) == ["注入-2024.xlsx", "淮安市-2024.xlsx", "淮阴区-2024.xlsx"]
    assert body["format_version"] == "2021" and body["data"]["meta"]["org_name"] == "本批工作簿（汇总）"
    summed = [d for n, d in members.items() if n.endswith("2024.xlsx")]
    checked = 0
    for segments, kind, _ in plan("2021"):
        if kind == MONEY:  # converted to one unit; the plain counts are compared exactly
            continue
        path = ".".join(segments)
        assert lookup(body["data"], path) == sum(lookup(d, path) or 0 for d in summed), path
        checked += 1
    assert checked > 50
    assert body["data"]["s3"]["new_received"]["total"] == 3 * _new_received() + 14
    # Two members are inconsistent by +7 each: the arithmetic rules find it on the sums too.
    assert any(f["rule"].startswith("R-S3") for f in body["findings"]), body["findings"]
    assert [Path(f).name for f in _rollup(out, 2020)["included"]] == ["北沟镇-2020.xlsx"]
    assert not (out / "汇总-2019.json").exists()


def test_rollup_workbook_reads_back_with_the_sums(batch_out: tuple[Path, dict[str, Any], str]) -> None:
    from xlpy.reader import read_any

    out, _, _ = batch_out
    data = read_any(out / "汇总-2024.xlsx").instance
    assert data["s3"]["new_received"]["total"] == 3 * _new_received() + 14
    assert data["s3"]["results"] == _rollup(out, 2024)["data"]["s3"]["results"]


def test_indicators_table_ranks_per_year_and_neutralises_names(batch_out: tuple[Path, dict[str, Any], str]) -> None:
    from openpyxl import load_workbook

    out, _, _ = batch_out
    with open(out / "指标.csv", encoding="utf-8-sig", newline="") as fh:
        rows = {Path(r["文件"]).name: r for r in csv.DictReader(fh)}
    assert set(rows) == {"淮安市-2024.xlsx", "淮阴区-2024.xlsx", "注入-2024.xlsx", "北沟镇-2020.xlsx"}  # not 坏文件
    huaian = rows["淮安市-2024.xlsx"]
    assert huaian["实质公开率（%）"] == "59.5" and huaian["实质公开率等级"] == "正常"
    assert huaian["实质公开率排名"].endswith("/3")  # ranked among the three 2024 city governments
    assert rows["北沟镇-2020.xlsx"]["实质公开率等级"] == "样本不足" and rows["北沟镇-2020.xlsx"]["实质公开率排名"] == ""
    assert rows["注入-2024.xlsx"]["机关名称"].startswith("'=HYPERLINK")
    ws = load_workbook(out / "指标.xlsx")["指标"]
    cells = [c for line in ws.iter_rows(min_row=2) for c in line]
    assert cells and all(c.data_type != "f" for c in cells)
    assert '\'=HYPERLINK("http://evil.example","点我")' in [c.value for c in cells]


def test_config_thresholds_change_the_levels(tmp_path: Path) -> None:
    write(tmp_path / "in" / "淮安市-2024.xlsx", example_data("huaian-2024"))
    config = tmp_path / "xlpy.toml"
    config.write_text('[workspace.indicators."实质公开率"]\nred = 0.7\nyellow = 0.8\n', encoding="utf-8")
    args = ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "--config", str(config)]
    assert run(args, io.StringIO(), io.StringIO()) == 0
    with open(tmp_path / "out" / "指标.csv", encoding="utf-8-sig", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["实质公开率等级"] == "预警"  # 59.5 % is below the configured red line of 70 %


def test_broken_workspace_table_stops_before_any_workbook(tmp_path: Path) -> None:
    write(tmp_path / "in" / "淮安市-2024.xlsx", example_data("huaian-2024"))
    config = tmp_path / "xlpy.toml"
    config.write_text('[workspace.indicators."不存在的指标"]\nred = 1\n', encoding="utf-8")
    err = io.StringIO()
    args = ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "--config", str(config)]
    assert run(args, io.StringIO(), err) == 2
    assert "不存在的指标" in err.getvalue() and "Traceback" not in err.getvalue()
    assert not (tmp_path / "out" / "summary.xlsx").exists()


def test_batch_and_workspace_on_sqlite_give_the_same_sums_and_rates(tmp_path: Path) -> None:
    """The same two workbooks through `xlpy batch` and through a real SQLite workspace under one parent."""
    from tests.test_workspace_store import submit
    from tests.workspace_support import REGION
    from xlpy.reader import read_any
    from xlpy.workspace import dashboard, rollup
    from xlpy.workspace.database import open_database
    from xlpy.workspace.options import Options
    from xlpy.workspace.store import Store

    files = {
        "A": write(tmp_path / "in" / "淮安区-2024.xlsx", example_data("huaian-2024")),
        "B": write(tmp_path / "in" / "清江浦区-2024.xlsx", variant("huaian-2024", _renamed_low)),
    }
    assert run(["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q"], io.StringIO(), io.StringIO()) == 1
    from_batch = _rollup(tmp_path / "out", 2024)
    store = Store(open_database(f"sqlite:///{tmp_path / 'workspace.db'}"))
    try:
        store.save_agencies(REGION)
        for agency, path in files.items():
            submit(store, agency, read_any(path).instance)
        from_store = rollup.collect(store, REGION[0], 2024)
        board = {r["id"]: r for r in dashboard.region(store, "C", 2024)["agencies"]}
    finally:
        store.engine.dispose()
    assert from_store.included == ["A", "B"]
    for part in ("s2", "s3", "s4"):
        assert from_batch["data"][part] == from_store.instance[part], part
    assert sorted(f["rule"] for f in from_batch["findings"]) == sorted(f["rule"] for f in from_store.findings) != []
    with open(tmp_path / "out" / "指标.csv", encoding="utf-8-sig", newline="") as fh:
        rates = {Path(r["文件"]).name: r for r in csv.DictReader(fh)}
    labels = {s["id"]: s["label"] for s in Options().indicator_specs()}
    for agency, path in files.items():
        for iid, label in labels.items():
            value = board[agency]["indicators"][iid]["value"]
            assert rates[path.name][f"{label}（%）"] == (str(round(100 * value, 1)) if value is not None else ""), iid
    assert rates[files["A"].name]["实质公开率等级"] == "正常" and rates[files["B"].name]["实质公开率等级"] == "预警"
    assert rates[files["A"].name]["实质公开率排名"] == "1/2" and rates[files["B"].name]["实质公开率排名"] == "2/2"

"""The validation pipeline end to end: the examples' exact findings, explanations, cross-year, configuration."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xlpy.cli import run
from xlpy.config import Config
from xlpy.reader import read_json, read_workbook
from xlpy.verdict import Verdict, check


def validate(data: Any, **kwargs: Any) -> Verdict:
    """The verdict under the default configuration (the core reads no environment)."""
    return check(data, config=Config(), **kwargs)


def xlpy(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_huaian_is_clean(example_xlsx: Callable[[str], Path]) -> None:
    """淮安 2024: every 勾稽 relation holds and the narrative agrees with the tables — nothing may fire."""
    report = validate(read_workbook(example_xlsx("huaian-2024")))
    assert report.report.flatten("rule", "cell") == []
    assert report.final_ok and report.exit_code == 0


def test_beigou_findings_are_exactly_the_expected_ones(example_xlsx: Callable[[str], Path]) -> None:
    """北沟镇 2020: all-zero tables, so no 勾稽 rule fires. The only finding is real:
    X-3 — a township is a 人民政府, and the seed reports 考核 but not 社会评议 or 责任追究."""
    report = validate(read_workbook(example_xlsx("beigou-2020")))
    assert report.report.flatten("rule", "severity", "cell") == [("X-3", "error", "六、其他事项!B4")]
    assert "社会评议" in report.report.findings[0].message and "责任追究" in report.report.findings[0].message
    assert report.exit_code == 1


def test_skipped_cross_year_rules_are_reported(example_xlsx: Callable[[str], Path]) -> None:
    report = validate(read_workbook(example_xlsx("huaian-2024")))
    skipped = {s["rule"] for s in report.report.skipped}
    assert {"C-1", "C-2", "C-4", "C-5"} <= skipped


def _with_warning(instance: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    data = instance("huaian-2024")
    parts = data["text"]["overview"]["parts"]
    i = next(i for i, p in enumerate(parts) if "行政复议351件" in p["body"])
    parts[i]["body"] = parts[i]["body"].replace("行政复议351件", "行政复议352件")  # the table says 351: N-5
    return data


def test_explained_warning_no_longer_blocks(
    instance: Callable[[str], dict[str, Any]], make_workbook: Callable[..., Path]
) -> None:
    data = _with_warning(instance)
    report = validate(read_workbook(make_workbook(data)))
    assert [(f.rule, f.severity) for f in report.report.findings] == [("N-5", "warning")]
    assert report.exit_code == 1
    location = report.report.findings[0].location
    data["explanations"] = [{"rule": "N-5", "location": location, "text": "文字中的维持数含上年结转案件"}]
    explained = validate(read_workbook(make_workbook(data)))
    assert (
        explained.report.findings[0].explained
        and explained.report.findings[0].explanation == "文字中的维持数含上年结转案件"
    )
    assert explained.report.summary == {"errors": 0, "warnings": 0, "hints": 0, "explained": 1}
    assert explained.final_ok and explained.exit_code == 0


def test_explanation_matches_loosely_typed_locations(
    instance: Callable[[str], dict[str, Any]], make_workbook: Callable[..., Path]
) -> None:
    data = _with_warning(instance)
    location = validate(read_workbook(make_workbook(data))).report.findings[0].location
    sheet, cell = location.split("!")
    data["explanations"] = [{"rule": "n-5", "location": f" '{sheet}'！${cell.lower()} ", "text": "口径不同"}]
    assert validate(read_workbook(make_workbook(data))).final_ok


def test_errors_cannot_be_explained(
    instance: Callable[[str], dict[str, Any]], make_workbook: Callable[..., Path]
) -> None:
    data = instance("huaian-2024")
    data["s4"]["review"]["total"] = 350
    report = validate(read_workbook(make_workbook(data)))
    r_s4 = next(f for f in report.report.findings if f.rule == "R-S4-1")
    data["explanations"] = [{"rule": "R-S4-1", "location": r_s4.location, "text": "我们认为没问题"}]
    again = validate(read_workbook(make_workbook(data)))
    still = next(f for f in again.report.findings if f.rule == "R-S4-1")
    assert not still.explained and again.exit_code == 1


def test_explanation_for_json_input_uses_the_field_path(instance: Callable[[str], dict[str, Any]]) -> None:
    data = _with_warning(instance)
    finding = validate(read_json(data)).report.findings[0]
    data["explanations"] = [{"rule": "N-5", "location": finding.paths[0], "text": "口径不同"}]
    assert validate(read_json(data)).final_ok


def test_cross_year_with_last_year_workbook(
    instance: Callable[[str], dict[str, Any]], make_workbook: Callable[..., Path], tmp_path: Path
) -> None:
    this = instance("huaian-2024")
    last = instance("huaian-2024")
    last["meta"]["year"], last["meta"]["date"] = 2023, "2024-03-20"
    last["s3"]["carried_forward"]["natural_person"] = 30  # this year's 上年结转 says 34
    last["s3"]["carried_forward"]["total"] = 30
    last_path = make_workbook(last, name="last.xlsx")
    this_path = make_workbook(this, name="this.xlsx")
    report = validate(this_path, last_year=last_path)
    c1 = [f for f in report.report.findings if f.rule == "C-1"]
    assert {f.cells[0] for f in c1} == {"表三!D9", "表三!J9"}
    assert all(f.last_year == 30 for f in c1)
    assert "C-1" not in {s["rule"] for s in report.report.skipped}


def test_cross_year_across_the_version_change(instance: Callable[[str], dict[str, Any]], tmp_path: Path) -> None:
    """2020 (version 2019) → 2021 (version 2021): C-1 compares 结转 column by column."""
    last = instance("beigou-2020")
    last["s3"]["carried_forward"]["natural_person"] = 2
    last["s3"]["carried_forward"]["total"] = 2
    this = instance("huaian-2024")
    this["meta"]["year"], this["meta"]["date"] = 2021, "2022-03-20"
    (tmp_path / "last.json").write_text(json.dumps(last, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "this.json").write_text(json.dumps(this, ensure_ascii=False), encoding="utf-8")
    code, out, _ = xlpy(
        "validate", str(tmp_path / "this.json"), "--last-year", str(tmp_path / "last.json"), "--format", "json"
    )
    c1 = [f for f in json.loads(out)["findings"] if f["rule"] == "C-1"]
    assert {f["paths"][0] for f in c1} == {"s3.carried_over.natural_person", "s3.carried_over.total"}
    assert code == 1


def test_unusable_last_year_file(example_xlsx: Callable[[str], Path], tmp_path: Path) -> None:
    code, out, err = xlpy("validate", str(example_xlsx("huaian-2024")), "--last-year", str(tmp_path / "nope.xlsx"))
    assert code == 2 and "上年度文件" in out + err and "nope.xlsx" in out + err


def test_configuration_regrades_and_is_shown(example_xlsx: Callable[[str], Path], tmp_path: Path) -> None:
    config = tmp_path / "xlpy.toml"
    config.write_text('[rules."X-3"]\nseverity = "warning"\n', encoding="utf-8")
    code, out, _ = xlpy("validate", str(example_xlsx("beigou-2020")), "--format", "json", "--config", str(config))
    report = json.loads(out)
    assert [(f["rule"], f["severity"]) for f in report["findings"]] == [("X-3", "warning")]
    assert report["config"]["rules"] == {"X-3": {"severity": "warning"}}
    assert report["config"]["file"] == str(config)
    config.write_text('[rules."X-3"]\nenabled = false\n', encoding="utf-8")
    code, out, _ = xlpy("validate", str(example_xlsx("beigou-2020")), "--format", "json", "--config", str(config))
    assert code == 0 and json.loads(out)["findings"] == []


def test_schema_rule_can_be_regraded(
    make_workbook: Callable[..., Path], instance: Callable[[str], dict[str, Any]], tmp_path: Path
) -> None:
    wb = make_workbook(instance("huaian-2024"), {"meta.contact_phone": "12345"})
    data = instance("huaian-2024")
    data["s4"]["review"]["pending"] = None
    wb = make_workbook(data)
    config = tmp_path / "c.toml"
    config.write_text('[rules."R-S4-2"]\nseverity = "warning"\n', encoding="utf-8")
    _, out, _ = xlpy("validate", str(wb), "--format", "json", "--config", str(config))
    f = [x for x in json.loads(out)["findings"] if x["rule"] == "R-S4-2"]
    assert f and f[0]["severity"] == "warning"


def test_broken_config_is_unusable(example_xlsx: Callable[[str], Path], tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[rules."Z-9"]\nseverity = "error"\n', encoding="utf-8")
    code, _, err = xlpy("validate", str(example_xlsx("huaian-2024")), "--config", str(config))
    assert code == 2 and "bad.toml" in err


def test_f0_json_carries_the_finding(instance: Callable[[str], dict[str, Any]], tmp_path: Path) -> None:
    data = instance("huaian-2024")
    data["meta"]["year"] = 2020
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out, _ = xlpy("validate", str(path), "--format", "json")
    report = json.loads(out)
    assert code == 2 and report["final_ok"] is False
    assert [f["rule"] for f in report["findings"]][:1] == ["F-0"] or "F-0" in [f["rule"] for f in report["findings"]]


def test_a_crashing_rule_never_reads_as_passed(
    example_xlsx: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A defect in a checker is reported as an incomplete check (exit 2), not silently skipped into 通过."""
    from xlpy.rules.context import CHECKERS

    def broken(ctx: Any, rule: Any) -> Any:
        raise ZeroDivisionError("boom")

    monkeypatch.setitem(CHECKERS, "N-1", broken)
    report = validate(read_workbook(example_xlsx("huaian-2024")))
    assert report.report.incomplete and not report.final_ok and report.exit_code == 2
    assert any(s["rule"] == "N-1" and "ZeroDivisionError" in s["reason"] for s in report.report.skipped)
    assert report.status_line.startswith("校验未完成") and report.report.crashed == ["N-1"]


def test_register_disk_cache_restores_checkers(tmp_path: Path) -> None:
    """A cold process that loads the compiled register from the disk cache still runs every checker."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "XLPY_CACHE_DIR": str(tmp_path)}
    example = Path(__file__).parent.parent / "workbook" / "examples" / "beigou-2020.xlsx"
    runs = [
        subprocess.run(
            [sys.executable, "-m", "xlpy", "validate", str(example), "--format", "json"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        for _ in range(2)
    ]
    assert list(tmp_path.glob("register-2019-*.pickle"))
    for run_ in runs:
        report = json.loads(run_.stdout)
        assert [f["rule"] for f in report["findings"]] == ["X-3"]
        assert not report["incomplete"]


def test_long_number_heavy_text_does_not_hang(instance: Callable[[str], dict[str, Any]]) -> None:
    """A 50,000-character paragraph full of numbers (a cell holds up to 32,767) is checked in bounded time.

    Finding a number's neighbours once scanned every number per number (n²): 26,000 characters took
    18 s. The bound below is ~50× the current cost, a guard against that shape returning, not a benchmark.
    """
    import time

    data = instance("huaian-2024")
    data["text"]["s3_lead"] = ("申请" + "1，2，3，" * 10 + "件") * 1600
    started = time.monotonic()
    validate(read_json(data))
    assert time.monotonic() - started < 15


def test_empty_overview_blocks_the_final_report(instance: Callable[[str], dict[str, Any]]) -> None:
    """X-5: 一、总体情况 with a blank lead and blank part bodies (titles alone) is an error; any text clears it."""
    data = instance("huaian-2024")
    data["text"]["overview"] = {"lead": " ", "parts": [{"title": "主动公开", "body": ""}]}
    report = validate(read_json(data))
    x5 = [f for f in report.report.findings if f.rule == "X-5"]
    assert [(f.severity, f.section, f.paths[0]) for f in x5] == [("error", "一", "text.overview.lead")]
    assert report.exit_code == 1 and report.refusal() is not None
    data["text"]["overview"]["parts"][0]["body"] = "全年主动公开政府信息120条。"
    assert "X-5" not in {f.rule for f in validate(read_json(data)).report.findings}


def test_explanation_matches_any_cell_of_the_warning(
    instance: Callable[[str], dict[str, Any]], make_workbook: Callable[..., Path]
) -> None:
    """A 说明 may name any one of the warning's cells, with or without the sheet; a row matching nothing is E-1."""
    data = _with_warning(instance)
    warning = validate(read_workbook(make_workbook(data))).report.findings[0]
    assert len(warning.cells) >= 2  # the text cell, then the 表四 cells it disagrees with
    other = warning.cell_refs[1]
    for location in (str(other), other.coordinate, f"'{other.sheet}'!${other.coordinate}"):
        data["explanations"] = [{"rule": "N-5", "location": location, "text": "口径不同"}]
        assert validate(read_workbook(make_workbook(data))).final_ok, location
    data["explanations"] = [{"rule": "N-5", "location": "表三!Z99", "text": "写错了位置的说明"}]
    report = validate(read_workbook(make_workbook(data)))
    hints = [f for f in report.report.findings if f.rule == "E-1"]
    assert [f.severity for f in hints] == ["hint"] and not report.final_ok  # the warning stays unexplained
    assert "N-5" in hints[0].message and "表三!Z99" in hints[0].message and "写错了位置的说明" in hints[0].message
    assert hints[0].values["location"] == "表三!Z99"


def test_blank_workbook_one_finding_per_table_in_text_every_cell_in_json(tmp_path: Path) -> None:
    """A new, unfilled workbook: the text says "表三有 175 个空白单元格…空白填0" once; JSON keeps all 175."""
    path = tmp_path / "空白.xlsx"
    assert xlpy("new", "--year", "2024", "--org", "测试局", "-o", str(path))[0] == 0
    code, text, _ = xlpy("validate", str(path))
    assert code == 1
    s3 = [line for line in text.splitlines() if "R-S3-4" in line]
    assert len(s3) == 1 and "表三有 175 个空白单元格：表三!D8、" in text and "空白填0" in text
    assert text.count("未填写。空白不等于 0") == 0  # no per-cell lines for the grouped tables
    code, out, _ = xlpy("validate", str(path), "--format", "json")
    cells = [f["cells"][0] for f in json.loads(out)["findings"] if f["rule"] == "R-S3-4"]
    assert code == 1 and len(cells) == len(set(cells)) == 175

"""The hierarchy rules H-1, H-2, H-3 (schemas/rules/hierarchy.yaml): the register's entries, the data-driven cases of
tests/cases/hierarchy/ on a real SQLite workspace, and H-3 in `xlpy batch`'s roll-up of real workbooks."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_batch import example_data, write
from tests.test_workspace_store import huaian, submit
from tests.workspace_support import REGION
from xlpy.cli import run
from xlpy.rules.register import load_register
from xlpy.schema import lookup
from xlpy.workspace import rollup
from xlpy.workspace.database import open_database
from xlpy.workspace.options import Options
from xlpy.workspace.store import Store

CASES = Path(__file__).parent / "cases" / "hierarchy"
NAMES = {a["id"]: a["name"] for a in REGION}


def _cases() -> list[Any]:
    out = []
    for file in sorted(CASES.glob("H-*.json")):
        spec = json.loads(file.read_text(encoding="utf-8"))
        out += [pytest.param(spec["rule"], case, id=f"{spec['rule']}: {case['name']}") for case in spec["cases"]]
    return out


def test_every_rollup_rule_of_the_register_has_a_passing_and_a_failing_case() -> None:
    rollup_rules = {r.id for r in load_register("2021").rules if r.kind == "rollup"}
    kinds: dict[str, set[str]] = {}
    for param in _cases():
        rule, case = param.values
        kinds.setdefault(rule, set()).add("fail" if case["expect"] else "pass")
    assert rollup_rules == {"H-1", "H-2", "H-3"}
    assert all(kinds.get(r) == {"pass", "fail"} for r in rollup_rules), kinds


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_each_hierarchy_rule_is_a_register_entry_with_a_template(version: str) -> None:
    register = load_register(version)
    for rid in ("H-1", "H-2", "H-3"):
        rule = register.by_id[rid]
        assert (rule.kind, rule.section, rule.scope, rule.severity) == ("rollup", "汇总", "辖区汇总", "warning")
        assert rule.message and "{" in rule.message and (CASES / f"{rid}.json").is_file()


def _report(agency: str, spec: dict[str, Any], store: Store) -> dict[str, Any]:
    data = huaian()
    data["meta"]["org_name"] = NAMES[spec.get("org_name_of", agency)]  # each agency's own name unless told
    data["meta"]["contact_person"] = f"{agency} 填报人"  # each agency's own file, whatever its name
    if spec.get("sum_of_children"):
        summed = rollup.collect(store, REGION[0], 2024).instance
        data.update({part: copy.deepcopy(summed[part]) for part in ("s2", "s3", "s4")})
    for path, delta in spec.get("add", {}).items():
        *parents, leaf = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[leaf] = lookup(data, path) + delta
    return data


@pytest.mark.parametrize(("rule", "case"), _cases())
def test_hierarchy_case(rule: str, case: dict[str, Any], tmp_path: Path) -> None:
    store = Store(open_database(str(tmp_path / "workspace.db")))
    try:
        store.save_agencies(REGION)
        files: dict[str, bytes] = {}
        for step in ("submit", "again"):
            for agency, spec in case.get(step, {}).items():
                data = _report(agency, spec, store)
                raw = files.get(spec.get("same_file_as", ""))
                if raw is not None:
                    data = json.loads(raw)
                raw = json.dumps(data, ensure_ascii=False).encode()
                files[agency] = raw
                submit(store, agency, data, raw)
        options = Options(
            region_totals=tuple(case.get("region_totals", ())), region_total_tolerance=case.get("tolerance", 0)
        )
        found = [h for h in rollup.collect(store, REGION[0], 2024, options).hierarchy if h["rule"] == rule]
        assert [[h["rule"], h["agencies"]] for h in found] == case["expect"]
        for h in found:
            assert h["section"] == "汇总" and h["severity"] == "warning" and "{" not in h["message"]
        if "message_contains" in case:
            assert case["message_contains"] in found[0]["message"]
    finally:
        store.engine.dispose()


def _batch(tmp_path: Path, names: dict[str, str]) -> dict[str, Any]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for file, org in names.items():
        data = example_data("huaian-2024")
        data["meta"]["org_name"] = org
        write(inbox / file, data)
    out = tmp_path / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    assert run(["batch", str(inbox), "-o", str(out), "-q", "--jobs", "1"], stdout, stderr) == 0, stderr.getvalue()
    body: dict[str, Any] = json.loads((out / "汇总-2024.json").read_text(encoding="utf-8"))
    return body


def test_batch_rollup_names_two_workbooks_of_one_agency_as_h3(tmp_path: Path) -> None:
    body = _batch(
        tmp_path,
        {"甲-2024.xlsx": "淮安区人民政府", "甲-更正-2024.xlsx": "淮安区 人民政府", "乙-2024.xlsx": "清江浦区人民政府"},
    )
    assert [h["rule"] for h in body["hierarchy"]] == ["H-3"]
    h3 = body["hierarchy"][0]
    assert sorted(Path(f).name for f in h3["agencies"]) == ["甲-2024.xlsx", "甲-更正-2024.xlsx"]
    assert h3["severity"] == "warning" and h3["section"] == "汇总"
    assert "是同一机构同一年度的两份以上当前年报（机关名称和年度（2024）相同的工作簿）" in h3["message"]


def test_batch_rollup_of_distinct_agencies_has_no_h3(tmp_path: Path) -> None:
    body = _batch(tmp_path, {"甲-2024.xlsx": "淮安区人民政府", "乙-2024.xlsx": "清江浦区人民政府"})
    assert body["hierarchy"] == [] and body["duplicates"] == []


def test_the_configs_rules_table_grades_hierarchy_rules_as_it_grades_the_others(tmp_path: Path) -> None:
    from xlpy.config import parse_config

    config = parse_config({"rules": {"H-2": {"enabled": False}, "H-3": {"severity": "error"}}})
    store = Store(open_database(str(tmp_path / "workspace.db")))
    try:
        store.save_agencies(REGION)
        submit(store, "A", huaian())
        submit(store, "T", huaian())  # the same file as A's (H-3); B has not submitted (H-2)
        plain = rollup.collect(store, REGION[0], 2024)
        assert [(h["rule"], h["severity"]) for h in plain.hierarchy] == [("H-2", "warning"), ("H-3", "warning")]
        graded = rollup.collect(store, REGION[0], 2024, config=config)
        assert [(h["rule"], h["severity"]) for h in graded.hierarchy] == [("H-3", "error")]
    finally:
        store.engine.dispose()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for file in ("甲-2024.xlsx", "甲-重交-2024.xlsx"):
        write(inbox / file, example_data("huaian-2024"))
    toml = tmp_path / "xlpy.toml"
    toml.write_text('[rules."H-3"]\nseverity = "error"\n', encoding="utf-8")
    out = tmp_path / "out"
    code = run(
        ["batch", str(inbox), "-o", str(out), "-q", "--jobs", "1", "--config", str(toml)], io.StringIO(), io.StringIO()
    )
    assert code == 0
    body = json.loads((out / "汇总-2024.json").read_text(encoding="utf-8"))
    assert [(h["rule"], h["severity"]) for h in body["hierarchy"]] == [("H-3", "error")]

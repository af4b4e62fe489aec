"""The rule register: every rules.md ID present, compiled per version, schema-path mapping, and broken files refused."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.rules_support import missing_checkers, register_for
from xlpy.errors import RegisterError
from xlpy.resources import load_json
from xlpy.rules import register as reg_mod

RULES_MD = [
    "R-S3-1",
    "R-S3-2",
    "R-S3-3",
    "R-S3-4",
    "R-S2-1",
    "R-S2-2",
    "R-S2-4",
    "R-S4-1",
    "R-S4-2",
    "N-1",
    "N-2",
    "N-3",
    "N-4",
    "N-5",
    "N-6",
    "N-7",
    "N-9",
    "N-10",
    "X-1",
    "X-2",
    "X-3",
    "X-4",
    "C-1",
    "C-2",
    "C-3",
    "C-4",
    "C-5",
    "F-0",
    "F-4",
    "M-1",
    "D-1",
]
ONLY = {"R-S2-4": "2019", "C-3": "2019", "X-1": "2021", "X-2": "2021", "C-2": "2021", "F-4": "2021"}
MISSING = missing_checkers()
needs_all_checkers = pytest.mark.skipif(bool(MISSING), reason=f"checkers not written yet: {sorted(MISSING)}")


def _full(version: str) -> dict[str, Any]:
    """All entries of the register for a version, including rules whose checker is still missing."""
    return {
        e["id"]: e
        for _, e in reg_mod.read_files(sorted(reg_mod.rules_dir().glob("*.yaml")))
        if version in e["versions"]
    }


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_every_rules_md_id_is_declared_for_its_versions(version: str) -> None:
    declared = _full(version)
    expected = {r for r in RULES_MD if ONLY.get(r, version) == version}
    assert expected <= set(declared)
    assert not {r for r in ONLY if ONLY[r] != version} & set(declared)


def test_narrative_and_text_rules_are_checkers_named_by_id() -> None:
    entries = {**_full("2019"), **_full("2021")}
    for rid in [r for r in RULES_MD if r.startswith(("N-", "X-"))] + ["C-4"]:
        assert entries[rid]["kind"] == "checker" and entries[rid]["checker"] == rid


def test_locality_rule_is_new_and_off_by_default() -> None:
    entry = _full("2021")["L-1"]
    assert "L-1" not in RULES_MD and entry["enabled"] is False and entry["enabled_by"] == "require_proposals"


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_rules_have_chinese_titles_and_valid_fields(version: str) -> None:
    reg = register_for(version)
    for rule in reg.rules:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in rule.title), rule.id
        assert rule.severity in ("error", "warning", "hint")
        if rule.kind == "arithmetic":
            assert rule.instances and rule.message


def test_domains_derived_from_the_schema() -> None:
    r19, r21 = register_for("2019"), register_for("2021")
    assert len(r19.by_id["R-S3-3"].instances) == 23 and len(r21.by_id["R-S3-3"].instances) == 25
    assert [i.binding["col"] for i in r21.by_id["R-S3-1"].instances] == [
        "natural_person",
        "commercial",
        "research",
        "public_interest",
        "legal_service",
        "other",
        "total",
    ]
    assert [i.titles["grp"] for i in r21.by_id["R-S4-1"].instances] == [
        "行政复议",
        "行政诉讼 未经复议直接起诉",
        "行政诉讼 复议后起诉",
    ]
    assert len(r19.by_id["C-3"].instances) == 5  # rows of 表二 that have 上一年项目数量
    # R-S3-2: （六） is one row in 2019 and three in 2021
    assert len(r19.by_id["R-S3-2"].instances[0].rhs) == 19 and len(r21.by_id["R-S3-2"].instances[0].rhs) == 21


@pytest.mark.parametrize(
    ("version", "path", "rule"),
    [
        ("2021", "s3.results.total.total", "R-S3-4"),
        ("2021", "s3", "R-S3-4"),
        ("2021", "s4.litigation.direct.pending", "R-S4-2"),
        ("2021", "s2.art20_8.unit", "F-4"),
        ("2021", "s2.art20_8.fees.amount", "R-S2-1"),
        ("2019", "s2.art20_9.unit", "R-S2-4"),
        ("2019", "s2.art20_8.fees.change", "R-S2-1"),
        ("2019", "meta.date", "M-1"),
        ("2019", "meta", "M-1"),
        ("2021", "format_version", "F-0"),
        ("2021", "text.other", None),
        ("2021", "", None),
        ("2021", "s30.x", None),
    ],
)
def test_schema_rule_for_longest_prefix(version: str, path: str, rule: str | None) -> None:
    found = register_for(version).schema_rule_for(path)
    assert (found.id if found else None) == rule


def test_meta_schema_is_draft_2020_12() -> None:
    from jsonschema import Draft202012Validator

    meta = load_json("meta/rule-register.schema.json")
    Draft202012Validator.check_schema(meta)
    assert meta["$defs"]["rule"]["additionalProperties"] is False


@needs_all_checkers
def test_load_register_is_cached_and_complete() -> None:
    assert reg_mod.load_register("2021") is reg_mod.load_register("2021")
    assert set(RULES_MD) <= reg_mod.all_rule_ids()


@needs_all_checkers
def test_rules_command_lists_the_register() -> None:
    from xlpy.cli import run

    out = io.StringIO()
    assert run(["rules", "--format", "json", "--version", "2019"], out, io.StringIO()) == 0
    rows = json.loads(out.getvalue())["rules"]
    assert {r["id"] for r in rows} >= {r for r in RULES_MD if ONLY.get(r, "2019") == "2019"}
    assert all(set(r) >= {"id", "severity", "versions", "title"} for r in rows)
    text = io.StringIO()
    assert run(["rules"], text, io.StringIO()) == 0
    assert "R-S3-1" in text.getvalue() and "错误" in text.getvalue() and "（未启用）" in text.getvalue()


# ---------------------------------------------------------------- broken registers


GOOD: dict[str, Any] = {
    "id": "T-1",
    "title": "测试规则",
    "severity": "error",
    "versions": ["2021"],
    "scope": "表四",
    "section": "四",
    "kind": "arithmetic",
    "expr": "s4.review.total == s4.review.upheld",
    "message": "总计 {lhs}，维持 {rhs}",
}


def _build(tmp_path: Path, *entries: dict[str, Any], raw: str | None = None) -> reg_mod.Register:
    file = tmp_path / "broken.yaml"
    file.write_text(
        raw if raw is not None else yaml.safe_dump({"rules": list(entries)}, allow_unicode=True), encoding="utf-8"
    )
    return reg_mod.build_register("2021", [file], checkers={"OK": None})


def test_a_good_file_builds(tmp_path: Path) -> None:
    reg = _build(tmp_path, GOOD)
    assert reg.by_id["T-1"].instances and reg.slots == ("s4.review.total", "s4.review.upheld")


def test_file_level_messages_reach_every_rule_of_the_file(tmp_path: Path) -> None:
    """A file's shared templates (narrative.yaml's "blank") are in each rule's messages; a rule's own wins."""
    own = {**GOOD, "id": "T-2", "messages": {"blank": "自己的", "other": "另一条"}}
    raw = yaml.safe_dump({"messages": {"blank": "共用的"}, "rules": [GOOD, own]}, allow_unicode=True)
    reg = _build(tmp_path, raw=raw)
    assert reg.by_id["T-1"].messages == {"blank": "共用的"}
    assert reg.by_id["T-2"].messages == {"blank": "自己的", "other": "另一条"}
    assert "文字“{fragment}”" in reg_mod.load_register("2021").by_id["N-7"].messages["blank"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"sevrity": "error"}, "未知字段 sevrity"),
        ({"severity": "fatal"}, "fatal"),
        ({"expr": "s4.review.total == s4.review.nope"}, "s4.review.nope"),
        ({"expr": "s4.review.total == meta.org_name"}, "不是数值"),
        ({"expr": "s4.review.total == s4.*.zzz"}, "没有匹配"),
        ({"expr": "s4.{grp}.total == 0"}, "占位符"),
        ({"expr": "s4.review.total + 1"}, "比较运算符"),
        ({"message": "总计 {lhs}，{nope}"}, "{nope}"),
        ({"kind": "checker", "checker": "NOPE", "expr": None, "message": None}, "NOPE"),
        ({"kind": "schema", "paths": ["s4.nothing"], "expr": None}, "s4.nothing"),
        ({"versions": ["2030"]}, "2030"),
        ({"status": "retired"}, "reason"),
        ({"params": {"fields": ["s9.x"]}}, "s9.x"),
        ({"for_each": {"grp": {"rows_of": "s9"}}, "expr": "s4.{grp}.total == 0"}, "s9"),
    ],
)
def test_broken_entry_names_file_and_rule(tmp_path: Path, change: dict[str, Any], problem: str) -> None:
    entry = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    with pytest.raises(RegisterError) as info:
        _build(tmp_path, entry)
    assert "broken.yaml" in info.value.message and "T-1" in info.value.message
    assert problem in info.value.message
    assert info.value.details["rule"] == "T-1"


def test_duplicate_id(tmp_path: Path) -> None:
    with pytest.raises(RegisterError, match=r"broken\.yaml:\d+（规则 T-1）：规则编号重复"):
        _build(tmp_path, GOOD, {**GOOD, "title": "另一条"})


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    raw = "rules:\n  - id: T-1\n    title: 测试\n    title: 又一个\n"
    with pytest.raises(RegisterError, match=r"broken\.yaml:4.*重复的键"):
        _build(tmp_path, raw=raw)


def test_yaml_syntax_error(tmp_path: Path) -> None:
    with pytest.raises(RegisterError, match=r"broken\.yaml:\d+.*YAML"):
        _build(tmp_path, raw="rules: [\n  - id: T-1\n")


def test_missing_required_field_names_rule(tmp_path: Path) -> None:
    entry = {k: v for k, v in GOOD.items() if k != "scope"}
    with pytest.raises(RegisterError, match=r"（规则 T-1）.*缺少必填字段"):
        _build(tmp_path, entry)


def test_checker_must_be_registered_by_name(tmp_path: Path) -> None:
    entry = {**{k: v for k, v in GOOD.items() if k != "expr"}, "kind": "checker", "checker": "OK", "message": None}
    assert _build(tmp_path, entry).by_id["T-1"].checker == "OK"


def test_other_version_rules_are_not_compiled(tmp_path: Path) -> None:
    # a 2019-only rule naming a 2019-only field must not break the 2021 register
    entry = {**GOOD, "versions": ["2019"], "expr": "s2.art20_9.procurement.count == 0"}
    assert "T-1" not in _build(tmp_path, entry).by_id

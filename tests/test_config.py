"""Deployment configuration: loading (file, --config, XLPY_CONFIG), checks, and its effect on the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules_support import apply, run_rules, zero_instance
from xlpy.config import EXAMPLE, Config, load_config, parse_config
from xlpy.errors import RegisterError
from xlpy.model import Finding
from xlpy.rules.engine import apply_config


def _write(tmp_path: Path, text: str, name: str = "xlpy.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_change_nothing() -> None:
    cfg = load_config(None, env={})
    assert cfg == Config() or (cfg.file is None and not cfg.rules and cfg.templates_dir is None)
    d = cfg.to_dict()
    assert d["file"] is None and d["rules"] == {} and d["options"]["require_proposals"] is False
    assert d["options"]["deadlines"]["县级人民政府"] == "03-31"  # the active deadlines are shown in full


def test_example_config_is_valid(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, EXAMPLE), env={})
    assert cfg.rules["N-1"].severity == "error" and cfg.rules["C-4"].enabled is False
    assert cfg.options["require_proposals"] is True
    assert cfg.templates_dir == str(tmp_path / "my-templates")
    assert cfg.to_dict()["options"]["deadlines"]["乡镇人民政府"] == "02-15"
    assert cfg.deadline("乡镇人民政府") == "02-15" and cfg.deadline("县级人民政府") == "03-31"


def test_search_order_flag_then_env(tmp_path: Path) -> None:
    a = _write(tmp_path, '[rules."C-5"]\nenabled = false\n', "a.toml")
    b = _write(tmp_path, '[rules."C-1"]\nenabled = false\n', "b.toml")
    assert load_config(a, env={"XLPY_CONFIG": str(b)}).file == str(a)
    assert load_config(None, env={"XLPY_CONFIG": str(b)}).file == str(b)


def test_server_table_belongs_to_the_server(tmp_path: Path) -> None:
    assert load_config(_write(tmp_path, "[server]\nmax_upload_bytes = 10\n"), env={}).rules == {}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("colour = 1\n", "未知的配置项 colour"),
        ('[rules."Z-9"]\nseverity = "error"\n', "未知的规则编号 Z-9"),
        ('[rules."N-1"]\nseverity = "fatal"\n', "severity"),
        ('[rules."N-1"]\nenabled = "no"\n', "enabled"),
        ('[rules."N-1"]\nlevel = 1\n', "level"),
        ('[rules."C-5"]\nparams = {speed = 3}\n', "params"),
        ('[rules."C-5"]\nparams = {fields = ["s3"]}\n', "params"),
        ("[options]\nrequire_proposal = true\n", "require_proposal"),
        ("[options]\nrequire_proposals = 1\n", "require_proposals"),
        ('[options.deadlines]\n"乡政府" = "01-31"\n', "乡政府"),
        ('[options.deadlines]\n"乡镇人民政府" = "1月31日"\n', "MM-DD"),
        ('[options.deadlines]\n"乡镇人民政府" = "13-01"\n', "MM-DD"),
        ("templates_dir = 3\n", "templates_dir"),
        ("rules = [1]\n", "[rules]"),
        ("not toml = = =\n", "TOML"),
    ],
)
def test_bad_config_names_the_file(tmp_path: Path, text: str, problem: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(RegisterError) as info:
        load_config(path, env={})
    assert str(path) in info.value.message and problem in info.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RegisterError, match="无法读取"):
        load_config(tmp_path / "nope.toml", env={})


def test_regrade_and_disable_in_the_engine() -> None:
    inst = apply(zero_instance("2021"), {"s4.review.total": 1})
    cfg = parse_config({"rules": {"R-S4-1": {"severity": "warning"}}})
    findings, _ = run_rules(inst, "2021", config=cfg, only={"R-S4-1"})
    assert [f.severity for f in findings] == ["warning"]
    cfg = parse_config({"rules": {"R-S4-1": {"enabled": False}}})
    findings, skipped = run_rules(inst, "2021", config=cfg, only={"R-S4-1"})
    assert findings == [] and {"rule": "R-S4-1", "reason": "已在配置中停用", "kind": "not_run"} in skipped


def test_checker_params_and_severity_from_config() -> None:
    this = apply(zero_instance("2021"), {"s3.new_received.total": 40})
    last = apply(zero_instance("2021", 2023), {"s3.new_received.total": 5})
    assert run_rules(this, "2021", last, only={"C-5"})[0]  # ×8 flagged by default
    cfg = parse_config({"rules": {"C-5": {"params": {"factor": 10}, "severity": "hint"}}})
    assert run_rules(this, "2021", last, config=cfg, only={"C-5"})[0] == []
    cfg = parse_config({"rules": {"C-5": {"severity": "hint"}}})
    assert [f.severity for f in run_rules(this, "2021", last, config=cfg, only={"C-5"})[0]] == ["hint"]


def test_require_proposals_enables_l1() -> None:
    inst = zero_instance("2019")
    assert run_rules(inst, "2019", only={"L-1"})[0] == []
    cfg = parse_config({"options": {"require_proposals": True}})
    assert [f.rule for f in run_rules(inst, "2019", config=cfg, only={"L-1"})[0]] == ["L-1"]
    cfg = parse_config({"rules": {"L-1": {"enabled": True}}})
    assert [f.rule for f in run_rules(inst, "2019", config=cfg, only={"L-1"})[0]] == ["L-1"]


def test_deadline_from_config() -> None:
    inst = apply(zero_instance("2021"), {"meta.date": "2025-02-10"})
    assert [f.rule for f in run_rules(inst, "2021", only={"D-1"})[0]] == ["D-1"]
    cfg = parse_config({"options": {"deadlines": {"县级政府部门": "02-28"}}})
    assert run_rules(inst, "2021", config=cfg, only={"D-1"})[0] == []


def test_apply_config_to_schema_findings() -> None:
    from tests.rules_support import register_for

    reg = register_for("2021")
    made = [
        Finding("R-S3-4", "error", "空白", paths=["s3.new_received.total"]),
        Finding("R-S4-2", "error", "空白", paths=["s4.review.total"]),
        Finding("INPUT", "error", "x"),
    ]
    cfg = parse_config({"rules": {"R-S3-4": {"severity": "warning"}, "R-S4-2": {"enabled": False}}})
    out = apply_config(made, reg, cfg)
    assert [(f.rule, f.severity, f.section) for f in out] == [("R-S3-4", "warning", "三"), ("INPUT", "error", "")]

"""Helpers for the rule tests: base instances, dotted overrides, and a register that tolerates missing checkers."""

from __future__ import annotations

import copy
import dataclasses
import json
from functools import cache
from pathlib import Path
from typing import Any

from xlpy import schema
from xlpy.resources import workbook_dir
from xlpy.rules import register as reg_mod
from xlpy.rules.context import RuleContext
from xlpy.rules.engine import run

CASES = Path(__file__).parent / "cases" / "rules"
EXAMPLES = workbook_dir() / "examples"
YEAR = {"2019": 2020, "2021": 2024}  # the report year a zero instance of each version gets


def zero_instance(version: str, year: int | None = None) -> dict[str, Any]:
    """A consistent all-zero report of a version, built from the schema (valid against it)."""
    year = year or YEAR[version]
    inst: dict[str, Any] = {"text": {"overview": {"lead": "", "parts": []}}, "explanations": []}
    for path, f in schema.fields(version).items():
        if f.is_number:
            value: Any = 0
        elif f.kind == "const":
            value = f.schema["const"]
        elif f.kind == "choice":
            value = f.schema["enum"][0]
        else:
            value = ""
        set_path(inst, path, value)
    inst["meta"].update(org_name="测试县某某局", org_type="县级政府部门", year=year, date=f"{year + 1}-01-20")
    return inst


def base_instance(name: str, version: str) -> dict[str, Any]:
    if name == "zero":
        return zero_instance(version)
    data = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    assert data["format_version"] == version, f"{name} is version {data['format_version']}, case wants {version}"
    return data


def set_path(inst: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path, creating objects on the way; the value "$delete" removes the key."""
    *parents, leaf = path.split(".")
    node = inst
    for key in parents:
        node = node.setdefault(key, {})
    if value == "$delete":
        node.pop(leaf, None)
    else:
        node[leaf] = value


def apply(inst: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(inst)
    for path, value in overrides.items():
        set_path(out, path, value)
    return out


def referenced_checkers() -> set[str]:
    entries = reg_mod.read_files(sorted(reg_mod.rules_dir().glob("*.yaml")))
    return {e["checker"] for _, e in entries if e.get("checker")}


def missing_checkers() -> set[str]:
    """Checkers the register names that no module registers yet (another helper writes N-*, X-*, C-4)."""
    return referenced_checkers() - set(reg_mod.import_checkers())


@cache
def register_for(version: str) -> reg_mod.Register:
    """The real register, minus rules whose checker is not written yet (so the rest can be tested)."""
    known = dict(reg_mod.import_checkers())
    stubs = {name: None for name in missing_checkers()}
    full = reg_mod.build_register(version, checkers={**known, **stubs})
    rules = tuple(r for r in full.rules if r.kind != "checker" or r.checker in known)
    return dataclasses.replace(full, rules=rules, by_id={r.id: r for r in rules})


def run_rules(
    inst: dict[str, Any],
    version: str,
    last: dict[str, Any] | None = None,
    *,
    cells: dict[str, str] | None = None,
    config: Any = None,
    options: dict[str, Any] | None = None,
    only: set[str] | None = None,
) -> tuple[list[Any], list[dict[str, str]]]:
    ctx = RuleContext(inst, cells or {}, version, last=last, options=dict(options or {}))
    findings, skipped = run(ctx, register_for(version), config)
    if only is not None:
        findings = [f for f in findings if f.rule in only]
    return findings, skipped


def schema_findings(inst: dict[str, Any], version: str) -> list[tuple[str, str]]:
    """(rule, path) for every JSON-Schema error, mapped the way the lead's pipeline maps them."""
    reg = register_for(version)
    out = []
    for err in schema.validator(version).iter_errors(inst):
        path = ".".join(str(p) for p in err.absolute_path)
        rule = reg.schema_rule_for(path)
        out.append((rule.id if rule else "?", path))
    return sorted(set(out))  # one cell can break two keywords (type and enum): one finding per cell


def load_cases() -> list[tuple[str, str, dict[str, Any]]]:
    """(case id, version, case) for every case of every file under tests/cases/rules/."""
    out = []
    for file in sorted(CASES.glob("*.json")):
        doc = json.loads(file.read_text(encoding="utf-8"))
        for case in doc["cases"]:
            for version in case.get("versions", doc.get("versions", ["2019", "2021"])):
                out.append((f"{file.stem}:{case['name']}:{version}", version, {**case, "rule": doc["rule"]}))
    return out

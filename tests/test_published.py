"""Real published reports (tests/cases/published/*.json, built from ../shared/examples/published/): every known
defect is flagged, a clean report has nothing that blocks, and no must-not-fire rule fires.

Each fixture holds the report's tables and text as an xlpy JSON instance (or names an example file), where it came
from, and its known defects ("rule" + a phrase the finding's message contains). The instance is written to a real
file and validated through the real reader, as `xlpy validate` would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xlpy.config import load_config
from xlpy.validate import validate_path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = sorted((HERE / "cases" / "published").glob("*.json"))


def _load(path: Path) -> tuple[dict, dict]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    inst = doc["instance"]
    if isinstance(inst, str):
        inst = json.loads((ROOT / inst).read_text(encoding="utf-8"))
    return doc, inst


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict, object]]:
    out = {}
    tmp = tmp_path_factory.mktemp("published")
    for path in FIXTURES:
        doc, inst = _load(path)
        file = tmp / path.name
        file.write_text(json.dumps(inst, ensure_ascii=False), encoding="utf-8")
        config = None
        if doc.get("config"):  # a deployment's configuration, as a real TOML file
            toml = tmp / f"{path.stem}.toml"
            toml.write_text(doc["config"], encoding="utf-8")
            config = load_config(toml, env={})
        _, report = validate_path(file, config=config)
        out[path.stem] = (doc, report)
    return out


def test_fixtures_present() -> None:
    assert {p.stem for p in FIXTURES} >= {
        "huaian-2024",
        "pingtan-2019",
        "pingtan-2021",
        "pingtan-2023",
        "pingtan-2025",
        "shuyang-2025",
        "kewei-2024",
    }


@pytest.mark.parametrize("name", [p.stem for p in FIXTURES])
def test_known_defects_flagged(reports: dict, name: str) -> None:
    doc, report = reports[name]
    assert not report.unusable and not report.incomplete, report.to_dict()
    for defect in doc["defects"]:
        hits = [f for f in report.findings if f.rule == defect["rule"] and defect["contains"] in f.message]
        assert hits, (
            f"{name}: not flagged: {defect['what']} ({defect['rule']}); got {report.flatten('rule', 'message')}"
        )


@pytest.mark.parametrize("name", [p.stem for p in FIXTURES])
def test_clean_reports_do_not_block_and_must_not_rules_stay_silent(reports: dict, name: str) -> None:
    doc, report = reports[name]
    if doc["clean"]:
        blocking = [(f.rule, f.message) for f in report.findings if f.blocks]
        assert not blocking, f"{name} is clean but blocks: {blocking}"
    fired = [(f.rule, f.message) for f in report.findings if f.rule in doc["must_not"]]
    assert not fired, f"{name}: must not fire: {fired}"


def test_every_defect_is_a_finding_not_a_coincidence(reports: dict) -> None:
    """The defects are flagged because of the defect: the clean reports raise none of those rules."""
    defect_rules = {d["rule"] for doc, _ in reports.values() for d in doc["defects"]}
    for name, (doc, report) in reports.items():
        if doc["clean"]:
            assert not [f for f in report.findings if f.rule in defect_rules and f.blocks], name


@pytest.mark.parametrize(
    ("org_name", "org_type", "severity"),
    [("淮安市人民政府办公室", "市级政府部门", "hint"), ("沭阳县人民政府办公室", "县级政府部门", "error")],
)
def test_government_office_publishing_its_governments_rules(
    tmp_path: Path, org_name: str, org_type: str, severity: str
) -> None:
    """R-S2-2: a 市政府办公室 that publishes its government's 规章 is asked to confirm (a hint); a 县 office cannot."""
    inst = json.loads((ROOT / "workbook" / "examples" / "huaian-2024.json").read_text(encoding="utf-8"))
    inst["meta"].update(org_name=org_name, org_type=org_type, date="2025-01-20")
    file = tmp_path / "office.json"
    file.write_text(json.dumps(inst, ensure_ascii=False), encoding="utf-8")
    _, report = validate_path(file)
    assert [(f.rule, f.severity) for f in report.findings if f.rule == "R-S2-2"] == [("R-S2-2", severity)]

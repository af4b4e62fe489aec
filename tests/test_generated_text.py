"""Generated text passes its own checks: the 表三/表四 sentences xlpy writes, for the fixtures and for many
random instances (consistent and inconsistent tables), raise no narrative finding and never claim 未发生/未收到
while a cell of the table is non-zero."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from tests.test_narrative import RULES, run
from xlpy import schema
from xlpy.layout import layout
from xlpy.render import context as rc
from xlpy.render.env import environment
from xlpy.rules.context import RuleContext

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = [ROOT / "workbook" / "examples" / "huaian-2024.json", ROOT / "workbook" / "examples" / "beigou-2020.json"]
FIXTURES += sorted((ROOT / "tests" / "cases" / "published").glob("*.json"))
NARRATIVE = tuple(r for r in RULES if r.startswith("N-"))


def _set(inst: dict[str, Any], path: str, value: Any) -> None:
    node = inst
    keys = path.split(".")
    for k in keys[:-1]:
        node = node.setdefault(k, {})
    node[keys[-1]] = value


def _load(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    inst = doc.get("instance", doc)
    if isinstance(inst, str):
        inst = json.loads((ROOT / inst).read_text(encoding="utf-8"))
    return inst


def _random(seed: int, consistent: bool) -> dict[str, Any]:
    """A report with random 表三/表四 figures: consistent (totals are the sums) or not (every cell random)."""
    rnd = random.Random(seed)
    version = rnd.choice(["2019", "2021"])
    year = 2020 if version == "2019" else 2024
    inst: dict[str, Any] = {
        "format_version": version,
        "meta": {"org_name": "测试机关", "org_type": "市级政府部门", "year": year, "date": f"{year + 1}-01-20"},
        "text": {"preamble": "", "overview": {"lead": "", "parts": []}, "problems": "无。", "other": "无。"},
    }
    small = rnd.random() < 0.3  # many real tables are all or mostly zero
    for path, f in schema.fields(version).items():
        if path.startswith(("s3.", "s4.")) and f.is_number:
            _set(inst, path, 0 if small and rnd.random() < 0.9 else rnd.randint(0, 40))
    if consistent:
        s4 = inst["s4"]
        for node in (s4["review"], s4["litigation"]["direct"], s4["litigation"]["after_review"]):
            node["total"] = sum(v for k, v in node.items() if k != "total")
        s3 = inst["s3"]
        results = s3["results"]
        for key in ("new_received", "carried_over"):
            s3[key]["total"] = sum(v for k, v in s3[key].items() if k != "total")
        for row in [results["granted"], results["partly_granted"]] + [
            r for g in ("withheld", "unable", "not_processed", "other") for r in _rows(results[g])
        ]:
            row["total"] = sum(v for k, v in row.items() if k != "total")
        done = sum(
            r["total"]
            for r in [results["granted"], results["partly_granted"]]
            + [r for g in ("withheld", "unable", "not_processed", "other") for r in _rows(results[g])]
        )
        results["total"]["total"] = done
        s3["carried_forward"]["total"] = max(0, s3["new_received"]["total"] + s3["carried_over"]["total"] - done)
    return inst


def _rows(group: dict[str, Any]) -> list[dict[str, Any]]:
    return [group] if "total" in group and not isinstance(group["total"], dict) else list(group.values())


def _sentences(inst: dict[str, Any]) -> dict[str, str]:
    env = environment()
    version = str(inst["format_version"])
    year = inst["meta"]["year"]
    out = {}
    s3, s4 = rc.s3_figures(inst), rc.s4_figures(inst)
    if s3:
        out["s3_lead"] = rc._sentence(env, version, "s3_summary", year=year, f=s3)
    if s4:
        out["s4_lead"] = rc._sentence(env, version, "s4_summary", year=year, f=s4, labels=rc.s4_labels(version))
    return out


def _findings_on_generated(inst: dict[str, Any]) -> list[tuple[str, str]]:
    """The generated sentences put where a clerk's 三/四 lead-in would stand, and the narrative rules run."""
    inst = copy.deepcopy(inst)
    text = inst.setdefault("text", {})
    for key in ("preamble", "s2_lead", "problems", "other"):
        text[key] = ""
    text["overview"] = {"lead": "", "parts": []}
    text.update(_sentences(inst))
    version = str(inst["format_version"])
    ctx = RuleContext(inst, layout(version).cells, version)
    return [(f.rule, f.message) for f in run(ctx, NARRATIVE)]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_generated_sentences_of_fixtures_pass_the_narrative_rules(path: Path) -> None:
    inst = _load(path)
    assert _sentences(inst), "the fixture has complete tables"
    assert _findings_on_generated(inst) == []


@pytest.mark.parametrize("consistent", [True, False])
def test_generated_sentences_of_random_instances_pass_the_narrative_rules(consistent: bool) -> None:
    for seed in range(150):
        inst = _random(seed, consistent)
        assert _findings_on_generated(inst) == [], (seed, _sentences(inst))


def test_never_none_while_a_cell_is_nonzero() -> None:
    """表四 totals 0 but 16 cases in the result cells (a real inconsistent report): not "未发生"."""
    inst = _load(FIXTURES[0])
    for node in (inst["s4"]["review"], inst["s4"]["litigation"]["direct"], inst["s4"]["litigation"]["after_review"]):
        for k in node:
            node[k] = 0
    inst["s4"]["review"]["upheld"] = 16
    sentences = _sentences(inst)
    assert "未发生" not in sentences["s4_lead"] and "16件" in sentences["s4_lead"]
    for seed in range(150):
        inst = _random(seed, consistent=False)
        s = _sentences(inst)
        if rc._any_nonzero(inst["s4"]):
            assert "未发生" not in s["s4_lead"], s["s4_lead"]
        if rc._any_nonzero(inst["s3"]):
            assert "未收到" not in s["s3_lead"], s["s3_lead"]


def test_the_rules_do_read_the_generated_sentences() -> None:
    """The check can fail: the same sentences against a table changed afterwards raise N-1/N-5 findings."""
    inst = _load(FIXTURES[0])
    inst["text"] = {"preamble": "", "overview": {"lead": "", "parts": []}, **_sentences(inst)}
    inst["s3"]["new_received"]["total"] += 1
    inst["s4"]["review"]["total"] += 1
    version = str(inst["format_version"])
    rules = {f.rule for f in run(RuleContext(inst, layout(version).cells, version), NARRATIVE)}
    assert {"N-1", "N-5"} <= rules

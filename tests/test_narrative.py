"""Narrative checkers (N-*, X-*, C-4) driven by real sentences: tests/cases/narrative/*.yaml.

Each case gives text, the table figures it is read against and the rule IDs expected (often none:
the tool must stay silent on figures of other populations, other years, approximations…).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

import xlpy.rules.checkers.narrative
import xlpy.rules.checkers.narrative_lists
import xlpy.rules.checkers.narrative_s4
import xlpy.rules.checkers.narrative_text
import xlpy.rules.checkers.similarity
import xlpy.rules.checkers.text  # noqa: F401  (X-1 … X-4)
from xlpy import schema
from xlpy.layout import layout
from xlpy.rules.context import CHECKERS, RuleContext
from xlpy.rules.register import load_register

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases" / "narrative"
EXAMPLES = HERE.parent / "workbook" / "examples"
RULES = (
    "N-1",
    "N-2",
    "N-3",
    "N-4",
    "N-5",
    "N-6",
    "N-7",
    "N-8",
    "N-9",
    "N-10",
    "N-11",
    "N-13",
    "N-14",
    "N-15",
    "X-1",
    "X-2",
    "X-3",
    "X-4",
    "C-4",
)
BASES = json.loads((CASES_DIR / "tables.json").read_text(encoding="utf-8"))
NEUTRAL_PROBLEMS = "一是政策解读形式不够丰富；二是依申请公开答复文书仍需规范。下一步将加强培训和指导。"
NEUTRAL_OTHER = {"2019": "无。", "2021": "本年度未收取信息处理费。"}


def rule(rule_id: str, version: str = "2021") -> Any:
    """The rule as a checker receives it: the register's message template, every severity shown as warning."""
    params = {"threshold": 0.5} if rule_id == "C-4" else {}
    registered = load_register(version).by_id.get(rule_id)  # are 2021-only
    message = registered.message if registered else None
    messages = registered.messages if registered else {}
    return SimpleNamespace(
        id=rule_id, severity="warning", title=rule_id, message=message, messages=messages, params=params
    )


def _set(node: dict, path: str, value: Any) -> None:
    keys = path.split(".")
    for i, key in enumerate(keys[:-1]):
        nxt = keys[i + 1]
        if isinstance(node, list):
            idx = int(key)
            while len(node) <= idx:
                node.append({"title": "", "body": ""})
            node = node[idx]
            continue
        node = node.setdefault(key, [] if nxt.isdigit() else {})
    if isinstance(node, list):
        idx = int(keys[-1])
        while len(node) <= idx:
            node.append({"title": "", "body": ""})
        node[idx] = value
    else:
        node[keys[-1]] = value


def instance(case: dict) -> dict:
    """A report instance: the base tables (all zero or 淮安 2024), the case's text and overrides."""
    base = BASES[case.get("base", "zero-2021")]
    version = str(case.get("version", base["version"]))
    inst: dict = {
        "format_version": version,
        "meta": {
            "org_name": "测试机关",
            "org_type": case.get("org_type", "市级政府部门"),
            "year": case.get("year", base["year"]),
            "date": "2025-01-20",
            "contact_person": "",
            "contact_phone": "",
        },
    }
    for path, f in schema.fields(version).items():
        if path.startswith(("s2.", "s3.", "s4.")) and f.is_number:
            _set(inst, path, 0)
    for path, value in base.get("values", {}).items():
        _set(inst, path, value)
    inst["text"] = {
        "preamble": "",
        "overview": {"lead": "", "parts": []},
        "s2_lead": "",
        "s3_lead": "",
        "s4_lead": "",
        "problems": NEUTRAL_PROBLEMS,
        "other": NEUTRAL_OTHER[version],
    }
    for key, value in base.get("text", {}).items():
        inst["text"][key] = value
    text = case.get("text", "")
    for path, value in ({"text.overview.parts.0.body": text} if isinstance(text, str) else text).items():
        _set(inst, path if path.startswith("text.") else f"text.{path}", value)
    for path, value in (case.get("set") or {}).items():
        _set(inst, path, value)
    return inst


def context(case: dict) -> RuleContext:
    inst = instance(case)
    last = None
    if "last" in case:
        last = copy.deepcopy(inst)
        last["meta"]["year"] -= 1
        for path, value in case["last"].items():
            _set(last, path if path.startswith("text.") else f"text.{path}", value)
    version = inst["format_version"]
    return RuleContext(inst, layout(version).cells, version, last=last)


def run(ctx: RuleContext, rules: tuple[str, ...] = RULES) -> list[Any]:
    applies = load_register(ctx.version).by_id  # the register's versions decide (X-1, X-2: 2021 only)
    return [f for rid in rules if rid in applies for f in CHECKERS[rid](ctx, rule(rid, ctx.version))]


def load_cases() -> list[Any]:
    out = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            out.append(pytest.param(case, id=f"{path.stem}:{case['id']}"))
    return out


def test_all_rules_registered():
    assert set(RULES) <= set(CHECKERS)


@pytest.mark.parametrize("case", load_cases())
def test_case(case):
    ctx = context(case)
    findings = run(ctx)
    assert sorted(f.rule for f in findings) == sorted(case.get("expect", [])), [f.message for f in findings]
    for f in findings:
        assert f.severity == "warning" and f.message and f.paths and f.paths[0].startswith("text.")
        assert f.cells and f.cells[0] == ctx.cell(f.paths[0])  # the text cell first
        for want in case.get("message_has", []):
            assert want in f.message, f.message


# --- the reference examples -------------------------------------------------------------------------


def _example(name: str) -> RuleContext:
    path = EXAMPLES / name
    if not path.is_file():
        pytest.skip(f"{name} not present")
    data = json.loads(path.read_text(encoding="utf-8"))
    return RuleContext(data, layout(data["format_version"]).cells, data["format_version"])


def test_seed_example_only_x3():
    # 北沟镇 2020: all tables zero; the text says 未接到申请 (N-7 holds), lists 70 条 = 3+2+2+55+4+1+3 (N-9
    # holds). The one real finding: a township is a 人民政府 and reports 考核 but not 社会评议 or 责任追究.
    findings = run(_example("beigou-2020.json"))
    assert [f.rule for f in findings] == ["X-3"]
    assert "社会评议" in findings[0].message and "责任追究" in findings[0].message
    assert "工作考核（" not in findings[0].message


def test_huaian_example_silent():
    # 淮安 2024: every figure of the narrative agrees with the tables; 六 reports 信息处理费 3940 元;
    # 考核、评议、追究 are all reported.
    assert [(f.rule, f.message) for f in run(_example("huaian-2024.json"))] == []


def test_examples_against_themselves_fire_c4_only():
    # The same text as "last year's" is 100 % identical: C-4 fires for 一, 五 and 六, nothing else changes.
    ctx = _example("huaian-2024.json")
    ctx.last = copy.deepcopy(ctx.instance)
    findings = run(ctx, ("C-4",))
    assert [f.section for f in findings] == ["一", "五", "六"]
    assert all(f.lhs == 100 for f in findings)


def test_json_input_without_cells():
    # JSON input has no workbook cells: the finding still names the fields, and the message no cells.
    case = {"set": {"s3.new_received.total": 4}, "text": "本年度共收到政府信息公开申请5件。"}
    ctx = context(case)
    ctx.cells = {}
    (f,) = run(ctx)
    assert (f.rule, f.cells, f.paths) == ("N-1", [], ["text.overview.parts.0.body", "s3.new_received.total"])
    assert (f.lhs, f.rhs, f.diff) == (5, 4, 1)
    assert "!" not in f.message and "总计 4 不一致" in f.message


def test_huaian_figures_are_read_not_skipped():
    # Silence on 淮安 must come from agreement, not from reading nothing: every quoted figure is claimed.
    from xlpy.narrative.cases import case_claims
    from xlpy.narrative.claims import s3_claims
    from xlpy.narrative.documents import document_claims

    ctx = _example("huaian-2024.json")
    texts = [p["body"] for p in ctx.instance["text"]["overview"]["parts"]]
    s3 = {(c.kind, int(c.value)) for t in texts for c in s3_claims(t, 2024)}
    s4 = {(c.kind, int(c.value)) for t in texts for c in case_claims(t, 2024)}
    s2 = {(c.kind, int(c.value)) for t in texts for c in document_claims(t, 2024)}
    assert s3 == {("s3.new", 3119), ("s3.answered", 3050), ("s3.carried_over", 34), ("s3.carried_forward", 103)}
    assert {
        ("s4.review.total", 351),
        ("s4.review.corrected", 64),
        ("s4.litigation.total", 46),
        ("s4.litigation.pending", 7),
    } <= s4
    assert s2 == {("s2.rules.published", 1)}


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_every_narrative_rule_words_its_findings_in_the_register(version):
    """The wording is data: every N-/X- rule has a message template, and the checkers fill in every placeholder
    (a message with a leftover "{" would show the clerk a template)."""
    reg = load_register(version)
    narrative = [r for r in reg.rules if r.id.startswith(("N-", "X-"))]
    assert narrative and all(r.message for r in narrative), [r.id for r in narrative if not r.message]


@pytest.mark.parametrize("case", load_cases())
def test_no_placeholder_left_in_messages(case):
    for f in run(context(case)):
        assert "{" not in f.message and "}" not in f.message, f.message


# --- not assessable is a result -------------------------------------------------------------------------


def test_blank_cell_the_text_speaks_of_is_not_assessable():
    ctx = context({"set": {"s3.new_received.total": None}, "text": "本年度共收到政府信息公开申请20件。"})
    assert [f.rule for f in run(ctx)] == []
    assert [(e["rule"], "无法核对" in e["reason"], "表三!" in e["reason"]) for e in ctx.not_assessable] == [
        ("N-1", True, True)  # names the blank cell (表三!…)
    ]


def test_known_cells_still_decide_beside_a_blank_one():
    """N-6 "均获维持": 结果纠正 1 decides, though 尚未审结 is blank (one blank cell used to silence the rule)."""
    case = {
        "set": {"s4.review.upheld": 2, "s4.review.corrected": 1, "s4.review.pending": None, "s4.review.total": 3},
        "text": "本年度发生政府信息公开行政复议3件，均获维持。",
    }
    ctx = context(case)
    assert "N-6" in [f.rule for f in run(ctx)]
    case["set"]["s4.review.corrected"] = 0
    ctx = context(case)
    assert "N-6" not in [f.rule for f in run(ctx)]
    assert [e["rule"] for e in ctx.not_assessable if e["rule"] == "N-6"] == ["N-6"]


def test_no_cases_decided_by_the_known_total_beside_a_blank_one():
    """N-5 "未发生行政复议、行政诉讼": 行政诉讼 2 contradicts it, whatever the blank 行政复议 total holds (the blank used
    to add a 无法判断 beside the finding); with 行政诉讼 0 the blank leaves it undecided."""
    text = "本年度未发生政府信息公开行政复议、行政诉讼案件。"
    case = {"set": {"s4.review.total": None, "s4.litigation.direct.total": 2}, "text": text}
    ctx = context(case)
    assert [f.rule for f in run(ctx)].count("N-5") == 1
    assert [e["rule"] for e in ctx.not_assessable if e["rule"] == "N-5"] == []
    case["set"]["s4.litigation.direct.total"] = 0
    ctx = context(case)
    assert "N-5" not in [f.rule for f in run(ctx)]
    assert [e["rule"] for e in ctx.not_assessable if e["rule"] == "N-5"] == ["N-5"]


def test_not_assessable_reaches_text_and_json(tmp_path):
    from xlpy.config import Config
    from xlpy.findings_text import format_text
    from xlpy.verdict import check

    inst = instance({"text": "本年度共收到政府信息公开申请20件。"})
    inst["s3"]["new_received"]["total"] = None
    path = tmp_path / "blank.json"
    path.write_text(json.dumps(inst, ensure_ascii=False), encoding="utf-8")
    verdict = check(path, config=Config())
    data = verdict.to_dict()
    assert [e["rule"] for e in data["not_assessable"]] == ["N-1"]
    assert "无法判断：N-1 —— 文字“本年度共收到政府信息公开申请20件”" in format_text(verdict)

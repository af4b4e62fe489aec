"""Claim kinds as data (schemas/narrative/claims.json): valid, every kind's cells exist in both versions, labels
come from the schema's titles (no version branch in code)."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from xlpy import schema
from xlpy.narrative import kinds
from xlpy.resources import load_json


def test_claims_file_is_valid() -> None:
    Draft202012Validator(load_json(kinds.META)).validate(load_json(kinds.CLAIMS))


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_every_quantity_names_cells_of_the_version(version: str) -> None:
    fields = schema.fields(version)
    for kind, q in kinds.quantities(version).items():
        assert q.paths and all(p in fields for p in q.paths), kind
        assert q.label.startswith("表") and "“" in q.label, q.label


def test_labels_follow_the_format_version() -> None:
    """（六）其他处理 is one row in 2019 (总计) and three in 2021 (各项总计之和); 规范性文件 was renamed in 2021."""
    assert kinds.quantities("2019")["s3.other"].label == "表三“（六）其他处理”总计"
    assert kinds.quantities("2021")["s3.other"].label == "表三“（六）其他处理”各项总计之和"
    assert kinds.quantities("2021")["s3.answered"].label == "表三“三、本年度办理结果”的“（七）总计”"
    made19 = kinds.quantity("2019", "s2.normative.made")
    made21 = kinds.quantity("2021", "s2.normative.made")
    assert made19 is not None and made19.label == "表二“规范性文件”的“本年新制作数量”"
    assert made21 is not None and made21.label == "表二“行政规范性文件”的“本年制发件数”"
    assert kinds.quantity("2019", "s2.normative.in_force") is None  # no such column in 2019


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("s4.review.corrected", "表四行政复议“结果纠正”"),
        ("s4.direct.upheld", "表四行政诉讼“未经复议直接起诉”“结果维持”"),
        ("s4.litigation.total", "表四行政诉讼“未经复议直接起诉”与“复议后起诉”的“总计”之和"),
        ("s4.review_and_litigation.total", "表四行政复议与行政诉讼（两类起诉）的“总计”之和"),
        ("s3.row.withheld.state_secret", "表三“（三）不予公开 1.属于国家秘密”总计"),
        ("s2.rules.made", "表二“规章”的“本年制发件数”"),
    ],
)
def test_every_claim_kind_has_one_quantity_labelled_from_the_schema(kind: str, label: str) -> None:
    q = kinds.quantity("2021", kind)
    assert q is not None and q.label == label and all(p in schema.fields("2021") for p in q.paths)


def test_rules_and_candidates_name_known_kinds() -> None:
    known = set(kinds.quantities("2021"))
    for rid in ("N-1", "N-2", "N-3", "N-4"):  # a kind, or a family of kinds (s3.row.…, s3.combined.…)
        assert all(k in known or k in ("s3.row", "s3.combined") for k in kinds.rule_kinds(rid)), rid
    assert kinds.rule_kinds("N-5") == ("s4",) and kinds.rule_kinds("N-10") == ("s2",)
    for kind in known:
        assert set(kinds.candidates(kind)) <= known


@pytest.mark.parametrize("word", ["结转|顺延", "(?:办结)", r"\d+年", "申请.*件"])
def test_trigger_words_refuse_regex_syntax(word: str) -> None:
    data = copy.deepcopy(load_json(kinds.CLAIMS))  # load_json's result is shared: never change it in place
    data["triggers"]["s3"]["groups"]["new"]["forms"] = [[[word]]]
    assert list(Draft202012Validator(load_json(kinds.META)).iter_errors(data))


def _every_kind(version: str) -> list[str]:
    """Every claim kind the readers can produce, enumerated from claims.json and the schema (not from kinds.py)."""
    data = load_json(kinds.CLAIMS)
    out = list(data["quantities"])
    out += [f"s3.row.{r}" for r in dict.fromkeys(v for k, v in data["rows"].items() if k != "$comment")]
    outcomes = [k for k in data["outcomes"] if k != "$comment"]
    for n in (2, 3, 6):
        out += ["s3.combined." + "+".join(c) for c in itertools.combinations(outcomes, n)]
    results = sorted({p.rsplit(".", 1)[1] for p in schema.fields(version) if p.startswith("s4.")})
    out += [f"s4.{t}.{r}" for t in data["s4_topics"] if t != "$comment" for r in results]
    columns = sorted({c for v in data["documents"]["columns"].values() for c in v})
    return out + [f"s2.{n}.{c}" for n in data["documents"]["nouns"] for c in columns]


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_every_label_matches_the_golden_file(version: str) -> None:
    """Every kind's label and cells, as reviewed in tests/golden/kind_labels.json (null: no such cells)."""
    golden = json.loads((Path(__file__).parent / "golden" / "kind_labels.json").read_text(encoding="utf-8"))[version]
    found = {}
    for kind in _every_kind(version):
        q = kinds.quantity(version, kind)
        found[kind] = None if q is None else {"label": q.label, "paths": list(q.paths)}
    assert found == golden


@pytest.mark.parametrize("template", ["表三“{row}”总计", "表三“{-2”", "表三“{-2:>4}”", ["表三“{2}”总计"]])
def test_label_templates_take_only_title_positions(template: object) -> None:
    """A label names titles by position ({-2}, {2}); names, format specs and a lone template in a pair are refused."""
    data = copy.deepcopy(load_json(kinds.CLAIMS))
    data["labels"]["s3.row"] = template
    assert list(Draft202012Validator(load_json(kinds.META)).iter_errors(data))

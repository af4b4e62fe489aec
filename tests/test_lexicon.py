"""The narrative word lists (schemas/narrative/lexicon.json): valid against their meta-schema, all in use, plain words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from xlpy.narrative import lexicon
from xlpy.resources import load_json, schemas_dir

ROOT = Path(__file__).resolve().parent.parent


def test_lexicon_is_valid() -> None:
    Draft202012Validator(load_json(lexicon.META)).validate(load_json(lexicon.LEXICON))


@pytest.mark.parametrize("word", ["予以公开|部分公开", "(?:办结)", r"\d+件", "申请.*件"])
def test_regex_syntax_is_refused(word: str) -> None:
    data = {"lists": {"x": {"about": "测试", "words": [word]}}}
    assert list(Draft202012Validator(load_json(lexicon.META)).iter_errors(data))


def test_every_list_is_read_by_code() -> None:
    """A list nobody reads is dead data: each name appears in the narrative code or in a form of claims.json
    ("@name" in a word position, or a statement's gap_words, one_side, not_in_clause …)."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "xlpy").rglob("*.py"))
    code += (schemas_dir() / "narrative" / "claims.json").read_text(encoding="utf-8")
    unused = [
        name for name in load_json(lexicon.LEXICON)["lists"] if f'"{name}"' not in code and f'"@{name}"' not in code
    ]
    assert not unused, unused


def test_alternation_longest_first() -> None:
    alt = lexicon.alternation("negations").split("|")
    assert alt.index("不予") < alt.index("不")
    assert lexicon.pattern("negations").search("依法不予答复").group() == "不予"


def test_unknown_list_is_a_chinese_error() -> None:
    from xlpy.errors import RegisterError

    with pytest.raises(RegisterError, match="词表"):
        lexicon.words("no_such_list")


def test_file_is_plain_json() -> None:
    json.loads((schemas_dir() / lexicon.LEXICON).read_text(encoding="utf-8"))


@pytest.mark.parametrize("broken", ["lexicon", "claims"])
def test_register_build_refuses_a_broken_narrative_data_file(broken: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The data files are checked when the register compiles (not on every start): a regex in a word list stops it."""
    import copy

    from xlpy.errors import RegisterError
    from xlpy.narrative import kinds
    from xlpy.rules.register import build_register

    target = lexicon.LEXICON if broken == "lexicon" else kinds.CLAIMS
    data = copy.deepcopy(load_json(target))  # never edit the shared cached object
    if broken == "lexicon":
        next(iter(data["lists"].values()))["words"].append("予以公开|部分公开")
    else:
        data["rules"] = "不是列表"
    real = load_json
    monkeypatch.setattr(lexicon, "load_json", lambda path: data if path == target else real(path))
    with pytest.raises(RegisterError, match=f"schemas/{target}"):
        build_register("2021")

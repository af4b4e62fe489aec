"""The one narrative grammar (xlpy/narrative/grammar.py): trigger forms from schemas/narrative/claims.json, the
reading of the words before a number, combined categories, and the qualifiers every claim family shares."""

from __future__ import annotations

import re

import pytest

from xlpy.narrative import grammar
from xlpy.narrative.sentences import sentences


def _reading(text: str, family: str) -> grammar.Reading | None:
    s = sentences(text)[0]
    return grammar.read(s.before(s.numbers[-1]), family)


def test_forms_optional_repeatable_and_year_positions() -> None:
    form = [[["结转", "转"], ["至", ""], ["<year>年", "下年度"]]]

    pattern = re.compile(grammar.forms(form))
    assert pattern.fullmatch("结转至下年度") and pattern.fullmatch("转2025年") and pattern.fullmatch("转2025 年")
    assert re.compile(grammar.forms([[["均", "已", "*"]]])).fullmatch("均已已")


@pytest.mark.parametrize(
    ("text", "family", "group", "word"),
    [
        ("全年受理申请3119件", "s3", "new", "受理"),
        ("结转至下一年度继续办理103件", "s3", "fwd", "结转至下一年度继续办理"),
        ("上年结转34件", "s3", "over", "上年结转"),
        ("答复不予以公开2件", "s3", "outcome", "不予以公开"),  # longest word first
        ("本机关不掌握相关政府信息769件", "s3", "row", "本机关不掌握相关政府信息"),
        ("未经复议直接起诉3件", "s4", "direct", "未经复议直接起诉"),
        ("行政复议1件，诉讼2件", "s4", "litigation", "诉讼"),
        ("制发规范性文件5件", "s2", "noun", "规范性文件"),
    ],
)
def test_the_last_trigger_names_the_number(text: str, family: str, group: str, word: str) -> None:
    r = _reading(text, family)
    assert r is not None and (r.group, r.word) == (group, word)


def test_not_after_and_not_before_words_block_a_trigger() -> None:
    assert _reading("民事诉讼2件", "s4") is None  # 诉讼 right after 民事 is not 行政诉讼
    assert _reading("诉讼费2件", "s4") is None


def test_combined_categories_are_read_as_one_chain() -> None:
    assert grammar.joined("予以公开及部分公开的申请和", "s3", ("outcome",)) == ["予以公开", "部分公开"]
    assert grammar.joined("行政复议和", "s4", ("review", "litigation")) == ["行政复议"]
    assert grammar.joined("收到", "s3", ("outcome",)) == []


@pytest.mark.parametrize(
    ("text", "qualified"),
    [
        ("受理申请120件", False),
        ("受理申请比上年增加120件", True),  # a comparison
        ("各部门共受理申请120件", True),  # a roll-up of subordinate bodies
        ("共受理申请215件，其中本级5件", True),  # the total is a roll-up: the agency's own share follows
    ],
)
def test_shared_qualifiers(text: str, qualified: bool) -> None:
    s = sentences(text)[0]
    n = s.numbers[0]
    assert grammar.qualified(s, n, s.before(n)) is qualified


# --- statements without a number (claims.json "statements") ------------------------------------------------


def _said(name: str, text: str, always: bool = False) -> list[str]:
    return [st.words for st in grammar.statements(name, text, 2024, always)]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("本年度未收到政府信息公开申请。", ["未收到政府信息公开申请"]),
        (
            "本年度未收到公民、法人和其他组织提出的政府信息公开申请。",
            ["未收到公民、法人和其他组织提出的政府信息公开申请"],
        ),
        ("本年度未收到公民提出的政府信息公开申请。", []),  # one side of the applicants: 法人 may have applied
        ("本年度未收到政府信息公开申请人的投诉。", []),  # the tail is not one of the tail words
        ("本年度未收到关于该事项的政府信息公开申请。", []),  # the gap holds words that are not fillers
        ("本年度未收到信访事项政府信息公开申请。", []),  # another population in the clause
        ("各乡镇均未收到政府信息公开申请。", []),  # a roll-up before the statement
        ("本年度没有依申请公开事项。", ["没有依申请公开事项"]),
    ],
)
def test_statement_gaps_tails_and_blockers(text: str, words: list[str]) -> None:
    assert _said("none_received", text) == words


def test_statement_gap_is_bounded() -> None:
    """A gap of at most 16 characters of filler words between 未发生 and 行政复议 (here 11, then 18)."""
    assert _said("no_cases", "政府信息公开方面未发生因政府信息公开而引起的行政复议。")
    assert not _said("no_cases", "政府信息公开方面未发生因政府信息公开工作而引起的相关的任何行政复议。")


def test_statement_only_first_and_not_with_sentence_blockers() -> None:
    assert _said("all_done", "所有申请均已按时办结。") == ["所有申请均已按时办结"]
    assert _said("all_done", "除结转下年度的1件外，其余申请均已办结。") == []
    assert len(_said("all_done", "所有申请均已办结，办结率100%。")) == 1  # a sentence's first such words only


def test_statement_topic_is_this_sentence_or_the_one_before() -> None:
    """N-5: 未发生行政复议 about 政府信息公开 — named in the sentence or the one before, or in 四's own lead."""
    assert _said("no_cases", "本机关重视信息公开。全年未发生行政复议。")
    assert not _said("no_cases", "本机关重视信息公开。工作有序开展。全年未发生行政复议。")
    assert _said("no_cases", "全年未发生行政复议。", always=True)


def test_statement_zeros_by_the_words_it_names() -> None:
    assert grammar.zeros("no_cases", "未发生行政复议") == ("s4.review.total",)
    assert grammar.zeros("no_cases", "未发生行政复议、行政诉讼") == ("s4.review.total", "s4.litigation.total")
    assert grammar.zeros("none_received", "未收到申请") == ("s3.new",)
    assert grammar.zeros("no_cases") == ("s4.review.total", "s4.litigation.total")


def test_every_list_a_statement_names_exists() -> None:
    """A statement's list names (gap_words, one_side, not_in_clause, …, "@name" in a form) are lexicon lists."""
    from xlpy.narrative import lexicon
    from xlpy.resources import load_json

    for name, spec in load_json("narrative/claims.json")["statements"].items():
        if name == "$comment":
            continue
        grammar.statement(name)  # every "@name" of its forms resolves
        listed = [spec[k] for k in ("gap_words", "not_in_clause", "not_in_sentence", "topic") if k in spec]
        for listname in [*listed, *spec.get("one_side", ())]:
            assert lexicon.words(listname), (name, listname)


@pytest.mark.parametrize(
    "change",
    [
        {"forms": [[["未|没有"], ["收到"]]]},  # regex syntax in a word
        {"forms": [[["未"], {"gap": "40"}]]},  # a gap is a number of characters
        {"forms": [[["未"], {"gap": 40, "words": "application_fillers"}]]},  # a gap takes nothing else
        {"zero": {"表三": []}},  # zero names claim kinds
        {"nots": "other_populations"},  # an unknown key
    ],
)
def test_statement_meta_schema_refuses(change: dict[str, object]) -> None:
    import copy

    from jsonschema import Draft202012Validator

    from xlpy.narrative import kinds
    from xlpy.resources import load_json

    data = copy.deepcopy(load_json(kinds.CLAIMS))  # load_json's result is shared: never change it in place
    data["statements"]["none_received"].update(change)
    assert list(Draft202012Validator(load_json(kinds.META)).iter_errors(data))

"""The one narrative grammar (xlpy/narrative/grammar.py): trigger forms from schemas/narrative/claims.json, the
reading of the words before a number, combined categories, and the qualifiers every claim family shares."""

from __future__ import annotations

import re

import pytest

from xlpy.narrative import grammar
from xlpy.narrative.sentences import sentences


def _reading(text: str, family: str) -> grammar.Reading | None:
    s = sentences(text)[0]
    return grammar.read(s, s.numbers[-1], family)


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

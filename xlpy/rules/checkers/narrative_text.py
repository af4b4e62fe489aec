"""N-11 … N-15: 全部办结 claims, the legal basis, the outline of the clerk's text, and text-quality hints."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from xlpy.model import Finding
from xlpy.narrative import grammar, lexicon
from xlpy.narrative.sentences import Sentence, sentences
from xlpy.rules.checkers.narrative_common import (
    TextField,
    finding,
    report_year,
    s3_quantities,
    says_zero,
    table_value,
    text_fields,
)
from xlpy.rules.context import RuleContext, checker


@cache
def _all_done() -> re.Pattern[str]:
    """ "所有申请均已按要求办理完成": a subject word, at most 12 characters of manner, a predicate — or a rate."""
    subject = lexicon.alternation("all_done_subjects")
    predicate = lexicon.alternation("all_done_predicates")
    rate = lexicon.alternation("all_done_rates")
    return re.compile(f"(?:{subject})[^，,。；;\\d]{{0,12}}?(?:{predicate})|{rate}")


@checker("N-11")
def all_done(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "所有申请均已办结 / 办结率100%" only when 四、结转下年度继续办理 is 0."""
    carried_forward = s3_quantities(ctx.version)["s3.carried_forward"]
    if table_value(ctx, carried_forward.paths) == 0:
        return
    year = report_year(ctx)
    for field in text_fields(ctx, titles=False):
        if "办" not in field.text and "答复" not in field.text and "处理" not in field.text:
            continue
        for st in grammar.statements(sentences(field.text), year, _all_done(), _no_blocker):
            if f := says_zero(ctx, rule, field, st, carried_forward):
                yield f


def _no_blocker(s: Sentence, m: re.Match[str]) -> bool:
    """Not "除结转下年度的1件以外，其余均已办结"; only the first claim of a sentence counts."""
    return m.start() == _all_done().search(s.norm).start() and not any(  # type: ignore[union-attr]
        b in s.norm for b in lexicon.words("all_done_blockers")
    )


@checker("N-13")
def legal_basis(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """The repealed 2008 《条例》 (国务院令第492号) or a 2008-era section name is cited."""
    for field in text_fields(ctx, titles=True):
        for name, why in (
            ("legal_basis_repealed", "已废止的 2008 年《条例》（国务院令第492号）"),
            ("legal_basis_old_sections", "2008 年格式的章节名（现行格式已无此节）"),
        ):
            if not any(w in field.text for w in lexicon.words(name)):
                continue  # substring tests run in C: most fields name none of the words, skip the regex
            m = lexicon.pattern(name).search(field.text)
            if m is None:
                continue
            s = next(s for s in sentences(field.text) if s.start <= m.start() < s.start + len(s.text) + 1)
            local = m.start() - s.start
            fragment = s.text[s.clause_start(local) : s.clause_end(m.end() - s.start)].strip()
            yield finding(ctx, rule, field, rule.message.format(fragment=fragment, why=why))


_NUMBERED = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]")
_ANY_NUMBERING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(][一二三四五六七八九十]{1,3}[）)]|\d+\s*[、.．])\s*"
)


@checker("N-14")
def outline(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """Sub-headings of 一 numbered 一、二、… (a second top-level numbering), or repeating an official heading."""
    official = set(lexicon.words("official_headings"))
    numbered: list[TextField] = []
    for field in text_fields(ctx, titles=True):
        if not field.path.endswith(".title"):
            continue
        title = field.text.strip()
        if _NUMBERED.match(title):
            numbered.append(field)
        elif _ANY_NUMBERING.sub("", title).rstrip("。") in official:
            why = "与年度报告格式规定的一级标题重复；请改用本节内容的小标题"
            yield finding(ctx, rule, field, rule.message.format(title=title, why=why))
    if numbered:  # one finding for the whole outline: it is one decision of the clerk's, fixed at once
        titles = "”“".join(f.text.strip() for f in numbered)
        why = "用了与报告一级标题相同的“一、二、……”编号，全文成了两套编号；一之下的小标题请用“（一）（二）……”"
        yield finding(ctx, rule, numbered[0], rule.message.format(title=titles, why=why))


_DOUBLED = re.compile(r"([\u4e00-\u9fff]{2,4})\1")
_CJK = re.compile(r"[\u4e00-\u9fff“”《》、，。]")


@checker("N-15")
def text_quality(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """A word written twice ("资金资金"); ASCII punctuation between Chinese characters."""
    allowed = set(lexicon.words("doubled_allowed"))
    ascii_marks = frozenset(lexicon.words("ascii_punctuation"))
    for field in text_fields(ctx, titles=True):
        text = field.text
        doubled = [m for m in _DOUBLED.finditer(text) if m.group() not in allowed]
        if doubled:
            quoted = "、".join(f"“{_around(text, m.start(), m.end())}”" for m in doubled[:3])
            yield finding(ctx, rule, field, rule.message.format(what=f"词语重复：{quoted}", fix="请删去重复的字词"))
        marks = [m.start() for m in _ascii_marks(ascii_marks).finditer(text) if _between_chinese(text, m.start())]
        if marks:
            quoted = "、".join(f"“{_around(text, i, i + 1)}”" for i in marks[:3])
            more = f"等 {len(marks)} 处" if len(marks) > 3 else ""
            yield finding(
                ctx, rule, field, rule.message.format(what=f"中文中用了半角标点：{quoted}{more}", fix="请改为全角标点")
            )


@cache
def _ascii_marks(marks: frozenset[str]) -> re.Pattern[str]:
    return re.compile("[" + re.escape("".join(sorted(marks))) + "]")


def _between_chinese(text: str, i: int) -> bool:
    """Whether the mark at i has Chinese text on one side (spaces skipped): "六部分, 并附" but not "https://"."""
    before = text[:i].rstrip()[-1:]
    after = text[i + 1 :].lstrip()[:1]
    return bool(_CJK.match(before) or _CJK.match(after))


def _around(text: str, start: int, end: int) -> str:
    return text[max(0, start - 4) : end + 4].replace("\n", " ").strip()

"""N-11 … N-15: 全部办结 claims, the legal basis, the outline of the clerk's text, and text-quality hints."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from xlpy import headings
from xlpy.model import Finding
from xlpy.narrative import lexicon
from xlpy.narrative.sentences import sentences
from xlpy.rules.checkers.narrative_common import TextField, finding, text_fields, zero_statements
from xlpy.rules.context import RuleContext, checker


@checker("N-11")
def all_done(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "所有申请均已办结 / 办结率100%" only when 四、结转下年度继续办理 is 0."""
    yield from zero_statements(ctx, rule, "all_done", text_fields(ctx, titles=False))


@checker("N-13")
def legal_basis(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """The repealed 2008 《条例》 (国务院令第492号) or a 2008-era section name is cited."""
    for field in text_fields(ctx, titles=True):
        for fragment, name in _outdated(field.text):
            yield finding(ctx, rule, field, rule.message.format(fragment=fragment, why=rule.messages[name]))


@lru_cache(maxsize=512)
def _outdated(text: str) -> tuple[tuple[str, str], ...]:
    """The first citation of each outdated kind in a text, quoted by its clause, with the word list it is from."""
    out = []
    for name in ("legal_basis_repealed", "legal_basis_old_sections"):
        # Substring tests first: they run in C, and most fields name none of the words.
        if any(w in text for w in lexicon.words(name)) and (m := lexicon.pattern(name).search(text)):
            s = next(s for s in sentences(text) if s.start <= m.start() < s.start + len(s.text) + 1)
            out.append((s.text[s.clause_start(m.start() - s.start) : s.clause_end(m.end() - s.start)].strip(), name))
    return tuple(out)


_NUMBERED = re.compile(f"^\\s*{headings.TOP}")


@checker("N-14")
def outline(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """Sub-headings of 一 numbered 一、二、… (a second top-level numbering), or repeating an official heading."""
    official = set(lexicon.words("official_headings"))
    numbered: list[TextField] = []
    for field in (f for f in text_fields(ctx, titles=True) if f.path.endswith(".title")):
        title = field.text.strip()
        if _NUMBERED.match(title):
            numbered.append(field)
        elif headings.ANY.sub("", title).rstrip("。") in official:
            yield finding(ctx, rule, field, rule.message.format(title=title))
    if numbered:  # one finding for the whole outline: it is one decision of the clerk's, fixed at once
        titles = "”“".join(f.text.strip() for f in numbered)
        yield finding(ctx, rule, numbered[0], rule.messages["numbering"].format(title=titles))


_DOUBLED = re.compile(r"([\u4e00-\u9fff]{2,4})\1")
_CJK = re.compile(r"[\u4e00-\u9fff“”《》、，。]")
_ASCII_MARKS = re.compile("[" + re.escape("".join(sorted(lexicon.words("ascii_punctuation")))) + "]")


@checker("N-15")
def text_quality(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """A word written twice ("资金资金"); ASCII punctuation between Chinese characters."""
    for field in text_fields(ctx, titles=True):
        for name, quoted, more in _faults(field.text):
            template = rule.messages[name] if name else rule.message
            yield finding(ctx, rule, field, template.format(quoted=quoted, more=more))


@lru_cache(maxsize=512)
def _faults(text: str) -> tuple[tuple[str, str, str], ...]:
    """What N-15 says about one text (the register's template name, the first three places quoted, "等 N 处"
    for the templates that say how many), found once per text."""
    allowed = lexicon.words("doubled_allowed")
    doubled = [m.span() for m in _DOUBLED.finditer(text) if m.group() not in allowed]
    marks = [(i, i + 1) for i in (m.start() for m in _ASCII_MARKS.finditer(text)) if _between_chinese(text, i)]
    return tuple(
        (name, "、".join(f"“{_around(text, *span)}”" for span in spans[:3]), f"等 {len(spans)} 处" * (len(spans) > 3))
        for name, spans in (("", doubled), ("ascii_punctuation", marks))
        if spans
    )


def _between_chinese(text: str, i: int) -> bool:
    """Whether the mark at i has Chinese text on one side (spaces skipped): "六部分, 并附" but not "https://"."""
    before = text[max(0, i - 16) : i].rstrip()[-1:]  # a window, not text[:i]: many marks must not cost n²
    after = text[i + 1 : i + 17].lstrip()[:1]
    return bool(_CJK.match(before) or _CJK.match(after))


def _around(text: str, start: int, end: int) -> str:
    return text[max(0, start - 4) : end + 4].replace("\n", " ").strip()

"""Claims about 规章 and 行政规范性文件 made, repealed or in force (表二 第二十条第（一）项)."""

from __future__ import annotations

import re
from functools import lru_cache, partial

from xlpy.narrative import grammar, lexicon
from xlpy.narrative.grammar import Claim
from xlpy.narrative.numerals import Number
from xlpy.narrative.sentences import Sentence, sentences

RULES, NORMATIVE = "rules", "normative"  # 规章；（行政）规范性文件
MADE, PUBLISHED, REPEALED, IN_FORCE = "made", "published", "repealed", "in_force"

# Words that make the documents someone else's, or the action something other than making them.
_BLOCK = lexicon.pattern("document_blockers")  # someone else's, or planned / proposed, not done
_TAIL = lexicon.filler("document_tails")  # between the noun and the number ("规章共 3 件")
_MID = re.compile(r"[^，。；;：:、\d]{0,12}")  # between the verb and the noun ("制发部门规范性文件")
_UNITS = frozenset(lexicon.words("document_units"))


# Where 新制作 and 新公开 are separate columns (2019), a clerk's "新增" may mean either.
_ALSO = {MADE: PUBLISHED, PUBLISHED: MADE}


@lru_cache(maxsize=256)
def document_claims(text: str, year: int | None) -> tuple[Claim, ...]:
    """Numbers stated for 规章 / 行政规范性文件 made, published, repealed or in force ("s2.<noun>.<column>")."""
    if "规章" not in text and "规范性文件" not in text:
        return ()  # every form names one of them
    named = (s for s in sentences(text) if "规章" in s.norm or "规范性文件" in s.norm)
    return tuple(c for s in named for c in grammar.claimed(s, year, _UNITS, partial(_kind, s)))


def _kind(s: Sentence, n: Number) -> tuple[str, tuple[str, ...]] | None:
    """ "制发规章 3 件" / "废止…规范性文件 2 件" / "现行有效规章 20 件" / "规章现行有效 20 件": "s2.<noun>.<column>"."""
    before = s.before(n)
    last = None if grammar.qualified(s, n, before) else grammar.read(before, "s2")
    if last is None or not _TAIL.fullmatch(before[last.start + len(last.word) :]):
        return None
    noun = grammar.read(last.lead, "s2") if last.group == IN_FORCE else last
    if noun is None or noun.group != "noun":
        return None
    verb = last if last is not noun else grammar.read(noun.lead, "s2")
    if verb is None or verb.group == "noun":
        return None
    mid = "" if verb is last else noun.lead[verb.start + len(verb.word) :]
    if not (mid in ("", "的") if verb.group == IN_FORCE else _MID.fullmatch(mid)):
        return None
    if _BLOCK.search(mid) or _BLOCK.search(verb.lead[-4:] if verb is not last else noun.lead[-4:]):
        return None
    # “新增公开/发布 规章” is 新公开 (2019 has its own column; 2021 counts it as 制发).
    kind = f"s2.{RULES if noun.word == '规章' else NORMATIVE}"
    return f"{kind}.{verb.group}", (f"{kind}.{_ALSO[verb.group]}",) if verb.group in _ALSO else ()

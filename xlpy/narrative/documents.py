"""Claims about 规章 and 行政规范性文件 made, repealed or in force (表二 第二十条第（一）项)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from xlpy.narrative import lexicon
from xlpy.narrative.claims import COMPARE, Claim, rolled_up
from xlpy.narrative.sentences import sentences

RULES, NORMATIVE = "rules", "normative"  # 规章；（行政）规范性文件
MADE, PUBLISHED, REPEALED, IN_FORCE = "made", "published", "repealed", "in_force"

_NOUN = r"(?P<noun>行政规范性文件|规范性文件|规章(?!制度))"
_TAIL = r"(?P<tail>(?:共计|合计|共|为|了|的|件数|数量|\s)*)$"
_MADE = re.compile(
    r"(?P<verb>新增公开|新增|新制发|制发|新出台|出台|新制定|制定|印发|新制作|新公开|发布|公布)"
    r"(?P<mid>[^，。；;：:、\d]{0,12}?)" + _NOUN + _TAIL
)
_REPEALED = re.compile(r"(?P<verb>宣布废止|废止)(?P<mid>[^，。；;：:、\d]{0,12}?)" + _NOUN + _TAIL)
_IN_FORCE = re.compile(
    r"(?:现行有效(?P<mid>的?)" + _NOUN + "|" + _NOUN.replace("noun", "noun2") + r"现行有效(?P<mid2>的?))" + _TAIL
)
# Words that make the documents someone else's, or the action something other than making them.
_BLOCK = lexicon.pattern("document_blockers")  # someone else's, or planned / proposed, not done
_UNITS = frozenset({"件", "部", "个", "份", "项"})


@dataclass(frozen=True, slots=True)
class DocumentClaim:
    claim: Claim
    noun: str  # rules | normative
    column: str  # made | published | repealed | in_force
    verb: str


@lru_cache(maxsize=256)
def document_claims(text: str, year: int | None) -> tuple[DocumentClaim, ...]:
    """Numbers stated for 规章 / 行政规范性文件 made, published, repealed or in force."""
    out: list[DocumentClaim] = []
    if "规章" not in text and "规范性文件" not in text:
        return ()  # every pattern names one of them
    for s in sentences(text):
        if "规章" not in s.norm and "规范性文件" not in s.norm:
            continue
        for n in s.numbers:
            if n.unit not in _UNITS or n.approx:
                continue
            before = s.before(n)
            if COMPARE.search(before) or rolled_up(s, n):
                continue
            read = _read(before)
            if read is not None and s.about_year(n.num_start, year):
                noun, column, verb = read
                claim = Claim(f"s2.{noun}.{column}", n.value, n, s, s.fragment(n))
                out.append(DocumentClaim(claim, noun, column, verb))
    return tuple(out)


def _read(before: str) -> tuple[str, str, str] | None:
    for pattern, column in ((_REPEALED, REPEALED), (_MADE, MADE), (_IN_FORCE, IN_FORCE)):
        m = pattern.search(before)
        if m is None:
            continue
        groups = m.groupdict()
        mid = (groups.get("mid") or "") + (groups.get("mid2") or "")
        if _BLOCK.search(mid) or _BLOCK.search(before[max(0, m.start() - 4) : m.start()]):
            return None
        noun_text = groups.get("noun") or groups.get("noun2") or ""
        noun = RULES if noun_text == "规章" else NORMATIVE
        verb = groups.get("verb") or "现行有效"
        if column == MADE and "现行有效" in mid:
            return noun, IN_FORCE, "现行有效"  # "集中发布现行有效行政规范性文件393件": the stock, not this year's
        if column == MADE and "公开" in verb or verb in ("发布", "公布"):
            column = PUBLISHED  # “新增公开/发布 规章”: 2019 has its own column; 2021 counts it as 制发
        return noun, column, verb
    return None

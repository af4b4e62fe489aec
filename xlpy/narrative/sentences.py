"""Sentences and clauses of a paragraph, and which year a statement in it talks about."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from xlpy.narrative.numerals import Number, normalise, numbers_in

# A sentence ends at 。！？ or a line break; "；" only ends a clause, so a list stays one sentence.
_SENTENCE_END = re.compile(r"[。！？!?\n]+")
# Clause boundaries for "which words belong to this number". "、" is not one: "收到公民、法人的申请 20 件".
MAJOR = frozenset("，,；;：:（）()【】「」“”\"《》")
MINOR = MAJOR | frozenset("、。！？!?\n")

_YEAR = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*年(?!\s*(?:度)?\s*的?\s*(?:结转|转入|未办结))"
    r"|(?P<this>今年|本年度|本年|全年|当年|年内)"
    r"|(?P<other>去年|上一?年度?|前年|往年|历年)(?!\s*(?:度)?\s*的?\s*(?:结转|转入|未办结))"
)
# Years listed together ("2022年、2023年、2024年分别…"): the statement is about several years.
_YEAR_LIST = re.compile(r"\s*(?:度)?\s*(?:、|和|及|与|至|到|-|—|~|－)\s*$")
# A part of the year ("1至6月", "上半年", "第一季度", "3月份"): not the year's figure.
_PART_OF_YEAR = re.compile(
    r"(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*(?:月份?)?\s*(?:至|到|-|—|~|－)\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*月(?!\d*日)"
    r"|上半年|下半年|[一二三四1-4]\s*季度|(?<![至止到底])\d{1,2}\s*月份"
)


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a text field, with its numbers."""

    text: str  # as written
    norm: str  # full-width digits normalised (same length)
    start: int  # offset in the paragraph
    index: int  # position in the paragraph
    numbers: tuple[Number, ...]

    def clause_start(self, pos: int) -> int:
        """Offset after the last major delimiter before pos."""
        i = pos - 1
        while i >= 0 and self.norm[i] not in MAJOR:
            i -= 1
        return i + 1

    def clause_end(self, pos: int) -> int:
        """Offset of the next delimiter (major or "、") at or after pos."""
        i = pos
        while i < len(self.norm) and self.norm[i] not in MINOR:
            i += 1
        return i

    def before(self, n: Number) -> str:
        """The words of n's clause before n, not reaching back past the previous number."""
        lo = self.clause_start(n.num_start)
        for m in self.numbers:
            if m.end <= n.num_start and m.end > lo:
                lo = m.end
        return self.norm[lo:n.num_start]

    def after(self, n: Number) -> str:
        """The words after n up to the next delimiter or number."""
        hi = self.clause_end(n.end)
        for m in self.numbers:
            if m.num_start >= n.end:
                hi = min(hi, m.num_start)
                break
        return self.norm[n.end:hi]

    def fragment(self, n: Number) -> str:
        """The clause around n as written, for quoting in a message."""
        lo = self.clause_start(n.num_start)
        for m in self.numbers:  # in a list "A 3 件、B 2 件", quote only "B 2 件"
            if lo < m.end <= n.num_start:
                lo = m.end
        hi = self.clause_end(n.end)
        frag = self.text[lo:hi].strip(" 、，,")
        return frag if len(frag) <= 60 else "…" + self.text[max(lo, n.num_start - 40):hi].strip()

    def about_year(self, pos: int, year: int | None) -> bool:
        """Whether the statement at pos talks about the report year (the nearest year word before it)."""
        verdict = True
        last_end = 0
        prev_end = -1
        for m in _YEAR.finditer(self.norm, 0, pos):
            if m.group("y"):
                verdict = year is not None and int(m.group("y")) == year
                if prev_end >= 0 and _YEAR_LIST.match(self.norm, prev_end, m.start()):
                    verdict = False  # one of several years listed together
            elif m.group("this"):
                verdict = True
            else:
                verdict = False
            prev_end = m.end() if m.group("y") else -1
            last_end = m.end()
        if verdict and _PART_OF_YEAR.search(self.norm, last_end, pos):
            return False  # "1至6月收到…": a part of the year
        return verdict


@lru_cache(maxsize=256)
def sentences(text: str) -> tuple[Sentence, ...]:
    """The sentences of a paragraph (empty text → none)."""
    out: list[Sentence] = []
    norm = normalise(text or "")
    pos = 0
    for m in [*_SENTENCE_END.finditer(norm), None]:
        end = m.start() if m else len(norm)
        raw = (text or "")[pos:end]
        if raw.strip():
            out.append(Sentence(raw, norm[pos:end], pos, len(out), numbers_in(raw)))
        pos = m.end() if m else len(norm)
    return tuple(out)


def blank_parens(s: str) -> str:
    """The text with every closed （…） group replaced by spaces (offsets kept)."""
    if "（" not in s and "(" not in s:
        return s
    out = list(s)
    stack: list[int] = []
    for i, ch in enumerate(s):
        if ch in "（(":
            stack.append(i)
        elif ch in "）)" and stack:
            j = stack.pop()
            if not stack:
                out[j:i + 1] = " " * (i + 1 - j)
    return "".join(out)

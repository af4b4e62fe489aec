"""Sentences and clauses of a paragraph, and which year a statement in it talks about."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from xlpy.narrative import lexicon
from xlpy.narrative.numerals import Number, find_numbers, normalise

# A sentence ends at 。！？ or a line break; "；" only ends a clause, so a list stays one sentence.
# Clause boundaries for "which words belong to this number". "、" is not one: "收到公民、法人的申请 20 件".
_MAJOR = re.escape('，,；;：:（）()【】「」“”"《》')
_MAJOR_RE, _MINOR_RE = re.compile(f"[{_MAJOR}]"), re.compile(f"[{_MAJOR}、。！？!?\n]")

# Year words (年份词). A year followed by 结转 ("2023年结转", "上年度未办结") names where a figure came from.
_THIS, _OTHER = lexicon.alternation("this_year_words"), lexicon.alternation("other_year_words")
_CARRIED = lexicon.alternation("carried_from_year_words")
_NOT_CARRIED = f"(?!\\s*(?:度)?\\s*的?\\s*(?:{_CARRIED}))"
_YEAR = re.compile(rf"(?P<y>(?:19|20)\d{{2}})\s*年{_NOT_CARRIED}|(?P<this>{_THIS})|(?P<other>{_OTHER}){_NOT_CARRIED}")
# Years listed together ("2022年、2023年、2024年分别…"): the statement is about several years.
_RANGE, _AND = lexicon.alternation("range_joiners"), lexicon.alternation("year_list_conjunctions")
_YEAR_LIST = re.compile(f"\\s*(?:度)?\\s*(?:{_AND}|{_RANGE})\\s*$")
# A part of the year ("1至6月", "上半年", "第一季度", "3月份", "截至6月底"): not the year's figure.
_HALVES, _QUARTER, _AS_OF = (lexicon.alternation(n) for n in ("year_halves", "quarter_words", "as_of_words"))
_PARTS = (*lexicon.words("year_halves"), *lexicon.words("quarter_words"))  # with "月": a cheap pre-filter
_MONTH = r"(?:\d{1,2}|[一二三四五六七八九十]{1,2})"
_PART_OF_YEAR = re.compile(
    rf"{_MONTH}\s*(?:月份?)?\s*(?:{_RANGE})\s*{_MONTH}\s*月(?!\d*日)"
    rf"|{_HALVES}|[一二三四1-4]\s*(?:{_QUARTER})|(?<![至止到底])\d{{1,2}}\s*月份"
    rf"|(?:{_AS_OF})\s*(?:(?:19|20)\d{{2}}\s*年)?\s*(?:0?[1-9]|1[01])\s*月(?:底|末|份|\s*\d{{1,2}}\s*日)?"
)


# Not frozen: a frozen dataclass's __init__ goes through object.__setattr__ per field, and thousands
# are built per report. Treat as immutable. Equal and hashed by its words, which decide what a reader finds
# in it (per_sentence).
@dataclass(slots=True, unsafe_hash=True)
class Sentence:
    """One sentence of a text field, with its numbers."""

    text: str  # as written
    norm: str = field(compare=False)  # full-width digits normalised (same length)
    start: int = field(compare=False)  # offset in the paragraph
    numbers: tuple[Number, ...] = field(compare=False)
    # Where each number starts and ends, in order: neighbours are found by bisection, so a long
    # paragraph full of numbers costs n·log n, not n² (a 26,000-character cell took 18 s before).
    starts: tuple[int, ...] = field(init=False, compare=False)
    ends: tuple[int, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        self.starts = tuple(m.num_start for m in self.numbers)
        self.ends = tuple(m.end for m in self.numbers)

    def clause_start(self, pos: int) -> int:
        """Offset after the last major delimiter before pos."""
        marks = _marks(self.norm).major
        i = bisect_left(marks, pos)
        return marks[i - 1] + 1 if i else 0

    def clause_end(self, pos: int) -> int:
        """Offset of the next delimiter (major or "、") at or after pos."""
        marks = _marks(self.norm).minor
        i = bisect_left(marks, pos)
        return marks[i] if i < len(marks) else len(self.norm)

    def before(self, n: Number) -> str:
        """The words of n's clause before n, not reaching back past the previous number."""
        return self.norm[self._after_previous(n) : n.num_start]

    def after(self, n: Number) -> str:
        """The words after n up to the next delimiter or number."""
        i = bisect_left(self.starts, n.end)
        following = self.starts[i] if i < len(self.starts) else len(self.norm)
        return self.norm[n.end : min(self.clause_end(n.end), following)]

    def fragment(self, n: Number) -> str:
        """The clause around n as written, for quoting in a message."""
        lo = self._after_previous(n)  # in a list "A 3 件、B 2 件", quote only "B 2 件"
        # At most 40 characters past the number: in unpunctuated text the clause runs to the paragraph's
        # end, and copying it for every number cost n².
        hi = min(self.clause_end(n.end), n.end + 40)
        frag = self.text[lo:hi].strip(" 、，,")
        return frag if len(frag) <= 60 else "…" + self.text[max(lo, n.num_start - 40) : hi].strip()

    def _after_previous(self, n: Number) -> int:
        """Start of n's clause, or the end of the previous number inside that clause if later."""
        lo = self.clause_start(n.num_start)
        i = bisect_right(self.ends, n.num_start)
        return max(lo, self.ends[i - 1]) if i else lo

    def about_year(self, pos: int, year: int | None) -> bool:
        """Whether the statement at pos talks about the report year (the nearest year word before it)."""
        marks = _marks(self.norm)
        # The last year word ending at or before pos decides (one cut by pos is not one); found by
        # bisection, so a paragraph full of years and numbers stays n·log n.
        i = bisect_right(marks.year_ends, pos)
        # "较去年回落12.3%，办结…140件": a compared-with year speaks for its own clause only (a major
        # delimiter between it and pos).
        major, years = marks.major, marks.years
        while i and years[i - 1][3] and bisect_left(major, years[i - 1][1]) < bisect_left(major, pos):
            i -= 1
        if not i:
            verdict, last_end = True, 0
        else:  # listed years are resolved in _marks (says False)
            start, last_end, says, _ = years[i - 1]
            verdict = says if says is not None else (year is not None and int(self.norm[start : start + 4]) == year)
        # "1至6月收到…": a part of the year between the year word and pos.
        return verdict and bisect_right(marks.part_ends, last_end) == bisect_right(marks.part_ends, pos)


class _Marks(NamedTuple):
    """Per sentence, once: where its delimiters, year words and parts of a year are."""

    major: list[int]  # major delimiters
    minor: list[int]  # all delimiters
    # Per year word: start, end, verdict (None: a year number, decided later), what a figure is compared
    # with ("较去年").
    years: tuple[tuple[int, int, bool | None, bool], ...]
    year_ends: tuple[int, ...]
    part_ends: tuple[int, ...]  # "1至6月", "上半年"


# The year after these is what a figure is compared with ("较去年", "比上年", "与2023年相比", "同比").
_COMPARED = lexicon.words("compared_with_markers")


@lru_cache(maxsize=1024)
def _marks(norm: str) -> _Marks:
    years: list[tuple[int, int, bool | None, bool]] = []
    prev_end = -1
    for m in _YEAR.finditer(norm):
        # A year number is decided by the caller (None), unless it is one of several years listed together.
        listed = prev_end >= 0 and _YEAR_LIST.match(norm, prev_end, m.start()) is not None
        says = (False if listed else None) if m.group("y") else bool(m.group("this"))
        years.append((m.start(), m.end(), says, norm[max(0, m.start() - 3) : m.start()].rstrip().endswith(_COMPARED)))
        prev_end = m.end() if m.group("y") else -1
    parts = _PART_OF_YEAR.finditer(norm) if "月" in norm or any(w in norm for w in _PARTS) else ()
    return _Marks(
        [m.start() for m in _MAJOR_RE.finditer(norm)],
        [m.start() for m in _MINOR_RE.finditer(norm)],
        tuple(years),
        tuple(y[1] for y in years),
        tuple(sorted(m.end() for m in parts)),
    )


@lru_cache(maxsize=256)
def sentences(text: str) -> tuple[Sentence, ...]:
    """The sentences of a paragraph (empty text → none)."""
    out: list[Sentence] = []
    text = text or ""
    norm = normalise(text)
    # str.replace/split run in C and are several times faster than a regex (or str.translate) over CJK text.
    ends = norm
    for mark in "！？!?\n":
        ends = ends.replace(mark, "。")
    pos = 0
    for piece in ends.split("。"):
        end = pos + len(piece)
        if piece and not piece.isspace():
            out.append(Sentence(text[pos:end], piece, pos, find_numbers(text[pos:end])))
        pos = end + 1
    return tuple(out)


class Parens(NamedTuple):
    """The （…） groups of a sentence, found in one pass."""

    blanked: str  # every closed outermost group replaced by spaces (offsets kept)
    open_before: bytes  # per offset: 1 when a parenthesis is open before it
    closing: dict[int, int]  # offset of an opening parenthesis → offset of the one closing it


@lru_cache(maxsize=1024)
def parens(s: str) -> Parens:
    if "（" not in s and "(" not in s:
        return Parens(s, bytes(len(s) + 1), {})
    out, flags, closing = list(s), bytearray(len(s) + 1), {}
    stack: list[int] = []
    for i, ch in enumerate(s):
        if ch in "（(":
            stack.append(i)
        elif ch in "）)" and stack:
            j = stack.pop()
            closing[j] = i
            if not stack:
                out[j : i + 1] = " " * (i + 1 - j)
        flags[i + 1] = bool(stack)
    return Parens("".join(out), bytes(flags), closing)


# A reader of one sentence, cached by the sentence's words (a Sentence is equal by its text; its numbers and
# offsets are its own): a sentence is read once per report whichever rule asks, a paragraph edited in one
# sentence re-reads only that sentence, and a sentence repeated (pasted text, the next report) is not read
# again. A cached result's `sentence` is the first one of that text.
per_sentence = lru_cache(maxsize=4096)

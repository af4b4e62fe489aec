"""The one grammar of the clerk's text: which words before (or after) a number name the quantity it states.

Sentence → clauses → numbers (sentences.py, numerals.py); here each number gets the trigger that names it
(a word group of schemas/narrative/claims.json "triggers"), the words between them, and its qualifiers:
a comparison (比上年增加), a roll-up of subordinate bodies (各部门), an approximation (近/约), another year.
The claim modules (claims.py 表三, cases.py 表四, documents.py 表二) only decide, from that reading, which
claim kind a number is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from xlpy.narrative import kinds, lexicon
from xlpy.narrative.numerals import Number
from xlpy.narrative.sentences import Sentence

_YEAR = r"(?:19|20)\d{2}\s*"  # "<year>" in a trigger form


def _word(word: str) -> str:
    if word.startswith("@"):
        name = word[1:]
        # "@outcomes", "@rows": the words of claims.json's outcome and row tables; any other name: a lexicon list.
        listed = kinds.outcomes() if name == "outcomes" else kinds.rows() if name == "rows" else lexicon.words(name)
        return "|".join(re.escape(w) for w in sorted(listed, key=len, reverse=True))
    return re.escape(word).replace(re.escape("<year>"), _YEAR)


def _slot(words: list[str]) -> str:
    """One word position: its words longest first; "" makes it optional, "*" repeatable."""
    alts = sorted((_word(w) for w in words if w not in ("", "*")), key=len, reverse=True)
    suffix = "*" if "*" in words else "?" if "" in words else ""
    return f"(?:{'|'.join(alts)}){suffix}"


def forms(spec: list[list[list[str]]]) -> str:
    """The regex source of a list of forms (a form: word positions in order)."""
    return "|".join("".join(_slot(slot) for slot in form) for form in spec)


def _group(spec: dict[str, Any]) -> str:
    before = "".join(f"(?<!{re.escape(w)})" for w in spec.get("not_after", ()))
    after = "".join(f"(?!{re.escape(w)})" for w in spec.get("not_before", ()))
    return f"{before}(?:{forms(spec['forms'])}){after}"


@cache
def triggers(family: str, only: tuple[str, ...] = ()) -> re.Pattern[str]:
    """The trigger words of a claim family as one pattern, one named group per trigger kind."""
    groups = kinds.triggers(family)["groups"]
    return re.compile("|".join(f"(?P<{g}>{_group(spec)})" for g, spec in groups.items() if not only or g in only))


@cache
def after(family: str) -> re.Pattern[str]:
    """A trigger right after a number ("3 件结转下年度"), with the words allowed before it."""
    spec = kinds.triggers(family)
    groups = spec["groups"]
    alts = "|".join(f"(?P<{g}>{_group(groups[g])})" for g in spec["after"])
    return re.compile(f"^(?:{forms(spec['after_lead'])})(?:{alts})")


# Qualifiers every claim family shares: a number after one of these is not the table's figure.
COMPARE = lexicon.pattern("comparison_markers")
# Sub-populations of a government's report ("各部门", "下属单位"): the table counts the agency itself.
_SUBUNIT, _SUBORDINATE = lexicon.alternation("subunit_nouns"), lexicon.alternation("subordinate_words")
SUBUNITS = re.compile(f"各[^，,。；;\\d]{{0,4}}?(?:{_SUBUNIT})|{_SUBORDINATE}|[局委厅办]属(?!于)")
# "…共 215 件，其中县政府办公室（本级）5 件": the total is a roll-up and the agency's own share follows.
_OWN = lexicon.alternation("own_share_words")
_OWN_SHARE = re.compile(f"其中[^，,。；;\\d]{{0,12}}?(?:{_OWN})")


@dataclass(frozen=True, slots=True)
class Claim:
    """A number in the text read as a statement about one table quantity."""

    kind: str
    value: Decimal
    number: Number
    sentence: Sentence
    fragment: str  # the clause as written, for the message
    also: tuple[str, ...] = ()  # other kinds the words make plausible ("新增规章" in 2019: 新制作 or 新公开)


@dataclass(frozen=True, slots=True)
class Statement:
    """A sentence-level statement without a number (e.g. "未收到政府信息公开申请")."""

    sentence: Sentence
    fragment: str
    start: int  # offset in the sentence
    words: str = ""  # the statement itself ("未发生行政复议、行政诉讼")


def statements(
    found: Iterable[Sentence],
    year: int | None,
    pattern: re.Pattern[str],
    keep: Callable[[Sentence, re.Match[str]], bool],
) -> Iterator[Statement]:
    """The matches of a statement pattern ("未收到…申请", "所有申请均已办结") that keep accepts and that speak of
    the report year, each quoted by its clause."""
    for s in found:
        for m in pattern.finditer(s.norm):
            if keep(s, m) and s.about_year(m.start(), year):
                frag = s.text[s.clause_start(m.start()) : s.clause_end(m.end())].strip()
                yield Statement(s, frag, m.start(), m.group())


@dataclass(frozen=True, slots=True)
class Reading:
    """The trigger naming a number: its kind (group), the words as written and the words before it."""

    group: str
    word: str
    lead: str  # the words before the trigger
    start: int  # offset of the trigger in the words before the number


def qualified(s: Sentence, n: Number, before: str) -> bool:
    """Whether the number is compared (比上年增加) or rolls up subordinate bodies ("各部门…" before it, or
    "其中本级…" after it): not a table figure."""
    if COMPARE.search(before):
        return True
    first_end, last_start = _roll_up_marks(s.norm)
    return first_end <= n.num_start or last_start >= n.end


@lru_cache(maxsize=1024)
def _roll_up_marks(norm: str) -> tuple[int, int]:
    """Where the first "各部门…" ends and the last "其中本级…" starts, found once per sentence: searching
    from each number to the sentence's ends cost n² on a long unpunctuated paragraph."""
    first = SUBUNITS.search(norm)
    last = -1
    for m in _OWN_SHARE.finditer(norm):
        last = m.start()
    return (first.end() if first else len(norm) + 1), last


def read(s: Sentence, n: Number, family: str, before: str | None = None) -> Reading | None:
    """The last trigger of the family before n in its clause (None when none names it)."""
    before = s.before(n) if before is None else before
    found = None
    for found in triggers(family).finditer(before):  # noqa: B007 (the last one is wanted)
        continue
    if found is None:
        return None
    return Reading(found.lastgroup or "", found.group(), before[: found.start()], found.start())


def joined(lead: str, family: str, groups: tuple[str, ...]) -> list[str]:
    """The triggers of these groups chained by 和/及/、 at the end of lead ("予以公开及部分公开" before the number)."""
    m = _chain(family, groups).search(lead)
    return [] if m is None else [w.group() for w in triggers(family, groups).finditer(m.group())]


@cache
def _chain(family: str, groups: tuple[str, ...]) -> re.Pattern[str]:
    word = triggers(family, groups).pattern
    conj = lexicon.alternation("conjunctions")
    tail = forms(kinds.triggers(family)["join_tail"])
    return re.compile(f"(?:(?:{word})(?:{tail})\\s*(?:{conj})\\s*)+$")


def words(family: str, group: str) -> str:
    """The regex source of one trigger group, without its group name (to embed in a checker's pattern)."""
    return _group(kinds.triggers(family)["groups"][group])

"""The one grammar of the clerk's text: which words before (or after) a number name the quantity it states.

Sentence → clauses → numbers (sentences.py, numerals.py); here each number gets the trigger that names it
(a word group of schemas/narrative/claims.json "triggers"), the words between them, and its qualifiers:
a comparison (比上年增加), a roll-up of subordinate bodies (各部门), an approximation (近/约), another year;
and the statements without a number (claims.json "statements": 未收到申请, 未发生行政复议, 均已办结).
The claim modules (claims.py 表三, cases.py 表四, documents.py 表二) only decide, from that reading, which
claim kind a number is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from itertools import count
from typing import Any

from xlpy.narrative import kinds, lexicon
from xlpy.narrative.numerals import Number
from xlpy.narrative.sentences import Sentence, sentences
from xlpy.resources import load_json

_YEAR = r"(?:19|20)\d{2}\s*"  # "<year>" in a trigger form


def _word(word: str) -> str:
    if word.startswith("@"):
        name = word[1:]
        # "@outcomes", "@rows": the words of claims.json's outcome and row tables; any other name: a lexicon list.
        listed = kinds.outcomes() if name == "outcomes" else kinds.rows() if name == "rows" else lexicon.words(name)
        return "|".join(re.escape(w) for w in sorted(listed, key=len, reverse=True))
    return re.escape(word).replace(re.escape("<year>"), _YEAR)


# Where a statement's gap and its tail stop: the end of the clause (a gap also at a colon or a number).
_GAP_STOPS, _TAIL_STOPS = "，,。；;：:\\d", "，,。；;、"
_GAPS = count()


def _slot(words: list[str] | dict[str, Any]) -> str:
    """One word position: its words longest first; "" makes it optional, "*" repeatable. {"gap": n}: up to n
    characters of the clause, a named group (unique in any pattern joining several groups' forms) that the
    statement reader checks after the match. {"forms": […]}: one of these forms, the first that fits."""
    if isinstance(words, dict) and "forms" in words:
        return f"(?:{forms(words['forms'])})"
    if isinstance(words, dict):
        return f"(?P<gap{next(_GAPS)}>[^{_GAP_STOPS}]{{0,{words['gap']}}}?)"
    alts = sorted((_word(w) for w in words if w not in ("", "*")), key=len, reverse=True)
    suffix = "*" if "*" in words else "?" if "" in words else ""
    return f"(?:{'|'.join(alts)}){suffix}"


def forms(spec: list[list[Any]]) -> str:
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
    """A trigger of the "after" groups right after a number ("3 件结转下年度"), with the words allowed before it."""
    spec = kinds.triggers(family)
    return re.compile(f"^(?:{forms(spec['after_lead'])})(?:{triggers(family, tuple(spec['after'])).pattern})")


# Qualifiers every claim family shares: a number after one of these is not the table's figure.
COMPARE = lexicon.pattern("comparison_markers")
# Sub-populations of a government's report ("各部门", "下属单位"): the table counts the agency itself.
SUBUNITS = triggers("roll_up", ("subunits", "bureau_owned"))
# "…共 215 件，其中县政府办公室（本级）5 件": the total is a roll-up and the agency's own share follows.
_OWN_SHARE = triggers("roll_up", ("own_share",))


@dataclass(frozen=True, slots=True)
class Claim:
    """A number in the text read as a statement about one table quantity."""

    kind: str
    value: Decimal
    number: Number
    sentence: Sentence
    fragment: str  # the clause as written, for the message
    also: tuple[str, ...] = ()  # other kinds the words make plausible ("新增规章" in 2019: 新制作 or 新公开)


def claimed(
    s: Sentence, year: int | None, units: frozenset[str], kind: Callable[[Number], tuple[str, tuple[str, ...]] | None]
) -> tuple[Claim, ...]:
    """A sentence's claims: each number in one of the units, not approximate, whose claim kind (and the kinds its
    words make plausible besides) the family's reader names, and that speaks of the report year."""
    return tuple(
        Claim(k[0], n.value, n, s, s.fragment(n), k[1])
        for n in s.numbers
        if n.unit in units and not n.approx and (k := kind(n)) is not None and s.about_year(n.num_start, year)
    )


@dataclass(frozen=True, slots=True)
class Statement:
    """A sentence-level statement without a number (e.g. "未收到政府信息公开申请")."""

    fragment: str  # its clause as written, for the message
    words: str = ""  # the statement itself ("未发生行政复议、行政诉讼")


@cache
def _shape(name: str) -> tuple[re.Pattern[str], dict[str, Any], re.Pattern[str] | None]:
    """A statement of claims.json "statements": its forms as one pattern, its spec, the words its tail may hold."""
    spec = load_json(kinds.CLAIMS)["statements"][name]
    tail = re.compile(f"(?:{forms(spec['tail'])})\\s*") if "tail" in spec else None
    rest = f"(?P<tail>[^{_TAIL_STOPS}]*)" if tail else ""
    return re.compile(f"(?:{forms(spec['forms'])}){rest}"), spec, tail


def statement(name: str) -> re.Pattern[str]:
    """The pattern of one statement's forms (X-1, X-4 match it against a clause or a whole text)."""
    return _shape(name)[0]


def zeros(name: str, words: str | None = None) -> tuple[str, ...]:
    """The claim kinds a statement as written says are 0: those whose words it names, or that need none
    (words None: every kind it may say is 0)."""
    zero = _shape(name)[1].get("zero", {})
    return tuple(k for k, need in zero.items() if words is None or not need or any(w in words for w in need))


@lru_cache(maxsize=512)
def statements(name: str, text: str, year: int | None, always: bool = False) -> tuple[Statement, ...]:
    """The statements of one kind in a text ("未收到…申请", "所有申请均已办结") that their blockers let stand and
    that speak of the report year, each quoted by its clause. With a "topic" list, only in the sentences on the
    topic or right after one (always: all are, the section's own lead paragraph)."""
    pattern, spec, _ = _shape(name)
    if not any(w in text for w in spec["hints"]):
        return ()  # every form names a hint: most texts are skipped by substring tests
    found: Iterable[Sentence] = sentences(text)
    if "topic" in spec:
        found = [s for s, on in on_topic(text, always, lexicon.pattern(spec["topic"]).search) if on]
    out = []
    for s in found:
        for m in pattern.finditer(s.norm):
            if _stands(name, s, m) and s.about_year(m.start(), year):
                frag = s.text[s.clause_start(m.start()) : s.clause_end(m.end())].strip()
                out.append(Statement(frag, m.group()))
            if spec.get("first_only"):
                break  # "除结转的1件外，其余均已办结": a sentence's first such words are its statement
    return tuple(out)


def _stands(name: str, s: Sentence, m: re.Match[str]) -> bool:
    """Every gap holds only the gap words (and not one side of a pair: "公民" without "法人"), the tail only the
    tail words, and no blocker stands in the clause before the statement, nor a roll-up ("各部门") before it."""
    _, spec, tail = _shape(name)
    if "not_in_sentence" in spec and any(w in s.norm for w in lexicon.words(spec["not_in_sentence"])):
        return False  # "另有1件结转下年度": the sentence itself says the statement does not hold for all
    for group, words in m.groupdict().items():
        if words is None:
            continue
        if group == "tail":
            ok = tail is not None and tail.fullmatch(words) is not None
        else:
            fill = "gap_words" not in spec or lexicon.filler(spec["gap_words"]).fullmatch(words) is not None
            ok = fill and not ("one_side" in spec and one_side(words, spec["one_side"]))
        if not ok:
            return False
    clause = s.norm[s.clause_start(m.start()) : m.end()]
    if "not_in_clause" in spec and lexicon.pattern(spec["not_in_clause"]).search(clause):
        return False
    return not (spec.get("not_after_subunits") and SUBUNITS.search(s.norm[: m.start()]))


def one_side(words: str, sides: list[str]) -> bool:
    """Whether words name one of two lists and not the other ("法人或其他组织提出的": one kind of applicant)."""
    first, second = (any(w in words for w in lexicon.words(name)) for name in sides)
    return first != second


def on_topic(
    text: str,
    always: bool,
    own: Callable[[str], object],
    carries: Callable[[str], object] | None = None,
    drops: Callable[[str], object] | None = None,
) -> list[tuple[Sentence, bool]]:
    """Each sentence with whether it is on a topic: by its own words, or carried from the one before. Without
    carries, a sentence on the topic by its own words hands it to the next; with it, a sentence carries the
    topic when carries accepts it and hands it on in turn, unless drops does."""
    out = []
    handed = always
    for s in sentences(text):
        mine = always or bool(own(s.norm))
        topical = mine or (handed and (carries is None or bool(carries(s.norm))))
        out.append((s, topical))
        handed = (mine if carries is None else topical) and not (drops is not None and drops(s.norm))
    return out


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
    last = max((m.start() for m in _OWN_SHARE.finditer(norm)), default=-1)
    return (first.end() if first else len(norm) + 1), last


def read(before: str, family: str) -> Reading | None:
    """The last trigger of the family in the words before a number (s.before(n): its clause), None when none."""
    found = max(triggers(family).finditer(before), key=re.Match.start, default=None)  # matches run left to right
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

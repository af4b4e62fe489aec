"""Sentence → claimed quantities: which table figure a number in the clerk's text states.

Precision over recall: a number is claimed only when the words right before it (or, for a few
kinds, right after it) name the quantity and everything in between is harmless filler. Anything
else — another population (热线, 信访, 建议提案), another year, a comparison (比上年增加), a
sub-count (其中网上申请), an approximation (余/近/约) — is left alone.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from xlpy.narrative import grammar, kinds, lexicon
from xlpy.narrative.grammar import Claim
from xlpy.narrative.numerals import Number
from xlpy.narrative.sentences import Sentence, per_sentence

# Kinds of claims (the checkers map each kind to table cells).
NEW, HANDLED, ANSWERED = "s3.new", "s3.handled", "s3.answered"  # 一；一+二；（七）
NEW_ONLY = "s3.new_only"  # "新收 … 申请 X 件": 一 and nothing else
CARRIED_OVER, CARRIED_FORWARD = "s3.carried_over", "s3.carried_forward"  # 二；四
PERCENT = "pct."  # prefix: "pct.s3.granted" — a share of an outcome
ROW = "s3.row."  # prefix: "s3.row.withheld.state_secret" — one row of 三、本年度办理结果
COMBINED = "s3.combined."  # prefix: "s3.combined.s3.granted+s3.partly" — outcomes stated together
_KINDS = {"new": NEW, "noun": NEW, "handled": HANDLED, "answered": ANSWERED, "fwd": CARRIED_FORWARD}

# Units a count of applications or cases is given in.
CASE_UNITS = frozenset(lexicon.words("application_units"))

_ROWS_RE = grammar.triggers("s3", ("row",))
_OUTCOMES = kinds.outcomes()
_OUTCOME_WORDS = grammar.triggers("s3", ("outcome",)).pattern  # one group: outcome
_OUTCOME_BEFORE = re.compile(f"{_OUTCOME_WORDS}(?:的)?$")
# What may stand between the keyword and the number ("收到公民、法人和其他组织提出的政府信息公开申请共 20 件").
_FILLER = lexicon.filler("application_fillers")
_NEGATED = lexicon.words("negations")
_APPLICANTS = ["person_applicants", "body_applicants"]  # naming one without the other: one kind of applicant
# Work done for or with another body ("协助其他部门办理…申请 10 件") is not this agency's count.
_NOT_OWN = lexicon.pattern("not_own_words")
# A clause that starts like this counts a part, not the whole ("其中网上申请受理 20 件").
_PART = lexicon.pattern("part_markers")
_OTHER_POPULATION = lexicon.pattern("other_populations")
_CARRIES = lexicon.pattern("application_topic_words")  # a sentence continuing the one before about applications
_NOUN_LEAD = re.compile(grammar.forms(kinds.triggers("s3")["noun_lead"]))
_SHARE_OF = re.compile(f"(?:{grammar.forms(kinds.triggers('s3')['share_of'])})")
# "予以公开率为 45%" / "予以公开的占全部申请的比例为 45%": a share named by its outcome.
_PCT_NAMED = re.compile(f"{_OUTCOME_WORDS}(?:{grammar.forms(kinds.triggers('s3')['share_named'])})\\s*$")
_SHARE_NOUNS = lexicon.pattern("share_nouns")
_SHARE_GAP = re.compile(r"[\s，,]*(?:占|比例)[^，,。；;\d]*")


def _carries(norm: str) -> bool:
    """Whether a sentence carries the application topic on: by its words, naming no other population outside the
    quoted row labels ("信访举报投诉类申请" is a row, not 信访)."""
    if not _CARRIES.search(norm):
        return False
    return not (_OTHER_POPULATION.search(norm) and _OTHER_POPULATION.search(_ROWS_RE.sub("", norm)))


def _own(norm: str) -> bool:
    return "申请" in norm and "公开" in norm


@lru_cache(maxsize=256)
def s3_claims(text: str, year: int | None, always: bool = False) -> tuple[Claim, ...]:
    """Claims about 表三 quantities (and shares of outcomes) in a paragraph: in the sentences about 政府信息公开申请
    and those carrying that topic from the one before. A roll-up ("全区各职能部门…共收到") is another population;
    so is the sentence continuing it."""
    if not always and "申请" not in text:
        return ()  # no sentence is about applications, and none carries the topic
    pairs = grammar.on_topic(text, always, _own, _carries, grammar.SUBUNITS.search)
    return tuple(claim for s, topical in pairs if topical for claim in _s3_sentence(s, year))


@per_sentence
def _s3_sentence(s: Sentence, year: int | None) -> tuple[Claim, ...]:
    """The 表三 claims of one sentence that is about applications."""
    out: list[Claim] = []
    by_number: dict[int, str] = {}
    for n in s.numbers:
        counted = n.unit in CASE_UNITS or (n.unit is None and _is_bare_zero(s, n))
        kind, lo = _pct_kind(s, n, by_number) if n.is_percent else (_s3_kind(s, n) if counted else None, None)
        if kind is None or n.approx or not s.about_year(n.num_start, year):
            continue
        # "予以公开1362件，占44.66%": quote both clauses.
        fragment = s.fragment(n) if lo is None else s.text[s.clause_start(lo) : s.clause_end(n.end)].strip()
        by_number[n.num_start] = kind
        out.append(Claim(kind, n.value, n, s, fragment))
    return tuple(out)


def _is_bare_zero(s: Sentence, n: Number) -> bool:
    """ "申请数量为0" / "为零": a zero without a unit right after 为/是."""
    return n.value == 0 and s.norm[: n.num_start].rstrip().endswith(("为", "是"))


def _s3_kind(s: Sentence, n: Number) -> str | None:
    before = s.before(n)
    if grammar.qualified(s, n, before):
        return None
    r = grammar.read(before, "s3")
    if r is None:
        a = grammar.after("s3").match(s.after(n))  # "20 件予以公开"
        if a is None:
            return None
        return CARRIED_FORWARD if a.group("fwd") else _OUTCOMES[a.group("outcome")]
    if r.group == "noun":
        verb = grammar.read(r.lead, "s3")
        if verb is not None:
            r = verb  # a verb before the noun decides ("办结政府信息公开申请 20 件"); the noun is then filler
        elif not _NOUN_LEAD.fullmatch(r.lead):
            return None
    between, lead = before[r.start + len(r.word) :], r.lead
    if not _FILLER.fullmatch(between) or _OTHER_POPULATION.search(lead + between):
        return None
    if grammar.one_side(between, _APPLICANTS):
        return None  # "收到法人或其他组织提出的申请 3 件": one kind of applicant
    if r.group == "answered" and (o := _OUTCOME_BEFORE.search(lead)):
        return _OUTCOMES[o["outcome"]]  # "予以公开答复966件" is an outcome, not the answered total
    if lead.endswith(_NEGATED) or _NOT_OWN.search(lead):
        return None
    if r.group == "over":
        return CARRIED_OVER
    if r.group == "outcome":
        named = grammar.joined(lead, "s3", ("outcome",))
        if named:
            # "予以公开及部分公开258件": the outcomes taken together, compared with the sum of their totals.
            together = dict.fromkeys(_OUTCOMES[w] for w in [*named, r.word])
            return COMBINED + "+".join(together) if len(together) > 1 else None
        return _OUTCOMES[r.word]
    if r.group == "row":
        return ROW + kinds.rows()[r.word]
    if r.group != "fwd" and _PART.search(lead):
        return None  # a part of the total ("其中…受理 20 件")
    if r.group in ("new", "handled") and "申请" not in between:
        return None
    if r.group == "new" and r.word.startswith("新"):
        return NEW_ONLY
    return _KINDS[r.group]


def _pct_kind(s: Sentence, n: Number, by_number: dict[int, str]) -> tuple[str | None, int | None]:
    """The outcome a percentage is the share of, and where the count it refers back to starts."""
    before = s.before(n)
    if grammar.COMPARE.search(_SHARE_NOUNS.sub("", before)):  # the 比 of 比例/占比 is not a comparison
        return None, None
    if m := _PCT_NAMED.search(before):  # none when it is the share of several outcomes together
        several = grammar.joined(before[: m.start()], "s3", ("outcome",))
        return None if several else PERCENT + _OUTCOMES[m["outcome"]], None
    if not _SHARE_OF.fullmatch(before.strip()):
        return None, None
    # "予以公开1362件，占44.66%": the share of the count stated just before.
    i = bisect_right(s.ends, n.num_start)  # the number just before (bisection: a long list stays n·log n)
    if not i:
        return None, None
    prev = s.numbers[i - 1]
    kind = by_number.get(prev.num_start)
    between = s.norm[prev.end : n.num_start]
    if kind is not None and kind in _OUTCOMES.values() and _SHARE_GAP.fullmatch(between):
        return PERCENT + kind, prev.num_start
    return None, None

"""Claims about 行政复议 and 行政诉讼 (表四): case counts, result breakdowns and "均获维持 / 无败诉"."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from xlpy.narrative import grammar, kinds, lexicon
from xlpy.narrative.claims import CASE_UNITS
from xlpy.narrative.grammar import Claim, Statement
from xlpy.narrative.numerals import Number
from xlpy.narrative.sentences import Sentence, parens, per_sentence

REVIEW, LITIGATION, DIRECT, AFTER_REVIEW = "review", "litigation", "direct", "after_review"
BOTH = "review_and_litigation"  # a combined figure: 行政复议 + 行政诉讼

_TOPICS = (DIRECT, AFTER_REVIEW, REVIEW, LITIGATION)
_TOPIC = grammar.triggers("s4", _TOPICS)
_FILLER = lexicon.filler("case_fillers")
# The reviewer's or the court's side of a case, not this agency as respondent.
_REVIEWER = grammar.triggers("s4_reviewer")
_NEGATED = lexicon.words("case_negations")
# "上年度结转的行政诉讼 1 件": a case of an earlier year (表四 counts the report year's cases).
_EARLIER = lexicon.pattern("earlier_case_words")

_OUTCOME = grammar.triggers("s4_outcome")
# The 表四 result columns each outcome statement says are 0 ("均获维持": 结果纠正, 其他结果, 尚未审结).
ZEROS = {group: spec["zero"] for group, spec in kinds.triggers("s4_outcome")["groups"].items()}
_REVIEWING_BODY = lexicon.pattern("reviewing_body_words")
_RECEIVED = lexicon.words("review_received_verbs")
_DISCLOSURE = lexicon.pattern("disclosure_words")


@dataclass(frozen=True, slots=True)
class OutcomeStatement:
    """ "均获维持" (mode upheld) or "无败诉 / 未被纠错" (mode not_lost) about review, litigation or both."""

    statement: Statement  # its words: the claim as written ("均获维持")
    mode: str  # the s4_outcome trigger group: ZEROS[mode] are the results it says are 0
    topics: tuple[str, ...]


def _mentions_cases(text: str) -> bool:
    """Whether any sentence can be topical: _TOPIC needs 复议 or 诉讼/起诉/应诉; else "败诉"."""
    return "复议" in text or "诉" in text


def _topical(text: str, always: bool) -> list[tuple[Sentence, bool]]:
    """Sentences about 政府信息公开 review/litigation (this sentence or the one before names 信息公开)."""
    return [
        (s, info and _mentions_cases(s.norm) and bool(_topic_words(s.norm) or "败诉" in s.norm))
        for s, info in grammar.on_topic(text, always, _DISCLOSURE.search)
    ]


@lru_cache(maxsize=256)
def case_claims(text: str, year: int | None, always: bool = False) -> tuple[Claim, ...]:
    """Claims about 表四 figures in a paragraph ("s4.<topic>.<result>")."""
    if not _mentions_cases(text):
        return ()
    return tuple(claim for s, topical in _topical(text, always) if topical for claim in _case_sentence(s, year))


@per_sentence
def _case_sentence(s: Sentence, year: int | None) -> tuple[Claim, ...]:
    """The 表四 claims of one sentence about review or litigation."""
    blanked = parens(s.norm).blanked
    return grammar.claimed(s, year, CASE_UNITS, lambda n: _kind(s, n, blanked))


def _kind(s: Sentence, n: Number, blanked: str) -> tuple[str, tuple[str, ...]] | None:
    """ "s4.<topic>.<result>" of a number, and the kinds its words make plausible besides."""
    before = s.before(n)
    if grammar.qualified(s, n, before) or _EARLIER.search(before):
        return None
    r = grammar.read(before, "s4")
    if r is not None:
        if not _FILLER.fullmatch(before[r.start + len(r.word) :]) or r.lead.endswith(_NEGATED):
            return None
        if _REVIEWER.search(r.lead):
            return None
        if r.group == REVIEW and "申请" in before[r.start :] and any(w in r.lead for w in _RECEIVED):
            return None  # "收到行政复议申请": usually the agency as 复议机关, not as respondent
        if r.group in (REVIEW, LITIGATION) and grammar.joined(r.lead, "s4", (REVIEW, LITIGATION)):
            return f"s4.{BOTH}.total", ()  # "行政复议和行政诉讼共74件": the two totals together
        if r.group in _TOPICS:
            return f"s4.{r.group}.total", ()
        group, pos = r.group, n.num_start - len(before) + r.start  # where the result word stands in the sentence
    else:
        a = grammar.after("s4").match(s.after(n))
        if a is None:
            return None
        group, pos = a.lastgroup or "", n.num_start
    # A result: its topic is the nearest one before it (parenthesised asides skipped when outside them).
    text = s.norm if parens(s.norm).open_before[pos] else blanked
    topics = [t for t in _topic_words(text) if t[1] <= pos]
    if not topics:
        return None
    last_start, _, topic = topics[-1]
    if _REVIEWER.search(s.norm[:last_start][-6:]):
        return None
    # 行政诉讼 named beside one of its two kinds (直接起诉, 复议后起诉): the result may be the other's too.
    found = {t[2] for t in topics}
    also = sorted(found & {DIRECT, AFTER_REVIEW}) if topic == LITIGATION else []
    also = [LITIGATION] if topic in (DIRECT, AFTER_REVIEW) and LITIGATION in found else also
    return f"s4.{topic}.{group}", tuple(f"s4.{t}.{group}" for t in also)


@lru_cache(maxsize=1024)
def _topic_words(text: str) -> tuple[tuple[int, int, str], ...]:
    """The 复议/诉讼 words of a sentence (start, end, topic), found once: _TOPIC is slow to scan."""
    return tuple((m.start(), m.end(), m.lastgroup or "") for m in _TOPIC.finditer(text))


@lru_cache(maxsize=256)
def outcome_statements(text: str, year: int | None, always: bool = False) -> tuple[OutcomeStatement, ...]:
    """ "均获维持 / 无败诉 / 未被纠错" statements and the case types they are about."""
    out: list[OutcomeStatement] = []
    if not _mentions_cases(text):
        return ()
    topical = _topical(text, always)
    for i, (s, is_topical) in enumerate(topical):
        found = list(_OUTCOME.finditer(s.norm))
        if not found or _REVIEWING_BODY.search(s.norm):
            continue  # no outcome words, or the reviewing body's or the court's view, not this agency's cases
        after_topical = i > 0 and topical[i - 1][1]  # the sentence before names the cases
        topics = _topics_of(s.norm) or (_topics_of(topical[i - 1][0].norm) if after_topical else ())
        if not (is_topical or after_topical) or not topics:
            continue
        for m in found:
            if not s.about_year(m.start(), year):
                continue
            # "行政复议1件被纠正；行政诉讼2件，均无败诉": a part after "；" that names its cases speaks for them only.
            part = s.norm[max(s.norm.rfind("；", 0, m.start()), s.norm.rfind(";", 0, m.start())) + 1 : m.end()]
            own = _topics_of(part)
            claim_topics = own if own and set(own) < set(topics) else topics
            # Quote the sentence up to the claim: the cases it is about usually come first.
            frag = s.text[max(0, m.end() - 60) : s.clause_end(m.end())].strip()
            out.append(OutcomeStatement(Statement(frag, m.group()), m.lastgroup or "", claim_topics))
    return tuple(out)


def _topics_of(text: str) -> tuple[str, ...]:
    """The case types a text names: 行政复议, and 行政诉讼 by any of its words or by 败诉."""
    named = {t[2] for t in _topic_words(text)}
    litigation = bool(named & {LITIGATION, DIRECT, AFTER_REVIEW}) or "败诉" in text
    return tuple(topic for topic, said in ((REVIEW, REVIEW in named), (LITIGATION, litigation)) if said)

"""Sentence → claimed quantities: which table figure a number in the clerk's text states.

Precision over recall: a number is claimed only when the words right before it (or, for a few
kinds, right after it) name the quantity and everything in between is harmless filler. Anything
else — another population (热线, 信访, 建议提案), another year, a comparison (比上年增加), a
sub-count (其中网上申请), an approximation (余/近/约) — is left alone.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from xlpy.narrative import lexicon
from xlpy.narrative.numerals import Number
from xlpy.narrative.sentences import Sentence, per_sentence, sentences

# Kinds of claims (the checkers map each kind to table cells).
NEW, HANDLED, ANSWERED = "s3.new", "s3.handled", "s3.answered"  # 一；一+二；（七）
NEW_ONLY = "s3.new_only"  # "新收 … 申请 X 件": 一 and nothing else
CARRIED_OVER, CARRIED_FORWARD = "s3.carried_over", "s3.carried_forward"  # 二；四
OUTCOMES = {  # outcome word → kind (the 总计 column of a group of 三、本年度办理结果)
    "予以公开": "s3.granted",
    "同意公开": "s3.granted",
    "部分公开": "s3.partly",
    "不予公开": "s3.withheld",
    "不予以公开": "s3.withheld",
    "无法提供": "s3.unable",
    "不予处理": "s3.not_processed",
    "其他处理": "s3.other",
}
PERCENT = "pct."  # prefix: "pct.s3.granted" — a share of an outcome
ROW = "s3.row."  # prefix: "s3.row.withheld.state_secret" — one row of 三、本年度办理结果
ROWS = {  # the row labels of the table as clerks quote them → row (group.row of s3.results)
    "属于国家秘密": "withheld.state_secret",
    "其他法律行政法规禁止公开": "withheld.prohibited_by_law",
    "保护第三方合法权益": "withheld.third_party",
    "属于三类内部事务信息": "withheld.internal_affairs",
    "三类内部事务信息": "withheld.internal_affairs",
    "属于四类过程性信息": "withheld.process_info",
    "四类过程性信息": "withheld.process_info",
    "属于行政执法案卷": "withheld.enforcement_files",
    "属于行政查询事项": "withheld.inquiry_matters",
    "本机关不掌握相关政府信息": "unable.not_held",
    "没有现成信息需要另行制作": "unable.needs_creation",
    "补正后申请内容仍不明确": "unable.unclear",
    "信访举报投诉类申请": "not_processed.complaints",
    "重复申请": "not_processed.repeated",
    "要求提供公开出版物": "not_processed.publications",
    "无正当理由大量反复申请": "not_processed.excessive",
    "要求行政机关确认或重新出具已获取信息": "not_processed.confirmation",
    "逾期不补正": "other.no_correction",
    "逾期未按收费通知要求缴纳费用": "other.unpaid_fee",
}
_ROW_WORDS = "|".join(sorted(ROWS, key=len, reverse=True))
_ROWS_RE = re.compile(_ROW_WORDS)

_OUTCOME_WORDS = lexicon.alternation("outcome_words")

# Units a count of applications or cases is given in.
CASE_UNITS = frozenset({"件", "件次", "宗", "份", "起"})  # not "个": "20个工作日"

_S3_KEYWORDS = re.compile(
    r"(?P<fwd>(?:结转|顺延|转入|转)(?:至|到)?(?:下一?年度?|\d{4}\s*年度?)(?:继续)?(?:办理)?(?:答复)?|下一?年度?继续办理)"
    r"|(?P<over>(?:上一?年度?|去年|(?:19|20)\d{2}\s*年度?)(?:的)?(?:结转|转入|未办结))"
    r"|(?P<row>" + _ROW_WORDS + ")"
    r"|(?P<outcome>" + _OUTCOME_WORDS + r")"
    r"|(?P<new>新收到|新收|共收到|收到|受理|接到|接收)"
    r"|(?P<handled>共收办|收办|办理)"
    r"|(?P<answered>答复|回复|办结)"
    r"|(?P<noun>(?:政府信息公开|依申请公开)申请(?:数量|件数|总数)?)"
)
# Before a bare "政府信息公开申请 N 件" only time and agency words may stand ("本年度政府信息公开申请 20 件").
_NOUN_LEAD = re.compile(
    r"(?:本年度|本年|全年|年度|今年|\d{4}\s*年度?|我局|我委|我办|我镇|我区|我县|我市|本机关|本单位|共|共计|\s)*"
)
# "予以公开和部分公开（的申请合计）10 件": several outcomes taken together, not the last one alone.
_JOINED_OUTCOME = re.compile(r"(?:" + _OUTCOME_WORDS + r")(?:的?申请)?\s*(?:和|及|以及|与|、|或|加|\+)\s*$")
_OUTCOME_CHAIN = re.compile(r"(?:(?:" + _OUTCOME_WORDS + r")(?:的?申请)?\s*(?:和|及|以及|与|、|或|加|\+)\s*)+$")
_OUTCOME_ANY = lexicon.pattern("outcome_words")
COMBINED = "s3.combined."  # prefix: "s3.combined.s3.granted+s3.partly" — outcomes stated together
_OUTCOME_BEFORE = re.compile(r"(" + _OUTCOME_WORDS + r")(?:的)?$")
_AFTER_KEYWORDS = re.compile(
    r"^(?:申请)?(?:均|已|已经|被|依法|全部|为|系|需)*"
    r"(?:(?P<fwd>(?:结转|顺延|转入|转)(?:至|到)?(?:下一?年度?|\d{4}\s*年度?))"
    r"|(?P<outcome>" + _OUTCOME_WORDS + r"))"
)
# What may stand between the keyword and the number ("收到公民、法人和其他组织提出的政府信息公开申请共 20 件").
_FILLER = lexicon.filler("application_fillers")
_NEGATED = (
    "不予",
    "不",
    "未",
    "没有",
    "尚未",
    "延期",
    "延长",
    "逾期",
    "超期",
    "无需",
    "主动",
    "拒绝",
    "终止",
    "不再",
    "停止",
    "中止",
    "暂停",
)
# Work done for or with another body ("协助其他部门办理…申请 10 件") is not this agency's count.
_NOT_OWN = lexicon.pattern("not_own_words")
# A clause that starts like this counts a part, not the whole ("其中网上申请受理 20 件").
_PART = lexicon.pattern("part_markers")
# Sub-populations of a government's report (the table counts the agency itself).
SUBUNITS = re.compile(
    r"各[^，,。；;\d]{0,4}?(?:级|部门|县|区|乡镇|镇|街|单位|机关|地|委办局)|县区|区县|下属|所属|直属"
    r"|[局委厅办]属(?!于)"
)
# "…共 215 件，其中县政府办公室（本级）5 件": the total is a roll-up and the agency's own share follows.
_OWN_SHARE = re.compile(
    r"其中[^，,。；;\d]{0,12}?(?:本级|本机关|本单位|本部门|我局|我委|我办|我厅|我中心|我镇|政府办公室|政府办)"
)


def rolled_up(s: Sentence, n: Number) -> bool:
    """Whether n counts subordinate bodies too: "各部门…" before it, or "其中本级…" after it."""
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


COMPARE = lexicon.pattern("comparison_markers")
_OTHER_POPULATION = lexicon.pattern("other_populations")
_PCT_OF = re.compile(
    r"^\s*(?:占|占比|占比为|比例为|比例|占总数|占全部|占申请总数|占办理总数|占答复总数|占办结总数)"
    r"(?:的)?(?:比例|比重)?(?:为|达|是|达到)?\s*$"
)
_PCT_NAMED = re.compile(
    r"(?P<outcome>" + _OUTCOME_WORDS + r")(?:的)?(?:申请)?(?:件数)?"
    r"(?:率|比例|比率|占比|比重|占(?:[^，,。；;\d]{0,10}的)?(?:比例|比重)?)(?:为|达|是|达到)?\s*$"
)


_PERSONS = ("公民", "个人")
_BODIES = ("法人", "组织", "企业")


def one_applicant_type(words: str) -> bool:
    """ "法人或其他组织提出的" without 公民 (or the reverse) names one kind of applicant, not all of them."""
    persons = any(w in words for w in _PERSONS)
    bodies = any(w in words for w in _BODIES)
    return persons != bodies


@dataclass(frozen=True, slots=True)
class Claim:
    """A number in the text read as a statement about one table quantity."""

    kind: str
    value: Decimal
    number: Number
    sentence: Sentence
    fragment: str  # the clause as written, for the message

    @property
    def decimals(self) -> int:
        return self.number.decimals


def application_sentences(text: str, *, always: bool = False) -> list[tuple[Sentence, bool]]:
    """Each sentence with whether it talks about 政府信息公开申请 (or carries that topic from the one before)."""
    out = []
    prev = always
    for s in sentences(text):
        own = always or ("申请" in s.norm and "公开" in s.norm)
        carried = (
            prev
            and not _OTHER_POPULATION.search(_ROWS_RE.sub("", s.norm))
            and bool(re.search(r"公开|提供|处理|答复|办结|结转|顺延", s.norm))
        )
        topical = own or carried
        out.append((s, topical))
        # A roll-up ("全区各职能部门…共收到") is another population; so is the sentence continuing it.
        prev = topical and not SUBUNITS.search(s.norm)
    return out


@lru_cache(maxsize=256)
def s3_claims(text: str, year: int | None, always: bool = False) -> tuple[Claim, ...]:
    """Claims about 表三 quantities (and shares of outcomes) in a paragraph."""
    out: list[Claim] = []
    if not always and "申请" not in text:
        return ()  # no sentence is about applications, and none carries the topic
    for s, topical in application_sentences(text, always=always):
        if topical:
            out.extend(_s3_sentence(s, year))
    return tuple(out)


@per_sentence
def _s3_sentence(s: Sentence, year: int | None) -> tuple[Claim, ...]:
    """The 表三 claims of one sentence that is about applications."""
    out: list[Claim] = []
    by_number: dict[int, str] = {}
    for n in s.numbers:
        kind = _s3_kind(s, n) if n.unit in CASE_UNITS or (n.unit is None and _is_bare_zero(s, n)) else None
        lo = None
        if n.is_percent:
            kind, lo = _pct_kind(s, n, by_number)
        if kind is None or n.approx or not s.about_year(n.num_start, year):
            continue
        if lo is not None:  # "予以公开1362件，占44.66%": quote both clauses
            fragment = s.text[s.clause_start(lo) : s.clause_end(n.end)].strip()
        else:
            fragment = s.fragment(n)
        by_number[n.num_start] = kind
        out.append(Claim(kind, n.value, n, s, fragment))
    return tuple(out)


def _is_bare_zero(s: Sentence, n: Number) -> bool:
    """ "申请数量为0" / "为零": a zero without a unit right after 为/是."""
    return n.value == 0 and s.norm[: n.num_start].rstrip().endswith(("为", "是"))


def _s3_kind(s: Sentence, n: Number) -> str | None:
    before = s.before(n)
    if COMPARE.search(before) or rolled_up(s, n):
        return None
    matches = list(_S3_KEYWORDS.finditer(before))
    if not matches:
        a = _AFTER_KEYWORDS.match(s.after(n))
        if a is None:
            return None
        return CARRIED_FORWARD if a.group("fwd") else OUTCOMES[a.group("outcome")]
    m = matches[-1]
    if m.lastgroup == "noun" and len(matches) > 1:
        m = matches[-2]  # a verb before the noun decides ("办结政府信息公开申请 20 件")
    elif m.lastgroup == "noun" and not _NOUN_LEAD.fullmatch(before[: m.start()]):
        return None
    between = before[m.end() :]
    if not _FILLER.fullmatch(between) or _OTHER_POPULATION.search(before[: m.start()] + between):
        return None
    if one_applicant_type(between):
        return None  # "收到法人或其他组织提出的申请 3 件": one kind of applicant
    lead = before[: m.start()]
    group = m.lastgroup
    if group == "answered" and (o := _OUTCOME_BEFORE.search(lead)):
        return OUTCOMES[o.group(1)]  # "予以公开答复966件" is an outcome, not the answered total
    if lead.endswith(_NEGATED) or _NOT_OWN.search(lead):
        return None
    if group == "fwd":
        return CARRIED_FORWARD
    if group == "over":
        return CARRIED_OVER
    if group == "outcome":
        if _JOINED_OUTCOME.search(lead):
            # "予以公开及部分公开258件": the outcomes taken together, compared with the sum of their totals.
            chain = _OUTCOME_CHAIN.search(lead)
            named = _OUTCOME_ANY.findall(chain.group()) if chain else []
            kinds = dict.fromkeys(OUTCOMES[w] for w in [*named, m.group()])
            return COMBINED + "+".join(kinds) if len(kinds) > 1 else None
        return OUTCOMES[m.group()]
    if group == "row":
        return ROW + ROWS[m.group()]
    if _PART.search(lead):
        return None  # a part of the total ("其中…受理 20 件")
    if group in ("new", "handled") and "申请" not in between:
        return None
    if group == "new" and m.group().startswith("新"):
        return NEW_ONLY
    return {"new": NEW, "noun": NEW, "handled": HANDLED, "answered": ANSWERED}[group or ""]


def _pct_kind(s: Sentence, n: Number, by_number: dict[int, str]) -> tuple[str | None, int | None]:
    """The outcome a percentage is the share of, and where the count it refers back to starts."""
    before = s.before(n)
    if COMPARE.search(before.replace("比例", "").replace("占比", "").replace("比重", "").replace("比率", "")):
        return None, None
    m = _PCT_NAMED.search(before)
    if m and _JOINED_OUTCOME.search(before[: m.start()]):
        return None, None  # the share of several outcomes together
    if m:
        return PERCENT + OUTCOMES[m.group("outcome")], None
    if not _PCT_OF.match(before):
        return None, None
    # "予以公开1362件，占44.66%": the share of the count stated just before.
    i = bisect_right(s.ends, n.num_start)  # the number just before (bisection: a long list stays n·log n)
    if not i:
        return None, None
    prev = s.numbers[i - 1]
    kind = by_number.get(prev.num_start)
    between = s.norm[prev.end : n.num_start]
    if kind is not None and kind in OUTCOMES.values() and re.fullmatch(r"[\s，,]*(?:占|比例)[^，,。；;\d]*", between):
        return PERCENT + kind, prev.num_start
    return None, None


_NONE_RECEIVED = re.compile(
    r"(?:未|没有)(?:发生|产生|开展|涉及)?依申请公开(?:事项|工作|情况|业务|申请)?(?P<tail3>[^，。；;、]*)"
    r"|(?:未|没有|未曾|尚未|并未|均未)新?(?:收到|接到|受理|接收|发生|产生|出现)过?(?P<mid>[^，。；;：:\d]{0,40}?)申请"
    r"(?P<tail>[^，。；;、]*)"
    r"|(?:无|没有)(?P<mid2>[^，。；;：:\d]{0,20}?)(?:政府信息公开|依申请公开|信息公开)申请(?P<tail2>[^，。；;、]*)"
)
_NONE_TAIL = re.compile(r"(?:事项|情况|的情况|件|数量)?\s*")


@dataclass(frozen=True, slots=True)
class Statement:
    """A sentence-level statement without a number (e.g. "未收到政府信息公开申请")."""

    sentence: Sentence
    fragment: str
    start: int  # offset in the sentence


@lru_cache(maxsize=256)
def none_received(text: str, year: int | None) -> tuple[Statement, ...]:
    """Statements that no 政府信息公开申请 was received in the report year."""
    out: list[Statement] = []
    if "申请" not in text:
        return ()  # every pattern ends in 申请 or 依申请公开
    for s in sentences(text):
        for m in _NONE_RECEIVED.finditer(s.norm):
            mid = m.group("mid") if m.group("mid") is not None else m.group("mid2") or ""
            tail = next((t for t in (m.group("tail"), m.group("tail2"), m.group("tail3")) if t is not None), "")
            if not _FILLER.fullmatch(mid) or not _NONE_TAIL.fullmatch(tail) or one_applicant_type(mid):
                continue
            if _OTHER_POPULATION.search(s.norm[s.clause_start(m.start()) : m.end()]) or SUBUNITS.search(
                s.norm[: m.start()]
            ):
                continue  # another population, or subordinate bodies ("镇属各单位均未收到…")
            if not s.about_year(m.start(), year):
                continue
            frag = s.text[s.clause_start(m.start()) : s.clause_end(m.end())].strip()
            out.append(Statement(s, frag, m.start()))
    return tuple(out)

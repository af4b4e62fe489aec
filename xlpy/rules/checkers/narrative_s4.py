"""N-5, N-6: 行政复议 / 行政诉讼 figures and "均获维持 / 无败诉" claims in the text against 表四."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from xlpy.model import Finding
from xlpy.narrative import cases as cs
from xlpy.narrative import lexicon
from xlpy.rules.checkers.narrative_common import (
    Quantity,
    TextField,
    blank_reason,
    finding,
    located,
    mismatch,
    report_year,
    says_zero,
    table_value,
    text_fields,
)
from xlpy.rules.context import RuleContext, checker

_RESULT_ZH = {
    "total": "总计",
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
}
_TOPIC_ZH = {
    cs.REVIEW: "行政复议",
    cs.LITIGATION: "行政诉讼",
    cs.DIRECT: "行政诉讼“未经复议直接起诉”",
    cs.AFTER_REVIEW: "行政诉讼“复议后起诉”",
}


# A paragraph naming none of these cannot state a 表四 figure; skipping it saves most of N-5/N-6's time.
_CASE_HINT = lexicon.pattern("case_hints")


def _case_fields(ctx: RuleContext) -> tuple[TextField, ...]:
    return ctx.memoized("case_fields", lambda: tuple(f for f in text_fields(ctx) if _CASE_HINT.search(f.text)))  # type: ignore[no-any-return]


@cache
def quantity(topic: str, result: str) -> Quantity:
    """The 表四 figure of a topic and result; 行政诉讼 is the sum of its two kinds of suit."""
    zh = _RESULT_ZH[result]
    if topic == cs.BOTH:
        return Quantity(
            f"表四行政复议与行政诉讼（两类起诉）的“{zh}”之和",
            (f"s4.review.{result}", f"s4.litigation.direct.{result}", f"s4.litigation.after_review.{result}"),
        )
    if topic == cs.LITIGATION:
        return Quantity(
            f"表四行政诉讼“未经复议直接起诉”与“复议后起诉”的“{zh}”之和",
            (f"s4.litigation.direct.{result}", f"s4.litigation.after_review.{result}"),
        )
    path = "s4.review" if topic == cs.REVIEW else f"s4.litigation.{topic}"
    return Quantity(f"表四{_TOPIC_ZH[topic]}“{zh}”", (f"{path}.{result}",))


@checker("N-5")
def cases(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "行政复议 N 件" = 表四 行政复议 总计; "行政诉讼 M 件" = 两类起诉总计之和; result breakdowns likewise."""
    year = report_year(ctx)
    for field in _case_fields(ctx):
        for c in cs.case_claims(field.text, year, field.path == "text.s4_lead"):
            candidates = [quantity(c.topic, c.result)] + [quantity(t, c.result) for t in c.also]
            f = mismatch(ctx, rule, field, c.claim, candidates)
            if f is not None:
                yield f
        for st, topics in cs.no_cases(field.text, year, field.path == "text.s4_lead"):
            for topic in topics:
                if f := says_zero(ctx, rule, field, st, quantity(topic, "total"), rule.messages["no_cases"]):
                    yield f


@checker("N-6")
def all_upheld(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "均获维持" needs 结果纠正, 其他结果 and 尚未审结 all 0; "无败诉 / 未被纠错" needs 结果纠正 0."""
    year = report_year(ctx)
    for field in _case_fields(ctx):
        for st in cs.outcome_statements(field.text, year, field.path == "text.s4_lead"):
            results = ("corrected", "other", "pending") if st.mode == "upheld" else ("corrected",)
            parts: list[str] = []
            paths: list[str] = []
            blanks: list[Quantity] = []
            total = 0
            for topic in st.topics:
                for result in results:
                    q = quantity(topic, result)
                    v = table_value(ctx, q.paths)
                    if v is None:
                        blanks.append(q)  # the other cells may still decide
                        continue
                    total += v
                    paths.extend(q.paths)
                    parts.append(f"{_TOPIC_ZH[topic]}{_RESULT_ZH[result]} {v}{located(ctx, q.paths)}")
            if total == 0:
                if blanks:
                    ctx.cannot_decide(rule.id, blank_reason(ctx, st.statement.fragment, blanks[0]))
                continue
            message = rule.message.format(fragment=st.statement.fragment, parts="、".join(parts), words=st.words)
            yield finding(ctx, rule, field, message, tuple(paths), lhs=0, rhs=total, diff=-total)

"""N-5, N-6: 行政复议 / 行政诉讼 figures and "均获维持 / 无败诉" claims in the text against 表四."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from xlpy import schema
from xlpy.model import Finding
from xlpy.narrative import cases as cs
from xlpy.rules.checkers import narrative_common as nc
from xlpy.rules.context import RuleContext, checker


@checker("N-5")
def cases(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "行政复议 N 件" = 表四 行政复议 总计; "行政诉讼 M 件" = 两类起诉总计之和; result breakdowns likewise;
    "未发生行政复议、行政诉讼" = those totals 0."""
    yield from nc.compare(ctx, rule)
    yield from nc.zero_statements(ctx, rule, "no_cases", nc.case_fields(ctx), "text.s4_lead", rule.messages["no_cases"])


@checker("N-6")
def all_upheld(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "均获维持" needs 结果纠正, 其他结果 and 尚未审结 all 0; "无败诉 / 未被纠错" needs 结果纠正 0."""
    year = nc.report_year(ctx)
    for field in nc.case_fields(ctx):
        for st in cs.outcome_statements(field.text, year, field.path == "text.s4_lead"):
            said = tuple(f"s4.{topic}.{result}" for topic in st.topics for result in cs.ZEROS[st.mode])
            known = nc.zero_figures(ctx, rule, st.statement.fragment, nc.quantities_of(ctx, said))
            if not known:
                continue  # all 0, or the known ones 0 beside a blank (not assessable)
            total = sum(v for _, v in known)
            paths = tuple(p for q, _ in known for p in q.paths)
            fields = schema.fields(ctx.version)  # a part is named by its titles: 行政复议 … 结果纠正
            parts = [
                f"{fields[q.paths[0]].titles[1]}{fields[q.paths[0]].titles[-1]} {v}{nc.located(ctx, q.paths)}"
                for q, v in known
            ]
            message = rule.message.format(
                fragment=st.statement.fragment, parts="、".join(parts), words=st.statement.words
            )
            yield nc.finding(ctx, rule, field, message, paths, lhs=0, rhs=total, diff=-total)

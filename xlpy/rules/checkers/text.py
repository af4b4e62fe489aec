"""X-1 … X-5: what the text must contain (信息处理费, 考核/评议/追究, 五 and 一 not empty), read across sections."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from xlpy import schema
from xlpy.model import Finding
from xlpy.narrative import grammar, lexicon
from xlpy.rules.checkers.narrative_common import TextField, finding, located, text_fields
from xlpy.rules.context import RuleContext, checker

_UNPAID_FEE = "s3.results.other.unpaid_fee.total"
_FEE = lexicon.pattern("fee_words")
# 六 may say it in other words: "未收取任何费用", "申请人收费0元".
_FEE_LOOSE = lexicon.pattern("fee_loose_words")
_NOTICE = lexicon.pattern("notice_words")
# "未发出过收费通知" (claims.json "statements": no_fee_notice).
_NO_NOTICE = grammar.statement("no_fee_notice")
# 《条例》第五十条（四）: 工作考核、社会评议和责任追究结果情况 — each a word list, named in the rule's messages.
_TOPICS = ("topic_assessment", "topic_evaluation", "topic_accountability")
# "本年度暂无明显问题": all that 五 says is that there is nothing to say (claims.json "statements").
_NOTHING = grammar.statement("nothing_to_report")
_PUNCT = re.compile(r"[\s\W_]+")
_CLAUSES = re.compile(r"[。；;\n]")


def _other(ctx: RuleContext) -> TextField:
    value = ctx.value("text.other")
    return TextField("text.other", value if isinstance(value, str) else "", "六")


def _elsewhere(ctx: RuleContext) -> list[str]:
    """The sentences of the other sections: a fee statement there is accepted too (no false alarm for
    a report that put it into 一 or 三), though the finding still points at 六."""

    def split() -> list[str]:
        texts = (f.text for f in text_fields(ctx) if f.path != "text.other")
        return [sentence for text in texts for sentence in _CLAUSES.split(text)]

    return ctx.memoized("fee_elsewhere", split)  # type: ignore[no-any-return]


@checker("X-1")
def fee_notices(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """2021: 表三（六）2 (逾期未缴纳信息处理费) > 0 → 六 reports the fee notices and amounts."""
    n = ctx.value(_UNPAID_FEE)
    if type(n) is not int or n <= 0:
        return
    other = _other(ctx)
    where = located(ctx, (_UNPAID_FEE,))
    sentences = [other.text, *_elsewhere(ctx)]
    # "通知" and "费" are in every match: plain substring tests skip most sentences before any regex.
    if m := next((m for text in sentences if "通知" in text and (m := _NO_NOTICE.search(text))), None):
        message = rule.messages["contradicted"].format(value=n, cells=where, words=m.group())
        yield finding(ctx, rule, other, message, (_UNPAID_FEE,), rhs=n)
    elif not any("费" in text and _FEE.search(text) and _NOTICE.search(text) for text in sentences):
        yield finding(ctx, rule, other, rule.message.format(value=n, cells=where), (_UNPAID_FEE,), rhs=n)


@checker("X-2")
def fees_reported(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """2021: 六 reports the 信息处理费 collected — "未收取信息处理费" and "收取信息处理费0元" both count."""
    other = _other(ctx)
    if _FEE.search(other.text) or any(_FEE.search(sentence) for sentence in _elsewhere(ctx)):
        return
    loose = (_FEE_LOOSE.search(s) and ("信息公开" in s or "申请" in s) for s in _CLAUSES.split(other.text))
    if not any(loose):
        yield finding(ctx, rule, other, rule.message)


@checker("X-3")
def government_topics(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """A 人民政府's report covers 工作考核、社会评议和责任追究结果情况 (《条例》第五十条（四））."""
    org_type = ctx.value("meta.org_type")
    if not schema.org_types().get(org_type if isinstance(org_type, str) else "", {}).get("is_government"):
        return
    text = "\n".join(f.text for f in text_fields(ctx))
    missing = [rule.messages[name] for name in _TOPICS if not lexicon.pattern(name).search(text)]
    if missing:
        yield finding(ctx, rule, _other(ctx), rule.message.format(org_type=org_type, listed="；".join(missing)))


@checker("X-4")
def problems_written(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """五、存在的主要问题及改进情况 is neither empty nor just "无"."""
    value = ctx.value("text.problems")
    text = value if isinstance(value, str) else ""
    bare = _PUNCT.sub("", text)
    if bare and bare not in lexicon.words("empty_problems") and not _NOTHING.fullmatch(bare):
        return
    said = f"只写了“{text.strip()}”" if text.strip() else "为空"
    yield finding(ctx, rule, TextField("text.problems", text, "五"), rule.message.format(said=said))


@checker("X-5")
def overview_written(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """一、总体情况 has a lead paragraph or at least one part with a body (titles alone are not content)."""
    written = (f.path for f in text_fields(ctx, titles=False))  # the fields with content
    if not any(p == "text.overview.lead" or p.startswith("text.overview.parts.") for p in written):
        yield finding(ctx, rule, TextField("text.overview.lead", "", "一"), rule.message)

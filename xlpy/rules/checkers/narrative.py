"""N-1 … N-4, N-7, N-8: application figures in the clerk's text (收到、答复、结转、办理结果) against 表三."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from itertools import groupby
from typing import Any

from xlpy.model import Finding
from xlpy.narrative import claims as cl
from xlpy.narrative import kinds, lexicon
from xlpy.rules.checkers import narrative_s4  # noqa: F401 (its own checkers first)
from xlpy.rules.checkers.narrative_common import (
    Quantity,
    TextField,
    blank_reason,
    compare,
    exact,
    finding,
    fmt,
    located,
    report_claims,
    table_value,
    zero_statements,
)
from xlpy.rules.checkers.narrative_lists import sum_finding  # (registers N-9, N-10 before the loop below)
from xlpy.rules.context import CHECKERS, RuleContext, checker

# Denominators a share may be computed on: （七）总计 (the rule), or 一 / 一+二 (seen in real reports).
_DENOMINATORS = kinds.rule_kinds("N-4")


def _s3_claims(ctx: RuleContext) -> Iterator[tuple[TextField, cl.Claim]]:
    return ((f, c) for f, c in report_claims(ctx) if c.kind.startswith(("s3.", cl.PERCENT)))


@checker("N-4")
def shares(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """A share stated for an outcome = its count ÷ （七）总计 (to the precision written); shares in one sentence add
    up to ≤ 100 %; "答复 Y 件 … 予以公开 A 件 … 其他处理 F 件" (all six outcomes listed) adds up to Y."""
    quantities = kinds.quantities(ctx.version)
    denominators = [quantities[k] for k in _DENOMINATORS]
    by_sentence: dict[tuple[TextField, int], list[cl.Claim]] = {}
    for field, claim in _s3_claims(ctx):
        if claim.kind.startswith(cl.PERCENT):
            by_sentence.setdefault((field, claim.sentence.start), []).append(claim)
            if f := _share(ctx, rule, field, claim, quantities[claim.kind[len(cl.PERCENT) :]], denominators):
                yield f
    for (field, _), group in by_sentence.items():
        if f := _shares_sum(ctx, rule, field, group):
            yield f
    for field, total, parts in _breakdowns(ctx):
        if sum(parts) != total.value:  # the same check as N-9's lists, on the six outcomes
            yield sum_finding(ctx, rule, field, rule.messages["breakdown"], total.fragment, parts, total.number)


def _breakdowns(ctx: RuleContext) -> Iterator[tuple[TextField, cl.Claim, list[Decimal]]]:
    """The six outcomes listed after an answered total in one field, each once: a breakdown of that total."""
    outcomes = set(kinds.outcomes().values())
    for field, claims in groupby(_s3_claims(ctx), key=lambda fc: fc[0]):
        total: cl.Claim | None = None
        listed: dict[str, cl.Claim] = {}
        for _, claim in claims:
            if claim.kind == cl.ANSWERED:
                total, listed = claim, {}
            elif claim.kind in outcomes and total is not None:
                total = None if claim.kind in listed else total  # an outcome named twice: not a plain breakdown
                listed[claim.kind] = claim
                if total is not None and len(listed) == len(outcomes):
                    yield field, total, [c.value for c in listed.values()]
                    total = None


def _share(
    ctx: RuleContext, rule: Any, field: TextField, claim: cl.Claim, outcome: Quantity, denominators: list[Quantity]
) -> Finding | None:
    count = table_value(ctx, outcome.paths)
    dens = [table_value(ctx, q.paths) for q in denominators]
    if count is None or dens[0] is None:
        missing = outcome if count is None else denominators[0]
        ctx.cannot_decide(rule.id, blank_reason(ctx, rule, claim.fragment, missing))
        return None
    step = Decimal(1).scaleb(-claim.number.decimals)
    shares = [Decimal(count) * 100 / Decimal(den) for den in dens if den]  # the rule's first, when not 0
    written = {s.quantize(step, rounding) for s in shares for rounding in (ROUND_HALF_UP, ROUND_DOWN)}
    if not dens[0] or claim.value in written:  # a share rounded or cut to the precision written
        return None
    computed = shares[0].quantize(step, ROUND_HALF_UP)
    message = rule.message.format(
        fragment=claim.fragment,
        value=fmt(claim.value),
        label=outcome.label,
        count=count,
        cells=located(ctx, outcome.paths),
        denominator=dens[0],
        denominator_cells=located(ctx, denominators[0].paths),
        computed=fmt(computed),
    )
    paths = outcome.paths + denominators[0].paths
    return finding(ctx, rule, field, message, paths, lhs=claim.value, rhs=computed, diff=claim.value - computed)


def _shares_sum(ctx: RuleContext, rule: Any, field: TextField, group: list[cl.Claim]) -> Finding | None:
    """Shares of different outcomes in one sentence cannot add up to more than 100 % (plus rounding)."""
    distinct = {c.kind: c for c in group}
    total = sum((c.value for c in distinct.values()), Decimal(0))
    slack = sum((Decimal(5).scaleb(-1 - c.number.decimals) for c in distinct.values()), Decimal(0))
    if len(distinct) < 2 or total <= 100 + slack:
        return None
    listed = "、".join(f"{fmt(c.value)}%" for c in distinct.values())
    message = rule.messages["shares_sum"].format(
        sentence=group[0].sentence.text.strip(), listed=listed, total=fmt(total)
    )
    return finding(ctx, rule, field, message, lhs=total, rhs=Decimal(100), diff=total - 100)


@checker("N-7")
def none_received(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "未收到/未接到 … 政府信息公开申请" only when 一 总计 = 0."""
    yield from zero_statements(ctx, rule, "none_received")


@checker("N-8")
def received_with_carried_over(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "受理/收到 … X 件" where X = 一 + 二 (not 一): accepted by N-1, but readers take it for this year's new
    applications and find 表三 saying otherwise — a hint with the wording that says what X is."""
    quantities = kinds.quantities(ctx.version)
    new_q, over_q = quantities[cl.NEW], quantities[cl.CARRIED_OVER]
    new, over = table_value(ctx, new_q.paths), table_value(ctx, over_q.paths)
    if new is None or not over:
        return
    for field, claim in _s3_claims(ctx):
        if claim.kind != cl.NEW or claim.value != new + over:
            continue
        if any(w in claim.sentence.norm for w in lexicon.words("carried_over_named")):
            continue  # "共受理…17件（含上年结转2件）": the sentence already says what the figure is
        message = rule.message.format(
            fragment=claim.fragment,
            value=fmt(claim.value),
            new=new,
            new_cells=located(ctx, new_q.paths),
            over=over,
            over_cells=located(ctx, over_q.paths),
        )
        yield finding(ctx, rule, field, message, new_q.paths + over_q.paths, lhs=exact(claim.value), rhs=new)


# Every rule claims.json "rules" lists without a checker of its own (N-1, N-2, N-3) is the generic comparison of
# its claim kinds with the tables: adding such a rule is a claims.json entry, a register entry and cases.
for _rule in kinds.rule_ids():
    if _rule not in CHECKERS:
        checker(_rule)(compare)

"""N-1 … N-4, N-7: application figures in the clerk's text (收到、答复、结转、办理结果) against 表三."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from xlpy.model import Finding
from xlpy.narrative import claims as cl
from xlpy.narrative import kinds
from xlpy.rules.checkers.narrative_common import (
    Quantity,
    TextField,
    blank_reason,
    exact,
    finding,
    fmt,
    located,
    mismatch,
    report_year,
    row_quantity,
    s3_quantities,
    says_zero,
    table_value,
    text_fields,
)
from xlpy.rules.context import RuleContext, checker

# Which figures a claim may mean and which kinds each rule checks: schemas/narrative/claims.json.
_N1, _N2, _N3 = kinds.rule_kinds("N-1"), kinds.rule_kinds("N-2"), kinds.rule_kinds("N-3")
# Denominators a share may be computed on: （七）总计 (the rule), or 一 / 一+二 (seen in real reports).
_DENOMINATORS = kinds.rule_kinds("N-4")


def _claims(ctx: RuleContext) -> tuple[tuple[TextField, cl.Claim], ...]:
    """The 表三 claims of the whole text, read once per report and shared by N-1 … N-4."""

    def read() -> tuple[tuple[TextField, cl.Claim], ...]:
        year = report_year(ctx)
        return tuple(
            (field, claim)
            for field in text_fields(ctx)
            for claim in cl.s3_claims(field.text, year, field.path == "text.s3_lead")
        )

    return ctx.memoized("s3_claims", read)  # type: ignore[no-any-return]


def _compare(ctx: RuleContext, rule: Any, checked: tuple[str, ...]) -> Iterator[Finding]:
    quantities = s3_quantities(ctx.version)
    for field, claim in _claims(ctx):
        if claim.kind.startswith(cl.ROW) and checked == _N3:
            row = row_quantity(ctx.version, claim.kind)
            f = mismatch(ctx, rule, field, claim, [row]) if row is not None else None
            if f is not None:
                yield f
        elif claim.kind.startswith(cl.COMBINED) and checked == _N3:
            parts = [quantities[k] for k in claim.kind[len(cl.COMBINED) :].split("+")]
            combined = Quantity("与".join(q.label for q in parts) + "之和", tuple(p for q in parts for p in q.paths))
            f = mismatch(ctx, rule, field, claim, [combined])
            if f is not None:
                yield f
        elif claim.kind in checked:
            candidates = [quantities[k] for k in kinds.candidates(claim.kind)]
            f = mismatch(ctx, rule, field, claim, candidates)
            if f is not None:
                yield f


@checker("N-1")
def received(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "收到/受理/新收 … 申请 X 件" = 一 总计; "共办理 … X 件" = 一 + 二."""
    yield from _compare(ctx, rule, _N1)


@checker("N-2")
def answered(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "答复/办结 Y 件" = （七）总计; "上年结转 Z 件" = 二; "结转/顺延下年度 W 件" = 四."""
    yield from _compare(ctx, rule, _N2)


@checker("N-3")
def outcomes(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """予以公开 / 部分公开 / 不予公开 / 无法提供 / 不予处理 / 其他处理 counts = the 总计 of their group (a row
    quoted by its label, e.g. "本机关不掌握相关政府信息769件", = that row's 总计)."""
    yield from _compare(ctx, rule, _N3)


@checker("N-4")
def shares(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """A share stated for an outcome = its count ÷ （七）总计 (to the precision written); shares add up to ≤ 100 %."""
    quantities = s3_quantities(ctx.version)
    by_sentence: dict[tuple[str, int], list[cl.Claim]] = {}
    fields: dict[str, TextField] = {}
    for field, claim in _claims(ctx):
        if not claim.kind.startswith(cl.PERCENT):
            continue
        fields[field.path] = field
        by_sentence.setdefault((field.path, claim.sentence.start), []).append(claim)
        outcome = quantities[claim.kind[len(cl.PERCENT) :]]
        f = _share(ctx, rule, field, claim, outcome, quantities)
        if f is not None:
            yield f
    for (path, _), group in by_sentence.items():
        f = _shares_sum(ctx, rule, fields[path], group)
        if f is not None:
            yield f
    yield from _breakdowns(ctx, rule)


def _breakdowns(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "答复 Y 件 … 予以公开 A 件、部分公开 B 件 … 其他处理 F 件": when all six outcomes are listed, A+…+F = Y."""
    year = report_year(ctx)
    for field in text_fields(ctx):
        total: cl.Claim | None = None
        listed: dict[str, cl.Claim] = {}
        for claim in cl.s3_claims(field.text, year, field.path == "text.s3_lead"):
            if claim.kind == cl.ANSWERED:
                total, listed = claim, {}
            elif claim.kind in _N3 and total is not None:
                if claim.kind in listed:
                    total = None  # an outcome named twice: not a plain breakdown
                    continue
                listed[claim.kind] = claim
                if len(listed) == len(_N3):
                    f = _breakdown(ctx, rule, field, total, list(listed.values()))
                    if f is not None:
                        yield f
                    total = None


def _breakdown(ctx: RuleContext, rule: Any, field: TextField, total: cl.Claim, parts: list[cl.Claim]) -> Finding | None:
    items = sum((c.value for c in parts), Decimal(0))
    if items == total.value:
        return None
    listed = " + ".join(fmt(c.value) for c in parts)
    message = rule.messages["breakdown"].format(
        listed=listed, items=fmt(items), fragment=total.fragment, total=fmt(total.value), diff=fmt(items - total.value)
    )
    return finding(ctx, rule, field, message, lhs=items, rhs=total.value, diff=items - total.value)


def _share(
    ctx: RuleContext, rule: Any, field: TextField, claim: cl.Claim, outcome: Quantity, quantities: dict[str, Quantity]
) -> Finding | None:
    count = table_value(ctx, outcome.paths)
    dens = [(quantities[k], table_value(ctx, quantities[k].paths)) for k in _DENOMINATORS]
    main_q, main_den = dens[0]
    if count is None or main_den is None:
        ctx.cannot_decide(rule.id, blank_reason(ctx, claim.fragment, outcome if count is None else main_q))
        return None
    if main_den == 0:
        return None
    step = Decimal(1).scaleb(-claim.decimals)
    for _, den in dens:
        if den:
            exact_share = Decimal(count) * 100 / Decimal(den)
            if claim.value in (exact_share.quantize(step, ROUND_HALF_UP), exact_share.quantize(step, ROUND_DOWN)):
                return None
    computed = (Decimal(count) * 100 / Decimal(main_den)).quantize(step, ROUND_HALF_UP)
    message = rule.message.format(
        fragment=claim.fragment,
        value=fmt(claim.value),
        label=outcome.label,
        count=count,
        cells=located(ctx, outcome.paths),
        denominator=main_den,
        denominator_cells=located(ctx, main_q.paths),
        computed=fmt(computed),
    )
    return finding(
        ctx,
        rule,
        field,
        message,
        outcome.paths + main_q.paths,
        lhs=claim.value,
        rhs=computed,
        diff=claim.value - computed,
    )


def _shares_sum(ctx: RuleContext, rule: Any, field: TextField, group: list[cl.Claim]) -> Finding | None:
    """Shares of different outcomes in one sentence cannot add up to more than 100 % (plus rounding)."""
    distinct = {c.kind: c for c in group}
    if len(distinct) < 2:
        return None
    total = sum((c.value for c in distinct.values()), Decimal(0))
    slack = sum((Decimal(5).scaleb(-1 - c.decimals) for c in distinct.values()), Decimal(0))
    if total <= 100 + slack:
        return None
    listed = "、".join(f"{fmt(c.value)}%" for c in distinct.values())
    message = rule.messages["shares_sum"].format(
        sentence=group[0].sentence.text.strip(), listed=listed, total=fmt(total)
    )
    return finding(ctx, rule, field, message, lhs=total, rhs=Decimal(100), diff=total - 100)


@checker("N-7")
def none_received(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "未收到/未接到 … 政府信息公开申请" only when 一 总计 = 0."""
    new = s3_quantities(ctx.version)[cl.NEW]
    if table_value(ctx, new.paths) == 0:
        return  # nothing to contradict: the text is not even read
    for field in text_fields(ctx):
        for st in cl.none_received(field.text, report_year(ctx)):
            if f := says_zero(ctx, rule, field, st, new):
                yield f


_NAMES_CARRIED_OVER = re.compile(r"(?:上一?年度?|去年)的?结转")


@checker("N-8")
def received_with_carried_over(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "受理/收到 … X 件" where X = 一 + 二 (not 一): accepted by N-1, but readers take it for this year's new
    applications and find 表三 saying otherwise — a hint with the wording that says what X is."""
    quantities = s3_quantities(ctx.version)
    new_q, over_q = quantities[cl.NEW], quantities[cl.CARRIED_OVER]
    new, over = table_value(ctx, new_q.paths), table_value(ctx, over_q.paths)
    if new is None or not over:
        return
    for field, claim in _claims(ctx):
        if claim.kind != cl.NEW or claim.value != new + over:
            continue
        if _NAMES_CARRIED_OVER.search(claim.sentence.norm):
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

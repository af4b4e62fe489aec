"""N-9 (itemised lists add up to their total) and N-10 (规章 / 行政规范性文件 counts against 表二)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from xlpy.model import Finding
from xlpy.narrative import kinds
from xlpy.narrative.grammar import Claim
from xlpy.narrative.lists import item_lists
from xlpy.narrative.numerals import Number
from xlpy.rules.checkers.narrative_common import TextField, compare, exact, finding, fmt, table_value, text_fields
from xlpy.rules.context import RuleContext, checker


@checker("N-9")
def lists(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "共 X 条，其中 A 条、B 条…" adds up to X (a "其中" list may be partial: then only a sum above X fails)."""
    for field in text_fields(ctx):
        for lst in item_lists(field.text):
            total, items = lst.total.value, lst.items_sum
            # Short of the total: only a list worded as complete, and only when it covers at least half of
            # the total — "包括 A 3 条、B 2 条" out of 70 names examples, a slip leaves the sum close.
            if items == total or (items < total and not (lst.complete and items * 2 >= total)):
                continue
            values = [n.value for _, n in lst.items]
            yield sum_finding(ctx, rule, field, rule.message, lst.fragment, values, lst.total)


def sum_finding(
    ctx: RuleContext, rule: Any, field: TextField, message: str, fragment: str, parts: list[Decimal], total: Number
) -> Finding:
    """Items stated in the text that do not add up to the total it states (N-9's lists, N-4's six outcomes)."""
    items, value = sum(parts, Decimal(0)), total.value
    text = message.format(
        fragment=fragment,
        listed=" + ".join(fmt(v) for v in parts),
        items=fmt(items),
        unit=total.unit or "",
        total=fmt(value),
        diff=fmt(items - value),
    )
    return finding(ctx, rule, field, text, lhs=exact(items), rhs=exact(value), diff=exact(items - value))


@checker("N-10")
def documents(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "新增/制发 规章 N 件" = 表二 规章 本年制发件数 (2019: 本年新制作数量); the same for 行政规范性文件."""
    yield from compare(ctx, rule, skip=_cleared_plus_new)


def _cleared_plus_new(ctx: RuleContext, claim: Claim) -> bool:
    """ "清理后现行有效393件" + "本年制发77件" = 表二 现行有效 470: the text's stock before this year's documents."""
    made = kinds.quantity(ctx.version, claim.kind.replace(".in_force", ".made"))
    force = kinds.quantity(ctx.version, claim.kind)
    if not claim.kind.endswith(".in_force") or made is None or force is None:
        return False
    new, total = table_value(ctx, made.paths), table_value(ctx, force.paths)
    return new is not None and total is not None and claim.value + new == total

"""N-9 (itemised lists add up to their total) and N-10 (规章 / 行政规范性文件 counts against 表二)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from xlpy.model import Finding
from xlpy.narrative import documents as dc
from xlpy.narrative import kinds
from xlpy.narrative.lists import item_lists
from xlpy.rules.checkers.narrative_common import (
    Quantity,
    exact,
    finding,
    fmt,
    mismatch,
    report_year,
    table_value,
    text_fields,
)
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
            unit = lst.total.unit or ""
            listed = " + ".join(fmt(n.value) for _, n in lst.items)
            message = rule.message.format(
                fragment=lst.fragment,
                listed=listed,
                items=fmt(items),
                unit=unit,
                total=fmt(total),
                diff=fmt(items - total),
            )
            yield finding(ctx, rule, field, message, lhs=exact(items), rhs=exact(total), diff=exact(items - total))


def _quantity(version: str, noun: str, column: str) -> Quantity | None:
    return kinds.document_quantity(version, noun, column)


@checker("N-10")
def documents(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """ "新增/制发 规章 N 件" = 表二 规章 本年制发件数 (2019: 本年新制作数量); the same for 行政规范性文件."""
    year = report_year(ctx)
    for field in text_fields(ctx):
        for c in dc.document_claims(field.text, year):
            main = _quantity(ctx.version, c.noun, c.column)
            if main is None:
                continue
            # Where 新制作 and 新公开 are separate columns (2019), a clerk's "新增" may mean either.
            other = {dc.MADE: dc.PUBLISHED, dc.PUBLISHED: dc.MADE}.get(c.column)
            alt = _quantity(ctx.version, c.noun, other) if other else None
            candidates = [main] + ([alt] if alt is not None and alt.paths != main.paths else [])
            if c.column == dc.IN_FORCE and _cleared_plus_new(ctx, c):
                continue
            f = mismatch(ctx, rule, field, c.claim, candidates)
            if f is not None:
                yield f


def _cleared_plus_new(ctx: RuleContext, c: dc.DocumentClaim) -> bool:
    """ "清理后现行有效393件" + "本年制发77件" = 表二 现行有效 470: the text's stock before this year's documents."""
    made = _quantity(ctx.version, c.noun, dc.MADE)
    force = _quantity(ctx.version, c.noun, dc.IN_FORCE)
    if made is None or force is None:
        return False
    new, total = table_value(ctx, made.paths), table_value(ctx, force.paths)
    return new is not None and total is not None and c.claim.value + new == total

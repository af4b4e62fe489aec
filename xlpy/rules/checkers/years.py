"""Cross-year checkers: which report the last-year data is (C-0 year, C-6 agency) and C-5 (a ×5 jump)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from xlpy.agency_names import agency_key
from xlpy.model import Finding
from xlpy.rules.context import RuleContext, checker
from xlpy.rules.expr import fmt, number

TABLES = {"s2": "表二", "s3": "表三", "s4": "表四"}


def label(version: str, path: str) -> str:
    """表三“一、本年新收政府信息公开申请数量 / 总计” — a field named the way the workbook prints it."""
    from xlpy.schema import fields

    f = fields(version)[path]
    return f"{TABLES.get(path.split('.')[0], '')}“{' / '.join(t for t in f.titles[1:] if t)}”"


@checker("C-0")
def last_year_is_year_before(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """The last-year file is the report of year − 1 (both years given as whole numbers)."""
    year, last = ctx.value("meta.year"), ctx.value("meta.year", last=True)
    if type(year) is not int or type(last) is not int or last == year - 1:
        return
    yield _meta_finding(ctx, rule, "meta.year", {"last": last, "year": year, "expected": year - 1})


@checker("C-6")
def same_agency(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """Both years name the same agency (when both are filled)."""
    this, last = ctx.value("meta.org_name"), ctx.value("meta.org_name", last=True)
    if not agency_key(this) or not agency_key(last) or agency_key(this) == agency_key(last):
        return
    yield _meta_finding(ctx, rule, "meta.org_name", {"this": this.strip(), "last": last.strip()})


def _meta_finding(ctx: RuleContext, rule: Any, path: str, args: dict[str, Any]) -> Finding:
    """A finding on one 基本信息 field compared with the same field of last year's file."""
    return Finding(
        rule.id,
        rule.severity,
        rule.message.format(**args),
        cells=[c for c in [ctx.cell(path)] if c],
        paths=[path, f"last.{path}"],
        section=rule.section,
        values=args,
    )


@checker("C-5")
def big_change(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """Flag a ×factor jump or ÷factor drop, only when the larger of the two years reaches min_count and the
    change itself reaches min_change: 12 → 1, 0 → 12 or 19 → 3 are ordinary for a small agency."""
    factor, floor = rule.params.get("factor", 5), rule.params.get("min_count", 20)
    min_change = rule.params.get("min_change", 20)
    for path in rule.params["fields"]:
        now, last = number(ctx.value(path)), number(ctx.value(path, last=True))
        if now is None or last is None or max(now, last) < floor or abs(now - last) < min_change:
            continue  # a field last year's format lacks (2020 → 2021 表二) reads as None and is not compared
        if last == 0:
            change = "上年为 0"
        elif now > last * factor:
            change = f"为上年的 {now / last:.1f} 倍"
        elif now * factor < last:
            change = (
                "为 0"
                if now == 0
                else f"不足上年的五分之一（{now / last:.0%}）"
                if factor == 5
                else f"不足上年的 1/{factor}"
            )
        else:
            continue
        cells = [c for c in [ctx.cell(path)] if c]
        yield Finding(
            rule.id,
            rule.severity,
            rule.message.format(label=label(ctx.version, path), value=fmt(now), last=fmt(last), change=change),
            cells=cells,
            paths=[path, f"last.{path}"],
            last_year=last,
            section=rule.section,
        )

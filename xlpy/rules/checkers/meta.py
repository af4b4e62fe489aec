"""Checkers for the metadata rules: F-0 (format version for the year), M-1 (date after the year), D-1 (deadline)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from xlpy.model import Finding
from xlpy.rules.context import RuleContext, checker


def zh_date(d: date) -> str:
    """2021年1月21日 — the way a 成文日期 is written (no zero padding)."""
    return f"{d.year}年{d.month}月{d.day}日"


def _cells(ctx: RuleContext, *paths: str) -> list[str]:
    return [c for c in (ctx.cell(p) for p in paths) if c]


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None  # the schema check (M-1) reports a malformed date


@checker("F-0")
def format_version(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """The template's format version must be the one the report year requires."""
    from xlpy.schema import version_for_year

    year = ctx.value("meta.year")
    if type(year) is not int:
        return
    right = version_for_year(year)
    have = ctx.value("format_version") or ctx.version
    if right is None or right == have:
        return
    yield Finding(
        rule.id,
        rule.severity,
        rule.message.format(version=have, year=year, right=right),
        cells=_cells(ctx, "meta.year", "format_version"),
        paths=["meta.year", "format_version"],
        section=rule.section,
    )


@checker("M-1")
def date_after_year(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """成文日期 lies after the report year (blank fields are the schema check's part of M-1)."""
    year, written = ctx.value("meta.year"), _date(ctx.value("meta.date"))
    if type(year) is not int or written is None or written.year > year:
        return
    yield Finding(
        rule.id,
        rule.severity,
        rule.message.format(date=zh_date(written), year=year),
        cells=_cells(ctx, "meta.date", "meta.year"),
        paths=["meta.date", "meta.year"],
        section=rule.section,
    )


@checker("D-1")
def deadline(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """成文日期 no later than the deadline of the agency's level (configurable per 机关类型)."""
    from xlpy.schema import org_types

    year, written, org_type = ctx.value("meta.year"), _date(ctx.value("meta.date")), ctx.value("meta.org_type")
    info = org_types().get(org_type) if isinstance(org_type, str) else None
    if type(year) is not int or written is None or info is None:
        return
    mmdd = (ctx.options.get("deadlines") or {}).get(org_type) or info["deadline"]
    month, day = (int(x) for x in mmdd.split("-"))
    due = date(year + 1, month, day)
    if written <= due:
        return
    msg = rule.message.format(
        date=zh_date(written), deadline=zh_date(due), org_type=org_type, deadline_md=f"{month}月{day}日"
    )
    yield Finding(
        rule.id,
        rule.severity,
        msg,
        cells=_cells(ctx, "meta.date", "meta.org_type"),
        paths=["meta.date", "meta.org_type"],
        section=rule.section,
    )

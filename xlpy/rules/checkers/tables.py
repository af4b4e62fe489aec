"""Checkers for table rules the expression form cannot state: R-S2-2 (规章 only from agencies that may make them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from xlpy.model import HINT, Finding
from xlpy.rules.context import RuleContext, checker
from xlpy.rules.expr import fmt, number


@checker("R-S2-2")
def rules_without_power(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """规章 counts > 0 for an org type without rule-making power (may_make_rules false)."""
    from xlpy.schema import fields, org_types

    org_type = ctx.value("meta.org_type")
    info = org_types().get(org_type) if isinstance(org_type, str) else None
    if info is None or info["may_make_rules"]:
        return
    index = fields(ctx.version)
    hits = []
    for path in rule.params["fields"]:
        v = number(ctx.value(path))
        if v is not None and v > 0:
            hits.append((path, v))
    if not hits:
        return
    listed = "、".join(f"{index[p].title} {fmt(v)}" for p, v in hits)
    paths = [p for p, _ in hits] + ["meta.org_type"]
    cells = [c for c in (ctx.cell(p) for p in paths) if c]
    # A 政府办公厅/办公室 publishes its government's 规章 on the government's behalf (a real report got an
    # error for that): for those names and types it is a hint asking to confirm, not an error.
    name = ctx.value("meta.org_name")
    publisher = (
        isinstance(name, str)
        and name.strip().endswith(tuple(rule.params.get("publisher_names", ())))
        and org_type in rule.params.get("publisher_types", ())
    )
    template = rule.messages["publisher"] if publisher else rule.message
    yield Finding(
        rule.id,
        HINT if publisher else rule.severity,
        template.format(org_type=org_type, cells=listed, org_name=name),
        cells=cells,
        paths=paths,
        section=rule.section,
    )

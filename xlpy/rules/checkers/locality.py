"""Checkers for locality rules a deployment switches on (L-*): L-1 人大代表建议和政协提案 reported in 一 or 六."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from xlpy.model import Finding
from xlpy.rules.context import RuleContext, checker


def overview_and_other(ctx: RuleContext) -> str:
    """The free text of 一 (preamble, lead, parts) and 六, joined."""
    parts = [ctx.value("text.preamble"), ctx.value("text.overview.lead"), ctx.value("text.other")]
    for part in ctx.value("text.overview.parts") or []:
        if isinstance(part, dict):
            parts += [part.get("title"), part.get("body")]
    return "\n".join(p for p in parts if isinstance(p, str))


@checker("L-1")
def proposals(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """Both 人大代表建议 and 政协提案 are mentioned (a sentence saying none were handled counts)."""
    text = overview_and_other(ctx)
    if "提案" in text and any(w in text for w in ("人大代表", "代表建议", "人大建议")):
        return
    cells = [c for c in [ctx.cell("text.other")] if c]
    yield Finding(rule.id, rule.severity, rule.message, cells=cells, paths=["text.other"], section=rule.section)

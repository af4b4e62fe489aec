"""C-4: the text of 一, 五 or 六 repeats last year's (evaluators deduct for 内容雷同).

Measure: the share of this year's characters that lie in a run of at least K = 8 consecutive
characters (after normalisation) also found in last year's text of the same section. Why this:
Chinese has no word breaks, so word-level measures need a segmenter; character shingles need none.
Eight characters is longer than the stock phrases every report shares (“政府信息公开工作” is 8, and
common 4–6 character terms are shorter), so two independently written texts score low, while a copied
paragraph with a new year or new figures still scores near 100 % (digits are normalised away).
It is linear in the text length, unlike difflib's matcher, and ignores paragraph order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from xlpy.model import Finding
from xlpy.rules.checkers.narrative_common import TextField, finding
from xlpy.rules.context import RuleContext, checker

K = 8
MIN_CHARS = 50  # shorter sections ("无。", a stock sentence on fees) are left alone
_DROP = re.compile(r"[\s\W_]+")  # spaces and punctuation (\W covers CJK punctuation)
_NUMERALS = re.compile(r"[0-9０-９]+(?:[.,][0-9]+)*|[零〇一二两三四五六七八九十百千万]+(?=[件条个篇次项年月日%])")

_SECTIONS = (  # section label, heading for the message, text paths read
    ("一", "一、总体情况", ("text.overview.lead", "text.overview.parts")),
    ("五", "五、存在的主要问题及改进情况", ("text.problems",)),
    ("六", "六、其他需要报告的事项", ("text.other",)),
)


@lru_cache(maxsize=256)
def normalise(text: str) -> str:
    """Text without spaces and punctuation, every number replaced by "〇" (cached: a re-check reads the same text)."""
    return _DROP.sub("", _NUMERALS.sub("〇", text))


@lru_cache(maxsize=64)
def copied_share(this_year: str, last_year: str, k: int = K) -> Decimal | None:
    """Share (0–1) of this year's normalised characters covered by k-character runs found in last year's."""
    a, b = normalise(this_year), normalise(last_year)
    if len(a) < k or len(b) < k:
        return None
    seen = {b[i : i + k] for i in range(len(b) - k + 1)}
    covered = 0
    reach = 0  # end of the covered stretch so far: count each character once
    for i in range(len(a) - k + 1):
        if a[i : i + k] in seen:
            covered += i + k - max(i, reach)
            reach = i + k
    return Decimal(covered) / Decimal(len(a))


def _section_text(ctx: RuleContext, paths: tuple[str, ...], last: bool) -> tuple[str, list[str]]:
    """The section's text and the leaf paths it was read from (this year's layout)."""
    out, leaves = [], []
    for path in paths:
        value = ctx.value(path, last=last)
        if isinstance(value, list):  # overview parts
            for i, part in enumerate(value):
                if isinstance(part, dict):
                    for key in ("title", "body"):
                        if isinstance(part.get(key), str) and part[key].strip():
                            out.append(part[key])
                            leaves.append(f"{path}.{i}.{key}")
        elif isinstance(value, str) and value.strip():
            out.append(value)
            leaves.append(path)
    return "\n".join(out), leaves


@checker("C-4")
def same_as_last_year(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """一, 五 or 六 more than `threshold` (default 50 %) identical to last year's text."""
    if ctx.last is None:
        return
    params = getattr(rule, "params", None) or {}
    threshold = Decimal(str(params.get("threshold", 0.5)))
    k = int(params.get("shingle", K))
    min_chars = int(params.get("min_chars", MIN_CHARS))
    for section, heading, paths in _SECTIONS:
        this_year, leaves = _section_text(ctx, paths, last=False)
        if len(normalise(this_year)) < min_chars:
            continue
        share = copied_share(this_year, _section_text(ctx, paths, last=True)[0], k)
        if share is None or share <= threshold:
            continue
        pct = (share * 100).quantize(Decimal(1), ROUND_HALF_UP)
        limit = (threshold * 100).quantize(Decimal(1), ROUND_HALF_UP)
        message = rule.message.format(heading=heading, pct=pct, k=k, limit=limit)
        field = TextField(leaves[0], this_year, section)
        f = finding(ctx, rule, field, message, lhs=pct, rhs=limit, diff=pct - limit)
        f.paths = leaves  # every slot of the section; the first cell is where the clerk starts
        yield f

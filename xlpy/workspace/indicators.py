"""Indicators of one report (实质公开率, 纠错率, 争议转化率 …) with red/yellow levels and a ranking per 机关类型."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

GREEN, YELLOW, RED, SMALL = "green", "yellow", "red", "small_sample"
LEVEL_ZH = {GREEN: "正常", YELLOW: "关注", RED: "预警", SMALL: "样本不足"}


def term(measures: dict[str, Any], paths: list[str]) -> int | None:
    """The sum of an indicator's numerator or denominator fields; None when one of them is blank or not a count."""
    total = 0
    for path in paths:
        node = measures.get(path)
        if isinstance(node, bool) or not isinstance(node, int):
            return None  # a blank or broken figure: no indicator rather than a wrong one
        total += node
    return total


def compute(measures: dict[str, Any], specs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """indicator id → {value (0..1 or None), numerator, denominator, level}; `measures` is {field path: value}."""
    return {s["id"]: evaluate(term(measures, s["numerator"]), term(measures, s["denominator"]), s) for s in specs}


TermKeys = list[tuple[str, str, str, dict[str, Any]]]


def term_keys(specs: list[dict[str, Any]]) -> TermKeys:
    """(id, numerator column, denominator column, spec) of each indicator: worked out once for many rows."""
    return [(s["id"], f"{s['id']}_num", f"{s['id']}_den", s) for s in specs]


def from_terms(row: dict[str, Any], keys: TermKeys) -> dict[str, dict[str, Any]]:
    """Like compute, from stored terms: `row` holds "<id>_num" and "<id>_den" (tables.current_submissions)."""
    return {iid: evaluate(row[num], row[den], spec) for iid, num, den, spec in keys}


def evaluate(num: int | None, den: int | None, spec: dict[str, Any]) -> dict[str, Any]:
    """One indicator from its numerator and denominator: value, the terms, and its level under `spec`."""
    if num is None or den is None:
        value, level = None, None
    elif not den:
        value, level = None, SMALL
    else:
        value = num / den
        level = SMALL if den < spec.get("min_sample", 0) else _level(value, spec)
    return {"value": value, "numerator": num, "denominator": den, "level": level}


def _level(value: float, spec: dict[str, Any]) -> str:
    red, yellow = spec["red"], spec["yellow"]
    if spec["better"] == "high":
        return RED if value < red else YELLOW if value < yellow else GREEN
    return RED if value > red else YELLOW if value > yellow else GREEN


def rank(rows: list[dict[str, Any]], specs: list[dict[str, Any]]) -> None:
    """Add `rank` (1 = best, within the same 机关类型, small samples unranked) to each row's indicators."""
    ids = [spec["id"] for spec in specs]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (indicator, 机关类型) → its rankable results
    for row in rows:
        found, org_type = row["indicators"], row["org_type"]
        for iid in ids:
            ind = found.get(iid)
            if ind and ind["level"] not in (None, SMALL):
                groups.setdefault((iid, org_type), []).append(ind)
    high = {spec["id"]: spec["better"] == "high" for spec in specs}
    for (iid, _), members in groups.items():
        members.sort(key=itemgetter("value"), reverse=high[iid])  # stable: ties keep the registry's order
        count = len(members)
        for i, ind in enumerate(members, start=1):
            ind["rank"], ind["of"] = i, count

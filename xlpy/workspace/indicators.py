"""Indicators of one report (实质公开率, 纠错率, 争议转化率 …) with red/yellow levels and a ranking per 机关类型."""

from __future__ import annotations

from typing import Any

GREEN, YELLOW, RED, SMALL = "green", "yellow", "red", "small_sample"
LEVEL_ZH = {GREEN: "正常", YELLOW: "关注", RED: "预警", SMALL: "样本不足"}


def _sum(measures: dict[str, Any], paths: list[str]) -> int | None:
    total = 0
    for path in paths:
        node = measures.get(path)
        if isinstance(node, bool) or not isinstance(node, int):
            return None  # a blank or broken figure: no indicator rather than a wrong one
        total += node
    return total


def compute(measures: dict[str, Any], specs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """indicator id → {value (0..1 or None), numerator, denominator, level}; `measures` is {field path: value}."""
    out = {}
    for spec in specs:
        num, den = _sum(measures, spec["numerator"]), _sum(measures, spec["denominator"])
        value = num / den if num is not None and den else None
        if num is None or den is None:
            level = None
        elif den < spec.get("min_sample", 0) or value is None:
            level = SMALL
        else:
            level = _level(value, spec)
        out[spec["id"]] = {"value": value, "numerator": num, "denominator": den, "level": level}
    return out


def _level(value: float, spec: dict[str, Any]) -> str:
    red, yellow = spec["red"], spec["yellow"]
    if spec["better"] == "high":
        return RED if value < red else YELLOW if value < yellow else GREEN
    return RED if value > red else YELLOW if value > yellow else GREEN


def rank(rows: list[dict[str, Any]], specs: list[dict[str, Any]]) -> None:
    """Add `rank` (1 = best, within the same 机关类型, small samples unranked) to each row's indicators."""
    for spec in specs:
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            ind = row["indicators"].get(spec["id"])
            if ind and ind["level"] not in (None, SMALL):
                groups.setdefault(row["org_type"], []).append(row)
        for members in groups.values():
            members.sort(key=lambda r: r["indicators"][spec["id"]]["value"], reverse=spec["better"] == "high")
            for i, row in enumerate(members, start=1):
                row["indicators"][spec["id"]]["rank"] = i
                row["indicators"][spec["id"]]["of"] = len(members)

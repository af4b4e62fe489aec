"""The `[workspace]` table of the config file: indicator thresholds and minimum samples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xlpy.errors import InputError
from xlpy.resources import load_json

_THRESHOLD_KEYS = {"red", "yellow", "min_sample"}
_KEYS = {"indicators", "region_totals", "region_total_tolerance"}


@dataclass(frozen=True)
class Options:
    """Workspace settings; the defaults come from schemas/workspace.json."""

    indicators: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → {red, yellow, min_sample}
    # H-1: agencies whose own submitted report is declared to be their region's total (辖区汇总), and how far
    # one of its counts may differ from the children's sum. Without the declaration a parent's report holds
    # only its own requests, and comparing it with the children's sum would always "fail".
    region_totals: tuple[str, ...] = ()
    region_total_tolerance: int = 0

    def indicator_specs(self) -> list[dict[str, Any]]:
        """Every indicator of schemas/workspace.json with this deployment's thresholds applied."""
        return [{**spec, **self.indicators.get(spec["id"], {})} for spec in load_json("workspace.json")["indicators"]]


def parse_options(table: Any, source: str = "配置文件") -> Options:
    """Check a `[workspace]` table: unknown keys, unknown indicators, thresholds that are not numbers."""
    if table is None:
        return Options()
    if not isinstance(table, dict):
        raise InputError(f"{source} 的 [workspace] 应为键值表", code="config")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise InputError(f"{source} 的 [workspace] 中有未知的设置项：{'、'.join(unknown)}", code="config")
    specs = {s["id"]: s for s in load_json("workspace.json")["indicators"]}
    labels = {s["label"]: s["id"] for s in specs.values()}
    indicators: dict[str, dict[str, Any]] = {}
    raw = table.get("indicators", {})
    if not isinstance(raw, dict):
        raise InputError(f"{source} 的 [workspace.indicators] 应为键值表", code="config")
    for key, values in raw.items():
        iid = str(labels.get(key, key))  # the Chinese label or the ID
        if iid not in specs:
            known = "、".join(f"{s['label']}（{s['id']}）" for s in specs.values())
            raise InputError(f"{source} 的 [workspace.indicators] 中有未知的指标 {key}（可用：{known}）", code="config")
        if not isinstance(values, dict) or set(values) - _THRESHOLD_KEYS:
            raise InputError(
                f"{source} 的 [workspace.indicators.{key}] 只能设置 red、yellow、min_sample", code="config"
            )
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise InputError(f"{source} 中指标 {key} 的 {name} 应为不小于 0 的数", code="config")
        indicators[iid] = dict(values)
    totals = table.get("region_totals", [])
    if not isinstance(totals, list) or not all(isinstance(a, str) and a for a in totals):
        raise InputError(f"{source} 的 [workspace] region_totals 应为机构编号的列表", code="config")
    tolerance = table.get("region_total_tolerance", 0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int) or tolerance < 0:
        raise InputError(f"{source} 的 [workspace] region_total_tolerance 应为不小于 0 的整数", code="config")
    return Options(indicators, tuple(totals), tolerance)

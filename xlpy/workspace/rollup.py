"""The roll-up (汇总): the sum of a region's 表二/三/四 as one report data set, checked by the arithmetic rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from xlpy.resources import load_json
from xlpy.schema import COUNT, INTEGER, MONEY, SIGNED, fields

_PARTS = ("s2", "s3", "s4")
_BLANK_TEXT: dict[str, Any] = {
    "preamble": "",
    "overview": {"lead": "", "parts": []},
    "s2_lead": "",
    "s3_lead": "",
    "s4_lead": "",
    "problems": "",
    "other": "",
}


@dataclass
class Rollup:
    """The summed data set of a region for one year, and what went into it."""

    agency_id: str
    year: int
    version: str
    instance: dict[str, Any]
    included: list[str] = field(default_factory=list)  # agencies whose current submission was summed
    missing: list[str] = field(default_factory=list)  # agencies of the region without a submission (H-2)
    other_version: list[str] = field(default_factory=list)  # submissions of another format version, not summed
    gaps: list[dict[str, str]] = field(default_factory=list)  # blank or non-numeric cells left out of a sum
    findings: list[dict[str, Any]] = field(default_factory=list)  # arithmetic findings on the sums

    def to_dict(self) -> dict[str, Any]:
        return {
            "agency_id": self.agency_id,
            "year": self.year,
            "format_version": self.version,
            "included": self.included,
            "missing": self.missing,
            "other_version": self.other_version,
            "gaps": self.gaps,
            "findings": self.findings,
            "data": self.instance,
        }


@cache
def _plan(version: str) -> tuple[tuple[tuple[str, ...], str, str | None], ...]:
    """(path segments, kind, path of the unit field governing it) for every number of 表二/三/四."""
    leaves = fields(version)
    units = {p.rsplit(".", 1)[0] for p, f in leaves.items() if p.startswith(_PARTS) and p.endswith(".unit")}
    plan = []
    for path, f in leaves.items():
        if not path.startswith(_PARTS) or f.kind not in (COUNT, SIGNED, MONEY, INTEGER):
            continue
        owner = next((u for u in units if path.startswith(u + ".")), None) if f.kind == MONEY else None
        plan.append((tuple(path.split(".")), f.kind, f"{owner}.unit" if owner else None))
    return tuple(plan)


def _get(node: Any, segments: tuple[str, ...]) -> Any:
    for key in segments:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _set(node: dict[str, Any], segments: tuple[str, ...], value: Any) -> None:
    for key in segments[:-1]:
        node = node.setdefault(key, {})
    node[segments[-1]] = value


def build(
    parent: dict[str, Any],
    year: int,
    version: str,
    members: list[tuple[str, dict[str, Any] | None, str | None]],
    *,
    today: date | None = None,
) -> Rollup:
    """Sum the figures of `members` — (agency ID, figures or None when not submitted, format version)."""
    factors: dict[str, int] = load_json("workspace.json")["money_units"]
    plan = _plan(version)
    result = Rollup(parent["id"], year, version, {})
    summed = [(aid, figs) for aid, figs, v in members if figs is not None and v == version]
    result.included = [aid for aid, _ in summed]
    result.missing = [aid for aid, figs, _ in members if figs is None]
    result.other_version = [aid for aid, figs, v in members if figs is not None and v != version]
    unit_paths = {u for _, _, u in plan if u}
    target = {u: _target_unit(u, version, [f for _, f in summed], factors) for u in unit_paths}
    instance: dict[str, Any] = {}
    for segments, kind, unit in plan:
        total: int | Decimal = Decimal(0) if kind == MONEY else 0
        for aid, figs in summed:
            value = _get(figs, segments)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                result.gaps.append({"agency_id": aid, "path": ".".join(segments)})
                continue
            if kind == MONEY:
                amount = Decimal(str(value))
                if unit:
                    child_unit = _get(figs, tuple(unit.split(".")))
                    amount = amount * factors.get(str(child_unit), factors[target[unit]]) / factors[target[unit]]
                total += amount
            elif isinstance(value, int):
                total += value
            else:  # a fractional count was already a finding of that report; sum what it says
                result.gaps.append({"agency_id": aid, "path": ".".join(segments)})
        _set(instance, segments, _plain(total))
    for unit, chosen in target.items():
        _set(instance, tuple(unit.split(".")), chosen)
    today = today or date.today()
    result.instance = {
        "format_version": version,
        "meta": {
            "org_name": f"{parent['name']}（汇总）",
            "org_type": parent["org_type"],
            "year": year,
            "date": today.isoformat(),
            "contact_person": "",
            "contact_phone": "",
        },
        "text": _BLANK_TEXT,
        **{part: instance.get(part, {}) for part in _PARTS},
        "explanations": [],
    }
    result.findings = check(result.instance)
    return result


def check(instance: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings of 表二/三/四 on a summed data set (the sums of consistent reports add up)."""
    from xlpy.reader import read_json
    from xlpy.validate import validate

    report = validate(read_json(instance, name="汇总数据"))
    return [f.to_dict() for f in report.findings if f.section in ("二", "三", "四")]


def _target_unit(unit_path: str, version: str, figures: list[dict[str, Any]], factors: dict[str, int]) -> str:
    """The unit of a summed money field: the schema's fixed one, else 万元 when any report used it."""
    leaf = fields(version).get(unit_path)
    schema = leaf.schema if leaf else {}
    if "const" in schema:
        return str(schema["const"])
    used = {str(_get(f, tuple(unit_path.split(".")))) for f in figures}
    choices = [u for u in schema.get("enum", list(factors)) if u in factors]
    return max((u for u in choices if u in used), key=lambda u: factors[u], default=choices[0])


def _plain(value: int | Decimal) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(round(value, 4))
    return value

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
    hierarchy: list[dict[str, Any]] = field(default_factory=list)  # H-1, H-2, H-3 findings (rollup.finding)

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
            "hierarchy": self.hierarchy,
            "data": self.instance,
        }


Plan = tuple[tuple[tuple[str, ...], str, str | None], ...]


@cache
def plan(version: str) -> Plan:
    """(path segments, kind, path of the unit field governing it) for every number of 表二/三/四, in schema order."""
    leaves = fields(version)
    units = {p.rsplit(".", 1)[0] for p, f in leaves.items() if p.startswith(_PARTS) and p.endswith(".unit")}
    out = []
    for path, f in leaves.items():
        if not path.startswith(_PARTS) or f.kind not in (COUNT, SIGNED, MONEY, INTEGER):
            continue
        owner = next((u for u in units if path.startswith(u + ".")), None) if f.kind == MONEY else None
        out.append((tuple(path.split(".")), f.kind, f"{owner}.unit" if owner else None))
    return tuple(out)


@cache
def plan_key(version: str) -> str:
    """A fingerprint of the plan: a stored vector is only summed with vectors of the same plan."""
    import hashlib

    text = version + "|" + "|".join(".".join(seg) + ":" + kind for seg, kind, _ in plan(version))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def vector(figures: dict[str, Any], version: str) -> list[int | float | None]:
    """The numbers of 表二/三/四 in plan order, money in 元; None for a blank or non-numeric cell.

    Stored with each submission, so a roll-up of thousands of reports is a column sum, not a tree walk.
    """
    factors: dict[str, int] = load_json("workspace.json")["money_units"]
    out: list[int | float | None] = []
    for segments, kind, unit in plan(version):
        value = _get(figures, segments)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.append(None)
        elif kind == MONEY:
            factor = factors.get(str(_get(figures, tuple(unit.split(".")))), 1) if unit else 1
            out.append(value * factor)
        elif isinstance(value, int):
            out.append(value)
        else:  # a fractional count: already a finding of that report; left out of the sum
            out.append(None)
    return out


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


Member = tuple[str, str | None, list[int | float | None] | None, str | None]  # id, version, vector, units used


def member(agency_id: str, figures: dict[str, Any] | None, version: str | None) -> Member:
    """A roll-up member from its figures (None: no submission)."""
    if figures is None or version is None:
        return (agency_id, None, None, None)
    units = sorted({str(_get(figures, tuple(u.split(".")))) for _, _, u in plan(version) if u})
    return (agency_id, version, vector(figures, version), ",".join(units))


def build(
    parent: dict[str, Any], year: int, version: str, members: list[Member], *, today: date | None = None
) -> Rollup:
    """Sum the members' vectors (money in 元, converted to the unit of the summed report at the end)."""
    factors: dict[str, int] = load_json("workspace.json")["money_units"]
    steps = plan(version)
    result = Rollup(parent["id"], year, version, {})
    summed = [(aid, vec) for aid, v, vec, _ in members if vec is not None and v == version]
    result.included = [aid for aid, _ in summed]
    result.missing = [aid for aid, v, vec, _ in members if vec is None]
    result.other_version = [aid for aid, v, vec, _ in members if vec is not None and v != version]
    used = {
        u for _, v, vec, units in members if vec is not None and v == version for u in (units or "").split(",") if u
    }
    target = {u: _target_unit(u, version, used, factors) for _, _, u in steps if u}
    vectors = [vec for _, vec in summed]
    instance: dict[str, Any] = {}
    for i, (segments, kind, unit) in enumerate(steps):
        column = [vec[i] for vec in vectors]
        try:
            total: int | float = sum(column)  # type: ignore[arg-type]
        except TypeError:  # a blank cell somewhere: sum the rest, name the gaps
            total = sum(x for x in column if x is not None)
            path = ".".join(segments)
            result.gaps += [{"agency_id": aid, "path": path} for (aid, vec) in summed if vec[i] is None]
        if kind == MONEY:
            total = float(Decimal(str(total)) / factors[target[unit]]) if unit else total
            total = int(total) if float(total).is_integer() else round(total, 4)
        _set(instance, segments, total)
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


def collect(store: Any, parent: dict[str, Any], year: int, options: Any = None, config: Any = None) -> Rollup:
    """The roll-up of everything below `parent` from the store (stored vectors; figures for older rows).

    With `options` (xlpy.workspace.options.Options) naming `parent` in region_totals, H-1 compares the
    parent's own current report with the sum. `config` (xlpy.config.Config): its [rules] grade H-1…H-3.
    """
    from xlpy.schema import version_for_year

    version = version_for_year(year)
    if version is None:
        raise ValueError(f"{year} 年度没有对应的年报格式")
    below = store.scope(parent["id"])[1:]  # the children's sum, for the parent's own report
    stored = store.current_vectors(year, below)
    stale = [a for a, row in stored.items() if row["plan"] != plan_key(row["format_version"])]
    refreshed = store.current_figures(year, stale) if stale else {}
    result = build(parent, year, version, _members(below, stored, refreshed))
    result.hierarchy = hierarchy(store, below, stored, year, version)
    if options is not None and parent["id"] in options.region_totals:
        result.hierarchy = region_total(store, parent, year, result, options.region_total_tolerance) + result.hierarchy
    result.hierarchy = graded(result.hierarchy, version, config)
    return result


def region_total(store: Any, parent: dict[str, Any], year: int, result: Rollup, tolerance: int) -> list[dict[str, Any]]:
    """H-1: each count of the parent's own report (declared the region's total) off the children's sum by more
    than `tolerance`. Money is left out (units and rounding differ by report); so is a blank cell on either side,
    and the whole check while a child has no report of this year's format.
    """
    if result.missing or result.other_version:
        return []  # the sum lacks a child the parent's total holds: H-2 names it, a difference would say nothing
    row = store.current_vectors(year, [parent["id"]]).get(parent["id"])
    if row is None or row["format_version"] != result.version:
        return []  # no report of its own (or of another format): nothing to compare
    stale = row["plan"] != plan_key(row["format_version"])
    refreshed = store.current_figures(year, [parent["id"]]) if stale else {}
    mine_all = _members([parent["id"]], {parent["id"]: row}, refreshed)[0][2] or []
    theirs = vector(result.instance, result.version)
    leaves = fields(result.version)
    out = []
    for (segments, kind, _), mine, summed in zip(plan(result.version), mine_all, theirs, strict=False):
        if kind == MONEY or mine is None or summed is None or abs(mine - summed) <= tolerance:
            continue
        path = ".".join(segments)
        values = {
            "name": parent["name"], "id": parent["id"], "label": leaves[path].label, "own": mine, "sum": summed,
            "diff": mine - summed, "tolerance": tolerance,
        }  # fmt: skip
        out.append(finding("H-1", result.version, values, [parent["id"]], path))
    return out


def finding(
    rule_id: str, version: str, values: dict[str, Any], agencies: list[str], path: str | None = None
) -> dict[str, Any]:
    """A hierarchy finding in the one findings model (xlpy.model.Finding's JSON) plus the agencies it names;
    grade, section and wording come from the register (schemas/rules/hierarchy.yaml)."""
    from xlpy.model import Finding
    from xlpy.rules.register import load_register

    rule = load_register(version).by_id[rule_id]
    text = (rule.message or "").format(**values)
    found = Finding(rule_id, rule.severity, text, paths=[path] if path else [], section=rule.section, values=values)
    return {**found.to_dict(), "agencies": agencies}


def graded(found: list[dict[str, Any]], version: str, config: Any) -> list[dict[str, Any]]:
    """Hierarchy findings under a configuration's [rules] table, as the engine grades a report's: a rule
    switched off is left out, a re-graded one carries its new severity."""
    from xlpy.rules.engine import effective
    from xlpy.rules.register import load_register

    register = load_register(version)
    out = []
    for f in found:
        severity, enabled = effective(register.by_id[f["rule"]], config, {})
        if enabled:
            out.append({**f, "severity": severity})
    return out


def hierarchy(store: Any, below: list[str], stored: dict[str, Any], year: int, version: str) -> list[dict[str, Any]]:
    """H-2: agencies of the region without a report; H-3: two current reports of one agency (one file, or one
    机关名称, current for two registry agencies). Wording and grade from the register."""
    from xlpy.agency_names import agency_key

    names = {a["id"]: a["name"] for a in store.agencies()}
    out = []
    for aid in below:
        if aid not in stored:
            out.append(finding("H-2", version, {"name": names.get(aid, aid), "id": aid, "year": year}, [aid]))
    current = store.current_files(year, list(stored))
    by_file: dict[str, set[str]] = {}
    by_name: dict[str, set[str]] = {}
    for aid, row in current.items():
        by_file.setdefault(row["sha256"], set()).add(aid)
        if agency_key(row["org_name"]):
            by_name.setdefault(agency_key(row["org_name"]), set()).add(aid)
    groups: dict[tuple[str, ...], str] = {}
    for sha, aids in sorted(by_file.items()):
        if len(aids) > 1:
            groups[tuple(sorted(aids))] = f"同一个文件 {sha[:12]}…"
    for aids in by_name.values():
        key = tuple(sorted(aids))
        if len(aids) > 1 and key not in groups:
            groups[key] = f"所填机关名称均为“{current[key[0]]['org_name']}”"
    for aids_, reason in sorted(groups.items()):
        listed = "、".join(f"{names.get(a, a)}（{a}）" for a in aids_)
        out.append(finding("H-3", version, {"names": listed, "reason": reason}, list(aids_)))
    return out


def _members(below: list[str], stored: dict[str, Any], refreshed: dict[str, Any]) -> list[Member]:
    members: list[Member] = []
    for aid in below:
        row = stored.get(aid)
        if row is None:
            members.append((aid, None, None, None))
        elif aid in refreshed:
            members.append(member(aid, refreshed[aid]["figures"], row["format_version"]))
        else:
            members.append((aid, row["format_version"], row["vector"], row["units"]))
    return members


def check(instance: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings of 表二/三/四 on a summed data set (the sums of consistent reports add up)."""
    from xlpy.reader import read_json
    from xlpy.validate import validate

    report = validate(read_json(instance, name="汇总数据"))
    return [f.to_dict() for f in report.findings if f.section in ("二", "三", "四")]


def _target_unit(unit_path: str, version: str, used: set[str], factors: dict[str, int]) -> str:
    """The unit of a summed money field: the schema's fixed one, else 万元 when any report used it."""
    leaf = fields(version).get(unit_path)
    schema = leaf.schema if leaf else {}
    if "const" in schema:
        return str(schema["const"])
    choices = [u for u in schema.get("enum", list(factors)) if u in factors]
    return max((u for u in choices if u in used), key=lambda u: factors[u], default=choices[0])

"""JSON-Schema validation of the report data: every error, mapped to its rule and cell, in Chinese."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from xlpy import schema
from xlpy.cellvalue import is_error
from xlpy.model import Finding

# For a dotted path, the rule a schema error there belongs to (R-S3-4 for 表三 …) and its severity.
RuleFor = Callable[[str], "tuple[str, str] | None"]

EXPECTED = {
    schema.COUNT: "不小于0的整数",
    schema.SIGNED: "整数（减少填负数）",
    schema.MONEY: "不小于0的数字金额",
    schema.INTEGER: "四位数字年份",
    schema.DATE: "日期（如 2025-01-20）",
}


def section_of(path: str) -> str:
    """The report section a field belongs to, for grouping findings."""
    head = path.split(".", 1)[0]
    if head == "text":
        sub = path.split(".")[1] if "." in path else ""
        return {"problems": "五", "other": "六", "s2_lead": "二", "s3_lead": "三", "s4_lead": "四"}.get(sub, "一")
    return {
        "meta": "基本信息",
        "s2": "二",
        "s3": "三",
        "s4": "四",
        "explanations": "说明",
        "format_version": "基本信息",
    }.get(head, "")


def field_label(version: str, path: str) -> str:
    """“（三）不予公开 1.属于国家秘密”“总计” — the official labels below the section title."""
    f = schema.fields(version).get(path)
    if f is None:
        return path
    titles = [t for t in f.titles[1:] if t] if len(f.titles) > 2 else [t for t in f.titles if t]
    if len(titles) > 1 and path.startswith(("s2.", "s3.", "s4.")):
        return (
            f"“{' '.join(titles[:-1])}”行“{titles[-1]}”列"
            if path.startswith(("s2.", "s3."))
            else f"“{' '.join(titles[:-1])} {titles[-1]}”"
        )
    return f"“{titles[-1]}”"


def _shown(value: Any) -> str:
    if value is None:
        return "空白"
    if isinstance(value, str):
        return f"文字「{value}」" if value.strip() else "空白"
    if isinstance(value, bool):
        return "逻辑值 TRUE" if value else "逻辑值 FALSE"
    return str(value)


def _message(version: str, path: str, error: Any) -> str:
    label = field_label(version, path)
    f = schema.fields(version).get(path)
    kind = f.kind if f else ""
    value = error.instance
    kw = error.validator
    if kw in ("type", "minLength") and (value is None or value == ""):
        if kind == schema.CHOICE:
            return f"{label}未选择，请从下拉列表中选择。"
        if kind in (schema.COUNT, schema.SIGNED, schema.MONEY):
            return f"{label}未填写。空白不等于 0：没有发生的请填 0。"
        return f"{label}未填写。"
    if kw == "type":
        if is_error(value):
            return f"{label}是公式错误值 {value.strip()}，请改为{EXPECTED.get(kind, '有效的值')}。"
        if isinstance(value, float) and kind in (schema.COUNT, schema.SIGNED, schema.INTEGER):
            return f"{label}应为整数，当前为 {value:g}。"
        return f"{label}应填写{EXPECTED.get(kind, '有效的值')}，当前为{_shown(value)}。"
    if kw == "minimum":
        return f"{label}应为{EXPECTED.get(kind, f'不小于{error.validator_value}的数')}，当前为 {value}。"
    if kw == "maximum":
        return f"{label}不应大于 {error.validator_value}，当前为 {value}。"
    if kw == "enum":
        options = "、".join(str(v) for v in error.validator_value)
        return f"{label}应从下拉列表中选择（{options}），当前为{_shown(value)}。"
    if kw == "const":
        return f"{label}应为「{error.validator_value}」（由模板固定），当前为{_shown(value)}。"
    if kw == "format":
        return f"{label}应为{EXPECTED.get(schema.DATE)}，当前为{_shown(value)}。"
    if kw == "required":
        missing = [m for m in error.validator_value if not isinstance(error.instance, dict) or m not in error.instance]
        return f"缺少字段：{'、'.join(f'{path}.{m}' if path else m for m in missing)}。"
    if kw == "additionalProperties":
        extra = (
            sorted(set(error.instance) - set(error.schema.get("properties", {})))
            if isinstance(error.instance, dict)
            else []
        )
        return f"多余的字段：{'、'.join(f'{path}.{e}' if path else e for e in extra)}（该格式版本没有这些栏目）。"
    return f"{label}：{error.message}"


def schema_findings(
    version: str, instance: dict[str, Any], cells: dict[str, str], rule_for: RuleFor
) -> Iterator[Finding]:
    """Yield one finding per schema error (all of them, not just the first)."""
    if quick_valid(version, instance):
        return
    for error in schema.validator(version).iter_errors(instance):
        path = ".".join(str(p) for p in error.absolute_path)
        hit = rule_for(path)
        if hit is None:
            continue  # a disabled rule
        rule, severity = hit
        cell = cells.get(path)
        # A blank cell is marked so the text output can group a blank table into one line (JSON keeps each).
        blank = error.validator in ("type", "minLength") and (error.instance is None or error.instance == "")
        yield Finding(
            rule=rule,
            severity=severity,
            message=_message(version, path, error),
            cells=[cell] if cell else [],
            paths=[path],
            section=section_of(path),
            values={"blank": True} if blank else {},
        )


# --- fast path ---------------------------------------------------------------------------------
# jsonschema costs ~1 ms per 200 cells; a clean report is the common case in batch and HTTP runs.
# `quick_valid` answers "certainly valid" from precompiled leaf predicates and exact key sets. It
# is stricter than the schema (never True where jsonschema would report an error); anything it
# does not accept goes through the full validator, which produces the findings.

_QUICK_KEYWORDS = frozenset(
    {
        "type",
        "minimum",
        "maximum",
        "enum",
        "const",
        "minLength",
        "format",
        "title",
        "description",
        "x-properties",
        "$comment",
    }
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _predicate(node: dict[str, Any]) -> Callable[[Any], bool] | None:
    if not set(node) <= _QUICK_KEYWORDS:
        return None
    checks: list[Callable[[Any], bool]] = []
    t = node.get("type")
    if t == "integer":
        checks.append(lambda v: type(v) is int)
    elif t == "number":
        checks.append(lambda v: (type(v) is int or type(v) is float) and math.isfinite(v))
    elif t == "string":
        checks.append(lambda v: type(v) is str)
    elif t is not None:
        return None
    if "minimum" in node:
        lo = node["minimum"]
        checks.append(lambda v: v >= lo)
    if "maximum" in node:
        hi = node["maximum"]
        checks.append(lambda v: v <= hi)
    if "minLength" in node:
        n = node["minLength"]
        checks.append(lambda v: len(v) >= n)
    if "enum" in node:
        options = frozenset(x for x in node["enum"] if type(x) is str)
        checks.append(lambda v: type(v) is str and v in options)
    if "const" in node:
        c = node["const"]
        checks.append(lambda v: type(v) is type(c) and v == c)
    if node.get("format") == "date":
        checks.append(lambda v: type(v) is str and bool(_ISO_DATE.match(v)) and _is_date(v))
    elif "format" in node:
        return None
    return _all_of(checks)


def _all_of(checks: list[Callable[[Any], bool]]) -> Callable[[Any], bool]:
    """One predicate for all `checks`, without a generator per value (~200 leaves per report)."""
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    return lambda v: all(check(v) for check in checks)


def _is_date(v: str) -> bool:
    try:
        dt.date.fromisoformat(v)
    except ValueError:
        return False
    return True


@functools.cache
def _quick_plan(
    version: str,
) -> (
    tuple[dict[str, frozenset[str]], list[tuple[tuple[str, ...], Callable[[Any], bool]]], dict[str, frozenset[str]]]
    | None
):
    """(container path -> exact keys, [(leaf key path, predicate)], array path -> item keys) or None."""
    containers: dict[str, set[str]] = {}
    leaves = []
    for f in schema.fields(version).values():
        pred = _predicate(f.schema)
        if pred is None:
            return None
        parts = f.path.split(".")
        for i in range(len(parts)):
            containers.setdefault(".".join(parts[:i]), set()).add(parts[i])
        leaves.append((tuple(parts), pred))
    arrays: dict[str, frozenset[str]] = {}
    for path in ("text.overview.parts", "explanations"):
        node = schema.resolved(version, path)
        item = schema.resolved(version, path + ".0") if node.get("type") == "array" else None
        if item is None or any(
            schema.resolved(version, f"{path}.0.{k}").get("type") != "string" for k in item.get("properties", {})
        ):
            return None
        arrays[path] = frozenset(item["properties"])
        parts = path.split(".")
        for i in range(len(parts)):
            containers.setdefault(".".join(parts[:i]), set()).add(parts[i])
    return {k: frozenset(v) for k, v in containers.items()}, leaves, arrays


@functools.cache
def _quick_shape(version: str) -> dict[str, Any] | None:
    """The plan as one nested shape: key -> sub-shape (dict), predicate (leaf) or item keys (array)."""
    plan = _quick_plan(version)
    if plan is None:
        return None
    _, leaves, arrays = plan
    shape: dict[str, Any] = {}
    for parts, pred in leaves:
        node = shape
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = pred
    for path, keys in arrays.items():
        *head, last = path.split(".")
        node = shape
        for p in head:
            node = node.setdefault(p, {})
        node[last] = keys
    return shape


def quick_valid(version: str, instance: Any) -> bool:
    """True only if the full schema validation would certainly find nothing.

    One walk of the instance against the planned shape: every object has exactly the planned keys,
    every leaf passes its predicate, every array holds objects of exactly the item keys with text values.
    """
    shape = _quick_shape(version)
    return shape is not None and _conforms(instance, shape)


def _conforms(node: Any, shape: dict[str, Any]) -> bool:
    if type(node) is not dict or node.keys() != shape.keys():
        return False
    for key, sub in shape.items():
        value = node[key]
        kind = type(sub)
        if kind is dict:
            if not _conforms(value, sub):
                return False
        elif kind is frozenset:
            if type(value) is not list:
                return False
            for item in value:
                if type(item) is not dict or item.keys() != sub or any(type(v) is not str for v in item.values()):
                    return False
        elif not sub(value):
            return False
    return True

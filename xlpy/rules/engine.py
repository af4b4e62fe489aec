"""The rule engine: a compiled register × one report (and last year's) → findings and skipped rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlpy.model import CRASHED, HINT, NOT_ASSESSABLE, NOT_RUN, Finding
from xlpy.rules import expr as ex
from xlpy.rules.context import CHECKERS, RuleContext
from xlpy.rules.register import Register, Rule, load_register

if TYPE_CHECKING:
    from xlpy.config import Config

__all__ = ["apply_config", "load_register", "run", "values"]

NO_LAST_YEAR = "未提供上年度数据（--last-year），跨年度规则未执行"
DISABLED = "已在配置中停用"
OFF_BY_DEFAULT = "地方要求，默认不检查（可在配置中开启）"
RETIRED = "规则已停用（retired）"
RULE_ERROR = "规则执行出错，未检查（程序缺陷，请报告）"


def values(register: Register, instance: dict[str, Any] | None, last: dict[str, Any] | None) -> list[Any]:
    """The slot vector: every leaf the arithmetic reads, as exact numbers (None = not evaluable)."""
    out: list[Any] = [None] * (len(register.slots) + len(register.last_slots))
    for plan, root in ((register.plan, instance), (register.last_plan, last)):
        if type(root) is not dict:
            continue
        for parent, start, stop, leaves, getter in plan:
            node: Any = root
            for key in parent:
                node = node.get(key) if type(node) is dict else None
            if type(node) is not dict:
                continue
            try:
                got = getter(node)
            except KeyError:  # a cell missing from the data (the schema check reports it)
                got = tuple(node.get(leaf) for leaf in leaves)
            out[start:stop] = (got,) if stop - start == 1 else got
    if set(map(type, out)) != {int}:
        _normalise(out, register.whole)
    return out


def _normalise(out: list[Any], whole: tuple[bool, ...]) -> None:
    """Money to Decimal; blanks, text and booleans to None (not evaluable).

    A count read from Excel may arrive as 15.0; 1.5 in a count cell is the schema check's finding
    (R-S3-4), not the start of a 勾稽 cascade, so it becomes None as well.
    """
    for i, v in enumerate(out):
        if type(v) is int:
            continue
        num = ex.number(v)
        if isinstance(num, Decimal) and whole[i]:
            num = int(num) if num == num.to_integral_value() else None
        out[i] = num


def run(
    ctx: RuleContext, register: Register, config: Config | None = None
) -> tuple[list[Finding], list[dict[str, str]]]:
    """Run every enabled rule of the register (schema-kind rules are reported by the schema check)."""
    findings: list[Finding] = []
    skipped: list[dict[str, str]] = []
    if config is not None:
        ctx.options = {**config.options, **ctx.options}
    no_last = _last_year_problem(ctx)
    vals: list[Any] | None = None
    blanks: frozenset[int] = frozenset()
    for rule in register.rules:
        severity, enabled = effective(rule, config, ctx.options)
        if rule.status == "retired":
            skipped.append(skip(rule.id, RETIRED))
            continue
        if not enabled:
            by_config = config is not None and rule.id in config.rules
            skipped.append(skip(rule.id, DISABLED if by_config or rule.enabled else OFF_BY_DEFAULT))
            continue
        if rule.kind in ("schema", "pipeline", "rollup"):  # the schema check / validate.py / a roll-up reports it
            continue
        # Rules that say which report the last-year data is (C-0 year, C-6 agency) run whenever it is
        # given; the year-on-year comparisons only when it is the report of year − 1.
        if rule.cross_year and (ctx.last is None if rule.identifies_last_year else no_last):
            skipped.append(skip(rule.id, no_last or NO_LAST_YEAR, NOT_RUN if ctx.last is None else NOT_ASSESSABLE))
            continue
        if rule.kind == "arithmetic":
            if vals is None:
                vals = values(register, ctx.instance, ctx.last)
                blanks = frozenset(i for i, v in enumerate(vals) if v is None) if None in vals else frozenset()
            for inst in rule.instances:
                f = _evaluate(rule, inst, vals, blanks, ctx, severity, register.index)
                if f is not None:
                    findings.append(f)
            if rule.cross_year:
                reason = _version_gap(rule, ctx)
                if reason:
                    skipped.append(skip(rule.id, reason, NOT_ASSESSABLE))
        else:
            setting = config.rules.get(rule.id) if config is not None else None
            view = rule
            if severity != rule.severity or (setting is not None and setting.params):
                params = {**rule.params, **(setting.params if setting is not None else {})}
                view = dataclasses.replace(rule, severity=severity, params=params)
            try:
                made = list(CHECKERS[rule.checker](ctx, view))  # type: ignore[index]
            except Exception as exc:  # noqa: BLE001 — one faulty checker must not sink the whole validation
                skipped.append(skip(rule.id, f"{RULE_ERROR}：{type(exc).__name__}: {exc}", CRASHED))
                continue
            for f in made:
                # A checker may grade one finding below its rule (R-S2-2: a 政府办公厅 publishing its
                # government's 规章 is a hint); a configuration that re-grades the rule re-grades them all.
                if severity != rule.severity or f.severity != HINT:
                    f.severity = severity
                if not f.section:
                    f.section = rule.section
                findings.append(f)
    return findings, skipped


def skip(rule_id: str, reason: str, kind: str = NOT_RUN) -> dict[str, str]:
    """One entry of Report.skipped: the rule, the Chinese reason, and its kind (model.SKIP_KINDS)."""
    return {"rule": rule_id, "reason": reason, "kind": kind}


def apply_config(findings: Iterable[Finding], register: Register, config: Config | None) -> list[Finding]:
    """Re-grade or drop findings made outside the engine (schema errors mapped to rules) per configuration."""
    out = []
    for f in findings:
        rule = register.by_id.get(f.rule)
        if rule is None:
            out.append(f)
            continue
        severity, enabled = effective(rule, config, config.options if config else {})
        if enabled and rule.status != "retired":
            f.severity = severity
            f.section = f.section or rule.section
            out.append(f)
    return out


def effective(rule: Rule, config: Config | None, options: dict[str, Any]) -> tuple[str, bool]:
    """(severity, enabled) of a rule under a configuration and locality options."""
    enabled = rule.enabled or bool(rule.enabled_by and options.get(rule.enabled_by))
    if config is None:
        return rule.severity, enabled
    setting = config.rules.get(rule.id)
    if setting is None:
        return rule.severity, enabled
    return setting.severity or rule.severity, enabled if setting.enabled is None else setting.enabled


def _last_year_problem(ctx: RuleContext) -> str | None:
    if ctx.last is None:
        return NO_LAST_YEAR
    year, last_year = ctx.value("meta.year"), ctx.value("meta.year", last=True)
    if type(year) is int and type(last_year) is int and last_year != year - 1:
        return f"所给上年度数据是{last_year}年度的报告，不是{year - 1}年度的，跨年度规则未执行"
    return None


def _version_gap(rule: Rule, ctx: RuleContext) -> str | None:
    """Across a format change (2020 → 2021) a rule may read last-year fields the old format lacks."""
    from xlpy import schema

    last_version = (ctx.last or {}).get("format_version")
    if last_version == ctx.version or last_version not in schema.known_versions():
        return None
    old = schema.fields(str(last_version))
    missing = {p for i in rule.instances for _, p, last in i.linear.refs() if last and p not in old}
    if missing:
        return f"上年度报告使用{last_version}年版格式，没有本规则所需的栏目，未比较"
    return None


def _evaluate(
    rule: Rule,
    inst: Any,
    vals: list[Any],
    blanks: frozenset[int],
    ctx: RuleContext,
    severity: str,
    index: dict[tuple[str, bool], int],
) -> Finding | None:
    if blanks and not blanks.isdisjoint(inst.reads):
        return None  # a blank/text cell: the schema check reports it; no 勾稽 cascade
    get = vals.__getitem__
    lhs: Any = inst.lconst + sum(map(get, inst.lpos)) - sum(map(get, inst.lneg))
    rhs: Any = inst.rconst + sum(map(get, inst.rpos)) - sum(map(get, inst.rneg))
    op = inst.linear.op
    if (lhs == rhs) if op == "==" else (lhs <= rhs) if op == "<=" else (lhs >= rhs):
        return None
    return _finding(rule, inst, ctx, severity, lhs, rhs, vals, index)


def _finding(
    rule: Rule,
    inst: Any,
    ctx: RuleContext,
    severity: str,
    lhs: Any,
    rhs: Any,
    vals: list[Any],
    index: dict[tuple[str, bool], int],
) -> Finding:
    def get(path: str, last: bool) -> Any:
        return vals[index[(path, last)]]

    outcome = inst.linear.evaluate(get)
    lin = inst.linear
    this_paths: list[str] = list(inst.primary)
    last_paths: list[str] = []
    for _, path, last in lin.refs():
        (last_paths if last else this_paths).append(path)
    this_paths = list(dict.fromkeys(this_paths))
    last_terms = [
        (t, v)
        for t, v in zip(lin.lhs + lin.rhs, outcome.lhs_terms + outcome.rhs_terms, strict=False)
        if t.refs and all(r[2] for r in t.refs)
    ]
    last_value = (
        last_terms[0][1] if len(last_terms) == 1 else (sum((v for _, v in last_terms), 0) if last_terms else None)
    )
    diff = lhs - rhs
    args: dict[str, Any] = {
        "lhs": ex.fmt(lhs),
        "rhs": ex.fmt(rhs),
        "diff": ex.fmt(abs(diff)),
        "signed_diff": ex.fmt(diff),
        "lhs_terms": ex.terms_text(lin.lhs, outcome.lhs_terms),
        "rhs_terms": ex.terms_text(lin.rhs, outcome.rhs_terms),
        "lhs_label": rule.lhs_label or "+".join(t.label for t in lin.lhs),
        "rhs_label": rule.rhs_label or "+".join(t.label for t in lin.rhs),
        "last": ex.fmt(last_value) if last_value is not None else "",
    }
    for name, key in inst.binding.items():
        args[name] = key
        args[f"{name}_title"] = inst.titles[name]
    cells = [c for c in (ctx.cell(p) for p in this_paths) if c]
    return Finding(
        rule=rule.id,
        severity=severity,
        message=(rule.message or "").format_map(args),
        cells=list(dict.fromkeys(cells)),
        paths=this_paths + [f"last.{p}" for p in dict.fromkeys(last_paths)],
        lhs=_exact(lhs),
        rhs=_exact(rhs),
        diff=_exact(diff),
        last_year=last_value,
        section=rule.section,
        values={k: v for k, v in args.items() if not k.endswith("_title")},
    )


def _exact(v: Any) -> int | Decimal:
    return v if isinstance(v, (int, Decimal)) else Decimal(str(v))

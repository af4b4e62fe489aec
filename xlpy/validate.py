"""The pure validation pipeline: report data -> schema findings + rule findings + explanations -> Report."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlpy.errors import InputError
from xlpy.model import ERROR, WARNING, Finding, Report
from xlpy.reader import ReadResult, read_any
from xlpy.rules.context import RuleContext
from xlpy.schema_check import schema_findings

if TYPE_CHECKING:
    from xlpy.config import Config

SECTION_ORDER = ["基本信息", "一", "二", "三", "四", "五", "六", "跨年度", "说明", ""]
UNUSABLE_RULES = frozenset({"F-0"})  # a finding of these makes the input unusable (exit 2)


def validate(data: ReadResult, *, last_year: ReadResult | None = None, config: Config | None = None) -> Report:
    """Validate one report (and, with last year's data, the cross-year rules)."""
    from xlpy.config import load_config
    from xlpy.rules import engine

    config = config if config is not None else load_config(None)
    register = engine.load_register(data.version)

    def rule_for(path: str) -> tuple[str, str] | None:
        rule = register.schema_rule_for(path)
        # Structural errors outside every declared scope (JSON input with a stray key) are F-0-like
        # format problems of the data; they still must be reported, so they fall back to M-1.
        return (rule.id, rule.severity) if rule is not None else ("M-1", ERROR)

    findings = engine.apply_config(schema_findings(data.version, data.instance, data.cells, rule_for), register, config)
    ctx = RuleContext(
        data.instance,
        data.cells,
        data.version,
        last=last_year.instance if last_year else None,
        last_cells=last_year.cells if last_year else {},
        options=dict(config.options),
    )
    rule_findings, skipped = engine.run(ctx, register, config)
    findings.extend(rule_findings)
    _apply_explanations(findings, data.instance.get("explanations") or [])
    findings.sort(key=_order)
    raw_meta = data.instance.get("meta")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    year = meta.get("year") if isinstance(meta.get("year"), int) else None
    return Report(
        file=data.source,
        format_version=data.version,
        year=year,
        org=meta.get("org_name") or None,
        findings=findings,
        skipped=skipped,
        not_assessable=list(ctx.not_assessable),
        config=config.to_dict(),
        unusable=any(f.rule in UNUSABLE_RULES and f.severity == ERROR for f in findings),
        incomplete=any(s["reason"].startswith(engine.RULE_ERROR) for s in skipped),
    )


def validate_path(
    path: str | Path, *, last_year: str | Path | None = None, config: Config | None = None, name: str | None = None
) -> tuple[ReadResult | None, Report]:
    """Read and validate a file; bad input never raises but gives an unusable Report with the message."""
    label = name or str(path)
    try:
        data = read_any(path, name=name)
    except InputError as exc:
        return None, unusable_report(label, exc)
    last = None
    if last_year is not None:
        try:
            last = read_any(last_year)
        except InputError as exc:
            return data, unusable_report(label, InputError(f"上年度文件：{exc.message}", code=exc.code))
    return data, validate(data, last_year=last, config=config)


def unusable_report(label: str, exc: InputError) -> Report:
    """The Report of an input xlpy cannot use at all (exit 2)."""
    report = Report(file=label, format_version=None, year=None, org=None, findings=list(exc.findings), unusable=True)
    report.error = {"code": exc.code, "message": exc.message}
    if exc.details.get("detail"):
        report.error["detail"] = str(exc.details["detail"])  # the library's words, for whoever debugs
    return report


_LOCATION = re.compile(r"[\s'$\"“”‘’]")


def _norm_location(text: str) -> str:
    return _LOCATION.sub("", str(text)).replace("！", "!").upper()


def _apply_explanations(findings: list[Finding], explanations: list[dict[str, Any]]) -> None:
    """Mark warnings the clerk explained (说明 keyed by rule and location); errors cannot be explained."""
    index: dict[tuple[str, str], str] = {}
    for e in explanations:
        if isinstance(e, dict) and str(e.get("text") or "").strip():
            index[(str(e.get("rule", "")).strip().upper(), _norm_location(e.get("location", "")))] = str(
                e["text"]
            ).strip()
    if not index:
        return
    for f in findings:
        if f.severity != WARNING:
            continue
        keys = [(f.rule.upper(), _norm_location(f.location))]
        keys += [(f.rule.upper(), _norm_location(p)) for p in f.paths[:1]]
        text = next((index[k] for k in keys if k in index), None)
        if text is not None:
            f.explained = True
            f.explanation = text


def _order(f: Finding) -> tuple[int, int, str]:
    section = SECTION_ORDER.index(f.section) if f.section in SECTION_ORDER else len(SECTION_ORDER)
    severity = {ERROR: 0, WARNING: 1}.get(f.severity, 2)
    return section, severity, f.rule

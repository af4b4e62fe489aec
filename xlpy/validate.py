"""The pure validation pipeline: report data -> schema findings + rule findings + explanations -> Report."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlpy.cell import Cell
from xlpy.errors import InputError
from xlpy.model import CRASHED, ERROR, WARNING, Finding, Report
from xlpy.reader import ReadResult
from xlpy.rules.context import RuleContext
from xlpy.schema_check import schema_findings

if TYPE_CHECKING:
    from xlpy.config import Config

SECTION_ORDER = ["基本信息", "一", "二", "三", "四", "五", "六", "跨年度", "说明", ""]
UNUSABLE_RULES = frozenset({"F-0"})  # a finding of these makes the input unusable (exit 2)
UNUSED_EXPLANATION_RULE = "E-1"  # a 说明 row that explains no warning (register kind: pipeline)


def validate(data: ReadResult, *, last_year: ReadResult | None = None, config: Config | None = None) -> Report:
    """Validate one report (and, with last year's data, the cross-year rules) under `config`.

    Pure: the configuration is an argument — None is the defaults, never $XLPY_CONFIG (the front end
    reads files and the environment, once, and passes what it found).
    """
    from xlpy.config import Config
    from xlpy.rules import engine

    config = config if config is not None else Config()

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
        outline=data.outline,
    )
    _published_asks(findings, (data.outline or {}).get("asked") or {})
    rule_findings, skipped = engine.run(ctx, register, config)
    findings.extend(rule_findings)
    unused = apply_explanations(findings, data.instance.get("explanations") or [])
    findings.extend(_unused_explanation_hints(unused, register, config))
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
        crashed=[s["rule"] for s in skipped if s.get("kind") == CRASHED],
    )


def _published_asks(findings: list[Finding], asked: dict[str, str]) -> None:
    """A published report's blank field the importer asked for (机关类型): its message, not the workbook's 下拉列表."""
    for f in findings:
        if f.paths and f.paths[0] in asked:
            f.message = asked[f.paths[0]]


def validate_path(
    path: str | Path, *, last_year: str | Path | None = None, config: Config | None = None, name: str | None = None
) -> tuple[ReadResult | None, Report]:
    """Read and validate a file: (data or None, Report) — the verdict's reading policy (xlpy.verdict.check)."""
    from xlpy.config import Config
    from xlpy.verdict import check

    verdict = check(path, last_year=last_year, config=config if config is not None else Config(), name=name)
    return verdict.data, verdict.report


def unusable_report(label: str, exc: InputError) -> Report:
    """The Report of an input xlpy cannot use at all (exit 2)."""
    report = Report(file=label, format_version=None, year=None, org=None, findings=list(exc.findings), unusable=True)
    report.error = {"code": str(exc.code), "message": exc.message}
    if exc.details.get("detail"):
        report.error["detail"] = str(exc.details["detail"])  # the library's words, for whoever debugs
    return report


_LOCATION = re.compile(r"[\s'$\"“”‘’]")


def _norm_location(text: str) -> str:
    return _LOCATION.sub("", str(text)).replace("！", "!").upper()


def explains(f: Finding, location: str) -> bool:
    """Whether a 说明 row's 位置 points at this finding: the location as shown, any one of its cells
    (with or without the sheet name, quoted or with $), or one of its field paths."""
    text = str(location or "").strip()
    cells = f.cell_refs
    cell = Cell.parse(text)
    if cell is not None:
        return cell in cells
    bare = Cell.parse(text, sheet="?")  # "D7" without a sheet: any of the finding's cells in that column/row
    if bare is not None and cells:
        return any(c.coordinate == bare.coordinate for c in cells)
    norm = _norm_location(text)
    return norm == _norm_location(f.location) or any(norm == _norm_location(p) for p in f.paths)


def apply_explanations(findings: list[Finding], explanations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark warnings the clerk explained (说明 keyed by rule and location); errors cannot be explained.

    Returns the 说明 rows that explain no warning (a location typed wrong, a rule ID mistyped).
    """
    rows = [e for e in explanations if isinstance(e, dict) and str(e.get("text") or "").strip()]
    used: set[int] = set()
    for f in findings:
        if f.severity != WARNING:
            continue
        for i, e in enumerate(rows):
            if str(e.get("rule", "")).strip().upper() == f.rule.upper() and explains(f, str(e.get("location", ""))):
                f.explained = True
                f.explanation = str(e["text"]).strip()
                used.add(i)
                break
    return [e for i, e in enumerate(rows) if i not in used]


def _unused_explanation_hints(unused: list[dict[str, Any]], register: Any, config: Config) -> list[Finding]:
    """One E-1 finding per 说明 row that explains nothing, naming the row by its rule, location and text."""
    from xlpy.rules import engine

    rule = register.by_id.get(UNUSED_EXPLANATION_RULE)
    if rule is None or not unused or rule.status == "retired":
        return []
    severity, enabled = engine.effective(rule, config, config.options)
    if not enabled:
        return []
    out = []
    for e in unused:
        text = str(e.get("text") or "").strip()
        args = {
            "rule": str(e.get("rule") or "").strip() or "（空）",
            "location": str(e.get("location") or "").strip() or "（空）",
            "excerpt": text if len(text) <= 20 else text[:20] + "…",
        }
        message = (rule.message or "").format(**args)
        out.append(Finding(rule.id, severity, message, paths=["explanations"], section=rule.section, values=args))
    return out


def _order(f: Finding) -> tuple[int, int, str]:
    section = SECTION_ORDER.index(f.section) if f.section in SECTION_ORDER else len(SECTION_ORDER)
    severity = {ERROR: 0, WARNING: 1}.get(f.severity, 2)
    return section, severity, f.rule

"""Findings for people: the terminal rendering of a Report, grouped by report section with cell references."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlpy import schema
from xlpy.model import CRASHED, ERROR, NOT_ASSESSABLE, NOT_RUN, SEVERITY_ZH, WARNING, Finding

if TYPE_CHECKING:
    from xlpy.verdict import Verdict

# Where each section's official heading lives in the schema (titles are the single source of labels).
SECTION_PATHS = {
    "基本信息": "meta",
    "一": "text.overview",
    "二": "s2",
    "三": "s3",
    "四": "s4",
    "五": "text.problems",
    "六": "text.other",
}
OTHER_SECTIONS = {"跨年度": "跨年度", "说明": "说明", "": "其他"}
MARK = {ERROR: "✗", WARNING: "!", "hint": "·"}
MAX_CELLS = 6
BLANK_GROUP = 10  # this many blank cells of one table and rule are shown as one entry in the text output
TABLE_SECTIONS = ("二", "三", "四")
SKIP_HEADING = {NOT_RUN: "未执行", NOT_ASSESSABLE: "无法判断", CRASHED: "执行出错"}


def section_heading(version: str | None, section: str) -> str:
    """“三、收到和处理政府信息公开申请情况” for "三"."""
    path = SECTION_PATHS.get(section)
    if version and path:
        try:
            return str(schema.resolved(version, path).get("title") or section)
        except (KeyError, Exception):  # noqa: BLE001 - an unknown path only loses the long heading
            return section
    return OTHER_SECTIONS.get(section, section)


def format_finding(f: Finding) -> list[str]:
    refs = f.cells or f.paths
    # The first cell is the one to look at; long lists (a column sum over 22 rows) are cut short.
    where = "、".join(refs) if len(refs) <= MAX_CELLS else "、".join(refs[:MAX_CELLS]) + f" 等 {len(refs)} 处"
    head = f"  {MARK.get(f.severity, '·')} {SEVERITY_ZH.get(f.severity, f.severity)} {f.rule}"
    lines = [f"{head}  {where}" if where else head, f"      {f.message}"]
    if f.last_year is not None:
        lines.append(f"      上年度数值：{f.last_year}")
    if f.explained:
        lines.append(f"      已说明：{f.explanation}")
    return lines


def _blank_groups(version: str | None, findings: list[Finding]) -> dict[tuple[str, str], tuple[Finding, list[str]]]:
    """(section, rule) → (first finding, lines) for a table with at least BLANK_GROUP blank cells of one rule.

    The text output says "表三有 175 个空白单元格：…" once instead of 175 times; JSON keeps every cell.
    The wording is the rule's `messages.blank_group` in the register.
    """
    blanks: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.values.get("blank") and f.section in TABLE_SECTIONS:
            blanks.setdefault((f.section, f.rule), []).append(f)
    out: dict[tuple[str, str], tuple[Finding, list[str]]] = {}
    if not version:
        return out
    from xlpy.rules.register import load_register

    register = load_register(version)
    for (section, rule_id), group in blanks.items():
        rule = register.by_id.get(rule_id)
        template = rule.messages.get("blank_group") if rule is not None else None
        if template is None or len(group) < BLANK_GROUP:
            continue
        refs = [c for f in group for c in f.cells] or [p for f in group for p in f.paths]
        shown = "、".join(refs[:MAX_CELLS]) + (f" 等 {len(refs)} 处" if len(refs) > MAX_CELLS else "")
        message = template.format(table=f"表{section}", count=len(group), cells=shown)
        head = f"  {MARK.get(group[0].severity, '·')} {SEVERITY_ZH.get(group[0].severity, '')} {rule_id}"
        out[(section, rule_id)] = (group[0], [head, f"      {message}"])
    return out


def format_text(verdict: Verdict) -> str:
    """The whole verdict as text: header, status line, findings by section, checklist, rules not run."""
    report = verdict.report
    lines = [f"文件：{report.file}"]
    if report.org or report.year:
        version = f"{report.format_version}年版格式" if report.format_version else ""
        lines.append(f"机关：{report.org or '（未填写）'}　年度：{report.year or '（未填写）'}　{version}")
    lines.append(verdict.status_line)
    current = None
    groups = _blank_groups(report.format_version, report.findings)
    for f in report.findings:
        if f.section != current:
            current = f.section
            lines.append("")
            lines.append(f"【{section_heading(report.format_version, current)}】")
        group = groups.get((f.section, f.rule))
        if group is None:
            lines.extend(format_finding(f))
        elif group[0] is f:  # a blank table: one entry where its first blank cell was
            lines.extend(group[1])
    if not report.unusable and verdict.checklist.items:
        lines.append("")
        lines.append(f"{verdict.checklist.title}：")
        lines.extend(f"  □ {item}" for item in verdict.checklist.items)
    if report.not_assessable:
        lines.append("")
        for s in report.not_assessable:
            lines.append(f"{SKIP_HEADING[NOT_ASSESSABLE]}：{s['rule']} —— {s['reason']}")
    if report.skipped:
        lines.append("")
        reasons: dict[tuple[str, str], list[str]] = {}
        for s in report.skipped:
            reasons.setdefault((s.get("kind", NOT_RUN), s["reason"]), []).append(s["rule"])
        for (kind, reason), rules in reasons.items():
            lines.append(f"{SKIP_HEADING.get(kind, '未执行')}：{'、'.join(rules)} —— {reason}")
    return "\n".join(lines) + "\n"

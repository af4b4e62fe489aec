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


def format_text(verdict: Verdict) -> str:
    """The whole verdict as text: header, status line, findings by section, checklist, rules not run."""
    report = verdict.report
    lines = [f"文件：{report.file}"]
    if report.org or report.year:
        version = f"{report.format_version}年版格式" if report.format_version else ""
        lines.append(f"机关：{report.org or '（未填写）'}　年度：{report.year or '（未填写）'}　{version}")
    lines.append(verdict.status_line)
    current = None
    for f in report.findings:
        if f.section != current:
            current = f.section
            lines.append("")
            lines.append(f"【{section_heading(report.format_version, current)}】")
        lines.extend(format_finding(f))
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

"""Findings for people: the terminal rendering of a Report, grouped by report section with cell references."""

from __future__ import annotations

from xlpy import schema
from xlpy.model import ERROR, SEVERITY_ZH, WARNING, Finding, Report
from xlpy.resources import load_json

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


def section_heading(version: str | None, section: str) -> str:
    """“三、收到和处理政府信息公开申请情况” for "三"."""
    path = SECTION_PATHS.get(section)
    if version and path:
        try:
            return str(schema.resolved(version, path).get("title") or section)
        except (KeyError, Exception):  # noqa: BLE001 - an unknown path only loses the long heading
            return section
    return OTHER_SECTIONS.get(section, section)


def status_line(report: Report) -> str:
    """One line a clerk reads first: passed or not, and the counts."""
    s = report.summary
    counts = (
        f"错误 {s['errors']} 项，警告 {s['warnings']} 项（另有已说明的警告 {s['explained']} 项），提示 {s['hints']} 项"
    )
    if report.unusable:
        return (
            f"无法校验：{report.error['message'] if report.error else '文件不可用'}"
            if not report.findings
            else f"无法使用：{counts}。"
        )
    if report.incomplete:
        return f"校验未完成：有规则执行出错（见下方“未执行”），结果不可作为通过依据。{counts}。"
    if report.final_ok:
        return f"通过：{counts}。可以生成正式报告。"
    return f"未通过：{counts}。错误必须改正，警告须改正或在「说明」表中写明理由，之后才能生成正式报告。"


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


def format_text(report: Report) -> str:
    """The whole report as text: header, status, findings by section, skipped rules."""
    lines = [f"文件：{report.file}"]
    if report.org or report.year:
        version = f"{report.format_version}年版格式" if report.format_version else ""
        lines.append(f"机关：{report.org or '（未填写）'}　年度：{report.year or '（未填写）'}　{version}")
    lines.append(status_line(report))
    current = None
    for f in report.findings:
        if f.section != current:
            current = f.section
            lines.append("")
            lines.append(f"【{section_heading(report.format_version, current)}】")
        lines.extend(format_finding(f))
    if not report.unusable:
        checklist = load_json("checklist.json")
        lines.append("")
        lines.append(f"{checklist['title']}：")
        lines.extend(f"  □ {item}" for item in checklist["items"])
    if report.not_assessable:
        lines.append("")
        for s in report.not_assessable:
            lines.append(f"无法判断：{s['rule']} —— {s['reason']}")
    if report.skipped:
        lines.append("")
        reasons: dict[str, list[str]] = {}
        for s in report.skipped:
            reasons.setdefault(s["reason"], []).append(s["rule"])
        for reason, rules in reasons.items():
            lines.append(f"未执行：{'、'.join(rules)} —— {reason}")
    return "\n".join(lines) + "\n"

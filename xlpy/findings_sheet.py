"""The 校验结果 sheet as data: rows, links and cell marks built from a Report, shared by every writer.

The xlwings scripts (Excel buttons) and `xlpy annotate` (openpyxl, for WPS) write the very same
sheet; only the way a row, a link or a colour reaches the workbook differs. Nothing here imports
xlwings or openpyxl.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xlpy.cell import Cell, quote_sheet
from xlpy.model import ERROR, SEVERITY_ZH, WARNING, Finding

if TYPE_CHECKING:
    from xlpy.verdict import Verdict


RESULTS_SHEET = "校验结果"  # tool-owned sheet with the findings
BODY_SHEET = "报告正文"  # tool-owned sheet with the generated report text
EXPLAIN_SHEET = "说明"  # clerk-owned sheet with explanations of warnings

# Fills as #RRGGBB (what the xlwings clients take); Excel's own "Bad" and "Neutral" cell styles,
# so a clerk reads them as red = must fix, yellow = check or explain.
ERROR_FILL = "#FFC7CE"
WARNING_FILL = "#FFEB9C"
HEADER_FILL = "#D9E1F2"
MARK_FILL = {ERROR: ERROR_FILL, WARNING: WARNING_FILL}

HEADER = ["序号", "规则", "严重程度", "问题", "位置（点击跳转）", "说明"]
LINK_COLUMN = 4  # 0-based column of 位置
TITLE_ROW, STATUS_ROW, HEADER_ROW = 0, 1, 3  # 0-based rows; findings start below the header
FIRST_FINDING_ROW = HEADER_ROW + 1

# A string starting with one of these is a formula to Excel (and to openpyxl): text echoed from a
# clerk's workbook must never become one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


@dataclass(frozen=True, slots=True)
class Link:
    """An internal hyperlink in the results sheet: row/column (0-based) → target cell."""

    row: int
    column: int
    sheet: str
    cell: str  # "D7"
    text: str  # what the cell shows, "表三!D7"

    @property
    def address(self) -> str:
        """The link address Excel clients understand as 'a place in this workbook'."""
        return f"#{quote_sheet(self.sheet)}!{self.cell}"

    @property
    def location(self) -> str:
        """The same target without the '#', as openpyxl's Hyperlink.location and Office.js documentReference."""
        return f"{quote_sheet(self.sheet)}!{self.cell}"


@dataclass(slots=True)
class ResultsSheet:
    """Everything a writer needs: the cell values from A1, the links, and which input cells to colour."""

    rows: list[list[Any]]
    links: list[Link]
    marks: dict[tuple[str, str], str]  # (sheet, "D7") -> error | warning
    status: str  # the one-line summary (also the alert text)
    summary: dict[str, int] = field(default_factory=dict)
    final_ok: bool = False

    @property
    def width(self) -> int:
        return len(HEADER)

    def marked_cells(self, severity: str) -> list[tuple[str, str]]:
        return sorted(k for k, v in self.marks.items() if v == severity)


def split_cell(ref: str) -> tuple[str, str] | None:
    """ "表三!D7" or "'一、总体情况'!C9" → (sheet, "D7"); None for "-" or anything without a sheet (xlpy.cell.Cell)."""
    cell = Cell.parse(ref)
    return (cell.sheet, cell.coordinate) if cell is not None else None


def is_formula_like(text: Any) -> bool:
    return isinstance(text, str) and text.startswith(FORMULA_STARTS)


def excel_text(value: Any) -> Any:
    """A value safe to hand to Excel as a cell value: formula-looking text gets the ' text prefix.

    Excel (VBA `Range.Value`, Office.js `range.values`) treats a leading apostrophe as "this is
    text" and does not show it; without it `=1+1` or `-3件` typed by a clerk would be evaluated.
    """
    if is_formula_like(value):
        return "'" + value
    return value


def explanation_text(f: Finding) -> str:
    """The 说明 column: the clerk's explanation, or how to add one."""
    if f.severity == WARNING:
        if f.explained:
            return "已说明：" + (f.explanation or "")
        return (
            f"如情况属实，请在“{EXPLAIN_SHEET}”工作表新增一行：规则填 {f.rule}，"
            f"位置填 {f.location}，并写明原因；说明后不再影响正式报告。"
        )
    if f.severity == ERROR:
        return "须修改，不能以说明代替。"
    return ""


def build(
    verdict: Verdict, *, input_cells: Iterable[str] | Iterable[tuple[str, str]] | None = None, title: str | None = None
) -> ResultsSheet:
    """The results sheet for a verdict. `input_cells` ("表三!D7" or ("表三", "D7")) limits the marks to input cells."""
    report = verdict.report
    allowed: frozenset[tuple[str, str]] | set[tuple[str, str]] | None = None
    if isinstance(input_cells, frozenset):
        allowed = input_cells  # already (sheet, cell) pairs: callers cache these per layout
    elif input_cells is not None:
        allowed = set()
        for x in input_cells:
            cell = split_cell(x) if isinstance(x, str) else x
            if cell:
                allowed.add(cell)
    if title is None:
        title = "政府信息公开工作年度报告 校验结果"
        if report.org or report.year:
            title = f"{report.org or ''}{report.year or ''}年政府信息公开工作年度报告 校验结果"
    status = verdict.status_line
    rows: list[list[Any]] = [[title], [status], [], list(HEADER)]
    links: list[Link] = []
    marks: dict[tuple[str, str], str] = {}
    for n, f in enumerate(report.findings, 1):
        target = split_cell(f.cells[0]) if f.cells else None
        location = f"{target[0]}!{target[1]}" if target else ""
        rows.append([n, f.rule, SEVERITY_ZH.get(f.severity, f.severity), f.message, location, explanation_text(f)])
        if target:
            links.append(Link(len(rows) - 1, LINK_COLUMN, target[0], target[1], location))
        # Explained warnings and hints stay unmarked: nothing for the clerk to do there.
        if f.severity == ERROR or (f.severity == WARNING and not f.explained):
            for ref in f.cells:
                cell = split_cell(ref)
                if cell is None or (allowed is not None and cell not in allowed):
                    continue
                if marks.get(cell) != ERROR:
                    marks[cell] = f.severity
    if not report.findings:
        rows.append(["", "", "", verdict.message or "未发现问题。", "", ""])
    width = len(HEADER)
    rows = [r + [""] * (width - len(r)) for r in rows]
    return ResultsSheet(rows, links, marks, status, dict(report.summary), verdict.final_ok)

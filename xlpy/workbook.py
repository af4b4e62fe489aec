"""The clerk workbook: built with openpyxl from the layout (labels, inputs, validation, names, protection)."""

from __future__ import annotations

import datetime as dt
import math
from functools import cache
from typing import TYPE_CHECKING, Any

from xlpy import schema
from xlpy.errors import InputError
from xlpy.layout import DEFAULT_WIDTH, Input, Layout, SheetLayout, layout, text_width

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

DATE_FORMAT = 'yyyy"年"m"月"d"日"'
# Input messages (Excel shows them when the cell is selected); at most 255 characters each.
PROMPTS = {
    schema.COUNT: "填写不小于0的整数（件）。没有发生的请填 0，不要留空、不要写“无”或“/”。",
    schema.SIGNED: "填写整数；比上一年减少的填负数，没有变化填 0。",
    schema.MONEY: "填写金额数字（单位见表头或本表的单位栏），没有请填 0。",
    schema.INTEGER: "填写四位数字年份，如 2024。",
    schema.DATE: "填写成文日期，如 2025-01-20（显示为 2025年1月20日）。",
    schema.CHOICE: "从下拉列表中选择。",
    schema.TEXT: "填写文字。",
}


def build_workbook(year: int, *, org: str | None = None, data: dict[str, Any] | None = None) -> Workbook:
    """A workbook for the format version `year` requires, optionally filled from a JSON instance."""
    version = schema.version_for_year(year)
    if version is None:
        raise InputError(f"{year} 年没有对应的年报格式：支持 2019 年及以后的报告年度。", code="year")
    if data is not None and data.get("format_version") not in (None, version):
        raise InputError(
            f"数据的格式版本为 {data.get('format_version')}，但 {year} 年度报告应使用 {version} 年版格式。", code="F-0"
        )
    return _build(layout(version), year, org, data)


def build_template(version: str) -> Workbook:
    """The blank template of a format version, with no year filled in (the committed workbook/template-*.xlsx)."""
    return _build(layout(version), None, None, None)


def _build(lay: Layout, year: int | None, org: str | None, data: dict[str, Any] | None) -> Workbook:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    styles = _Styles(lay)
    for sheet in lay.sheets:
        ws = wb.create_sheet(sheet.name)
        for col, width in sheet.widths.items():
            ws.column_dimensions[_letter(col)].width = width
        for label in sheet.labels:
            styles.label(ws, label)
        for inp in sheet.inputs:
            styles.input(ws, inp)
        _fit_rows(ws, sheet)
        _print_setup(ws, sheet)
        _protect(ws)
        if sheet.kind == "row_table":
            first = min(i.row for i in sheet.inputs if i.path != "text.s3_lead")
            ws.freeze_panes = ws.cell(first, min(i.col for i in sheet.inputs if i.row == first))
    _validations(wb, lay)
    _names(wb, lay)
    _fill(wb, lay, year, org, data)
    wb.properties.title = "政府信息公开工作年度报告"
    wb.properties.subject = f"年报模板 {lay.template_version}（格式版本 {lay.version}）"
    wb.properties.creator = "xlpy"
    wb.active = 0
    return wb


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(col))


class _Styles:
    """Fonts, fills and borders, built once per workbook."""

    def __init__(self, lay: Layout) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

        thin = Side(style="thin", color="FF808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.fills = {
            k: PatternFill("solid", fgColor=lay.styles[k]) for k in ("input_fill", "fixed_fill", "label_fill")
        }
        self.fonts = {
            "title": Font(name="宋体", size=lay.styles["title_size"], bold=True),
            "hint": Font(name="宋体", size=10, color="FF595959"),
            "header": Font(name="宋体", size=10, bold=True),
            "caption": Font(name="宋体", size=11, bold=True),
            "label": Font(name="宋体", size=10),
            "input": Font(name="宋体", size=11),
        }
        self.align = {
            "title": Alignment(horizontal="center", vertical="center"),
            "hint": Alignment(horizontal="left", vertical="center", wrap_text=True),
            "header": Alignment(horizontal="center", vertical="center", wrap_text=True),
            "caption": Alignment(horizontal="left", vertical="center"),
            "label": Alignment(horizontal="left", vertical="center", wrap_text=True),
            "number": Alignment(horizontal="right", vertical="center"),
            "text": Alignment(horizontal="left", vertical="top", wrap_text=True),
        }
        self.unlocked = Protection(locked=False)

    def label(self, ws: Worksheet, label: Any) -> None:
        cell = ws.cell(label.row, label.col, label.text)
        cell.font = self.fonts[label.style]
        cell.alignment = self.align[label.style]
        end_row, end_col = label.end_row or label.row, label.end_col or label.col
        boxed = label.style in ("header", "label", "caption")
        if (end_row, end_col) != (label.row, label.col):
            ws.merge_cells(start_row=label.row, start_column=label.col, end_row=end_row, end_column=end_col)
        if boxed:
            for r in range(label.row, end_row + 1):
                for c in range(label.col, end_col + 1):
                    ws.cell(r, c).border = self.border
                    if label.style == "header":
                        ws.cell(r, c).fill = self.fills["label_fill"]
        if label.style == "title":
            ws.row_dimensions[label.row].height = 30
        elif label.style == "hint":
            ws.row_dimensions[label.row].height = 32

    def input(self, ws: Worksheet, inp: Input) -> None:
        cell = ws.cell(inp.row, inp.col)
        cell.border = self.border
        cell.font = self.fonts["input"]
        if inp.kind == "fixed":
            cell.fill = self.fills["fixed_fill"]
            cell.alignment = self.align["label"]
            if inp.fixed is not None:
                cell.value = inp.fixed
            return
        cell.fill = self.fills["input_fill"]
        cell.protection = self.unlocked
        numeric = inp.kind in (schema.COUNT, schema.SIGNED, schema.MONEY, schema.INTEGER)
        cell.alignment = self.align["number" if numeric else "text"]
        if inp.kind == schema.DATE:
            cell.number_format = DATE_FORMAT
        elif inp.kind == schema.TEXT:
            cell.number_format = "@"  # typed digits (phone numbers, 12345) stay text
        if inp.end_col and inp.end_col > inp.col:
            ws.merge_cells(start_row=inp.row, start_column=inp.col, end_row=inp.row, end_column=inp.end_col)
            for c in range(inp.col, inp.end_col + 1):
                ws.cell(inp.row, c).border = self.border
        if inp.end_col and inp.end_col > inp.col:
            # Merged cells never auto-fit: give the lead-sentence box room for about three lines.
            ws.row_dimensions[inp.row].height = 3 * LINE_HEIGHT + 3


LINE_HEIGHT = 14.5  # points per line of 10–11 pt 宋体


def auto_rows(sheet: SheetLayout) -> set[int]:
    """Rows holding a single (unmerged) text input: Excel, WPS and LibreOffice grow them as the clerk types.

    They must never get a custom height (customHeight=1 freezes a row at one line); their labels are
    laid out to fit on one line (tests/test_workbook.py checks it), so nothing in them needs a fixed height.
    """
    return {i.row for i in sheet.inputs if i.kind == schema.TEXT and not (i.end_col and i.end_col > i.col)}


def _fit_rows(ws: Worksheet, sheet: SheetLayout) -> None:
    """Give wrapped labels the lines they need: Excel and WPS do not grow rows holding merged cells."""
    widths = sheet.widths
    auto = auto_rows(sheet)
    for label in sheet.labels:
        if label.style not in ("label", "header") or (label.end_row or label.row) != label.row or label.row in auto:
            continue
        available = sum(widths.get(c, DEFAULT_WIDTH) for c in range(label.col, (label.end_col or label.col) + 1))
        lines = max(1, math.ceil(text_width(label.text) / max(available - 1, 1)))
        if lines == 1:
            continue  # the default height holds one line; a fixed height would stop the row from growing
        current = ws.row_dimensions[label.row].height or LINE_HEIGHT
        ws.row_dimensions[label.row].height = max(current, lines * LINE_HEIGHT + 3)


def lines_needed(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column `width` units wide (each paragraph starts a line)."""
    room = max(width - 1, 1)
    return sum(max(1, math.ceil(text_width(line) / room)) for line in text.split("\n"))


def fit_text_row(ws: Worksheet, row: int, lines: int) -> None:
    """Room for `lines` lines of wrapped text, kept automatic so Excel, WPS and LibreOffice still re-fit it."""
    _auto_height(ws, row, min(409, lines * LINE_HEIGHT + 3))


def _auto_height(ws: Worksheet, row: int, height: float) -> None:
    """An estimated height that stays automatic (no customHeight), so the row still grows and shrinks."""
    ws.row_dimensions[row] = _auto_row_class()(ws, index=row, ht=height)


@cache
def _auto_row_class() -> type:
    from openpyxl.worksheet.dimensions import RowDimension

    class AutoRow(RowDimension):  # type: ignore[misc]
        # openpyxl marks every row with a height as custom, and Excel then never re-fits it.
        @property
        def customHeight(self) -> bool:
            return False

    return AutoRow


def _print_setup(ws: Worksheet, sheet: SheetLayout) -> None:
    """A4, one page wide, so a printed sheet looks like the official table.

    A table (表三, 表四) prints in landscape on one page like the official one; its header rows are
    also print titles, so a printer that splits it anyway repeats them.
    """
    table = sheet.header_rows is not None
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if table else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if table else 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    if sheet.header_rows is not None:
        first, last = sheet.header_rows
        ws.print_title_rows = f"{first}:{last}"


def _protect(ws: Worksheet) -> None:
    # No password (documented in the README): protection guards labels against slips, not people.
    # Formatting stays allowed so the Excel buttons can highlight cells on a protected sheet.
    p = ws.protection
    p.sheet = True
    p.formatCells = False
    p.formatColumns = False
    p.formatRows = False


def _validations(wb: Workbook, lay: Layout) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    fields = schema.fields(lay.version)
    for inp in lay.inputs.values():
        if inp.kind == "fixed":
            continue
        f = fields.get(inp.path)
        kwargs: dict[str, Any] = {}
        if inp.kind == schema.COUNT:
            kwargs = {"type": "whole", "operator": "greaterThanOrEqual", "formula1": "0"}
        elif inp.kind == schema.SIGNED:
            kwargs = {"type": "whole", "operator": "between", "formula1": "-999999999", "formula2": "999999999"}
        elif inp.kind == schema.MONEY:
            kwargs = {"type": "decimal", "operator": "greaterThanOrEqual", "formula1": "0"}
        elif inp.kind == schema.INTEGER and f is not None:
            kwargs = {
                "type": "whole",
                "operator": "between",
                "formula1": str(f.schema.get("minimum", 0)),
                "formula2": str(f.schema.get("maximum", 9999)),
            }
        elif inp.kind == schema.DATE:
            kwargs = {"type": "date", "operator": "greaterThan", "formula1": "43466"}  # after 2019-01-01
        elif inp.kind == schema.CHOICE and f is not None:
            kwargs = {"type": "list", "formula1": '"' + ",".join(f.schema["enum"]) + '"'}
        dv = DataValidation(
            allow_blank=True,
            showInputMessage=True,
            showErrorMessage=bool(kwargs),
            promptTitle=inp.label[:32],
            prompt=(inp.label + "\n" + PROMPTS[inp.kind])[:255],
            errorTitle="输入有误",
            error=PROMPTS[inp.kind][:255],
            **kwargs,
        )
        dv.add(inp.a1)
        wb[inp.sheet].add_data_validation(dv)


def _names(wb: Workbook, lay: Layout) -> None:
    from openpyxl.workbook.defined_name import DefinedName

    for path, inp in lay.inputs.items():
        ref = f"'{inp.sheet}'!${_letter(inp.col)}${inp.row}"
        wb.defined_names[lay.name_prefix + path] = DefinedName(lay.name_prefix + path, attr_text=ref)


def _fill(wb: Workbook, lay: Layout, year: int | None, org: str | None, data: dict[str, Any] | None) -> None:
    values = dict(flatten(data, lay)) if data else {}
    values["template_version"] = lay.template_version
    values["format_version"] = lay.version
    if not data and year is not None:
        values["meta.year"] = year
    if org:
        values["meta.org_name"] = org
    widths = {sheet.name: sheet.widths for sheet in lay.sheets}
    for path, value in values.items():
        if path in lay.implied:
            if value != lay.implied[path]:
                raise InputError(
                    f"数据中的 {path} 应为“{lay.implied[path]}”（格式规定），而不是“{value}”。", code="data"
                )
            continue  # the template's header states it; there is no cell
        inp = lay.inputs.get(path)
        if inp is None:
            raise InputError(f"数据中的字段 {path} 在 {lay.version} 年版模板中没有对应的单元格。", code="data")
        ws = wb[inp.sheet]
        _write(ws.cell(inp.row, inp.col), inp, value)
        if isinstance(value, str) and value and inp.kind == schema.TEXT and not inp.end_col:
            # openpyxl cannot ask Excel to auto-fit: estimate the height so the file opens readable,
            # leaving the row automatic so it re-fits when the clerk edits it.
            lines = lines_needed(value, widths[inp.sheet].get(inp.col, DEFAULT_WIDTH))
            current = ws.row_dimensions[inp.row].height or LINE_HEIGHT
            _auto_height(ws, inp.row, min(409, max(current, lines * LINE_HEIGHT + 3)))


def flatten(data: dict[str, Any], lay: Layout) -> list[tuple[str, Any]]:
    """A JSON instance as (field path, value) pairs, repeated groups spread over their slots."""
    out: list[tuple[str, Any]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k)
        elif isinstance(node, list):
            slots = lay.slots.get(path, 0)
            if len(node) > slots:
                raise InputError(f"{path} 有 {len(node)} 项，模板只有 {slots} 行可填。", code="data")
            for i, item in enumerate(node):
                walk(item, f"{path}.{i}")
        else:
            out.append((path, node))

    walk(data, "")
    return out


def _write(cell: Any, inp: Input, value: Any) -> None:
    if value is None or value == "" and inp.kind != schema.TEXT:
        return
    if inp.kind == schema.DATE and isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            pass  # keep the text: the reader reports it as an invalid date
    cell.value = value
    if isinstance(value, str):
        # openpyxl stores any string starting with "=" as a formula; clerk text is always text.
        cell.data_type = "s"


def save(wb: Workbook, path: Any) -> None:
    """Save a workbook (a thin wrapper so callers need not import openpyxl)."""
    wb.save(path)

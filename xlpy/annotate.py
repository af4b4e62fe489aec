"""Annotated copies for WPS and supervisors: the clerk's workbook plus the 校验结果 sheet and cell marks (openpyxl).

The copy carries exactly what the Excel 校验 button writes (xlpy.findings_sheet builds both);
everything else in the workbook — values, formulas, styles, names, validations, protection, the
VBA project of an .xlsm — is left as it was. Annotating an annotated copy replaces the old sheet
and marks, so the result does not depend on how often it ran.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlpy import findings_sheet as fs
from xlpy.errors import InputError, XlpyError

if TYPE_CHECKING:
    from openpyxl import Workbook

    from xlpy.model import Report

COLUMN_WIDTHS = (6, 10, 10, 70, 18, 60)  # 序号 规则 严重程度 问题 位置 说明
LINK_FONT_COLOR = "FF0563C1"  # Excel's Hyperlink cell style


def is_macro_workbook(data: bytes, name: str | None = None) -> bool:
    """An .xlsm: by its VBA part (authoritative) or, failing that, its file name."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if "xl/vbaProject.bin" in zf.namelist():
                return True
    except zipfile.BadZipFile:
        pass
    return bool(name and name.lower().endswith(".xlsm"))


def annotate_bytes(data: bytes, report: Report, *, name: str | None = None) -> bytes:
    """The annotated copy of a workbook given as bytes (the input bytes are not touched)."""
    from openpyxl import load_workbook

    keep_vba = is_macro_workbook(data, name)
    try:
        wb = load_workbook(io.BytesIO(data), keep_vba=keep_vba, rich_text=True)
    except Exception as exc:  # openpyxl raises many types for a broken part
        raise InputError(
            f"{name or '工作簿'}：无法写入校验结果（{type(exc).__name__}: {exc}）。", code="corrupt"
        ) from exc
    annotate_workbook(wb, report)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def annotate_workbook(wb: Workbook, report: Report) -> fs.ResultsSheet:
    """Replace the 校验结果 sheet and the marks in an openpyxl workbook, in place."""
    lay = _layout(report)
    inputs = [i for i in lay.inputs.values() if i.kind != "fixed"] if lay is not None else []
    results = fs.build(report, input_cells=[i.ref for i in inputs] if lay is not None else None)
    clear_marks(wb, lay)
    _write_sheet(wb, results)
    _mark(wb, results)
    return results


def _layout(report: Report) -> Any:
    if not report.format_version:
        return None
    from xlpy.layout import layout

    try:
        return layout(report.format_version)
    except XlpyError:  # an unknown version: no layout, so no marks (the results sheet still says why)
        return None


def _argb(hex_rgb: str) -> str:
    return "FF" + hex_rgb.lstrip("#").upper()


def _fill_rgb(cell: Any) -> str | None:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid":
        return None
    rgb = getattr(fill.fgColor, "rgb", None)
    return rgb.upper() if isinstance(rgb, str) else None


def clear_marks(wb: Workbook, lay: Any) -> int:
    """Put the template's input fill back wherever an earlier run left a mark colour; returns how many."""
    from openpyxl.styles import PatternFill

    if lay is None:
        return 0
    marks = {_argb(fs.ERROR_FILL), _argb(fs.WARNING_FILL)}
    restore = PatternFill("solid", fgColor=lay.input_fill)
    n = 0
    for inp in lay.inputs.values():
        if inp.kind == "fixed" or inp.sheet not in wb.sheetnames:
            continue
        ws = wb[inp.sheet]
        for col in range(inp.col, max(inp.col, inp.end_col or 0) + 1):
            cell = ws.cell(inp.row, col)
            if _fill_rgb(cell) in marks:
                cell.fill = restore
                n += 1
    return n


def _mark(wb: Workbook, results: fs.ResultsSheet) -> None:
    from openpyxl.styles import PatternFill

    fills = {sev: PatternFill("solid", fgColor=_argb(color)) for sev, color in fs.MARK_FILL.items()}
    for (sheet, cell), severity in results.marks.items():
        if sheet in wb.sheetnames:
            wb[sheet][cell].fill = fills[severity]


def _write_sheet(wb: Workbook, results: fs.ResultsSheet) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    from xlpy.cellvalue import xml_text

    if fs.RESULTS_SHEET in wb.sheetnames:
        del wb[fs.RESULTS_SHEET]
    ws = wb.create_sheet(fs.RESULTS_SHEET)
    for r, row in enumerate(results.rows, start=1):
        for c, value in enumerate(row, start=1):
            if value == "":
                continue
            cell = ws.cell(r, c)
            if isinstance(value, str):
                value = xml_text(value)  # openpyxl refuses a control character (JSON or _x0001_ text)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would store "=…" as a formula: clerk text stays text
            if r > fs.HEADER_ROW + 1:
                cell.alignment = Alignment(vertical="top", wrap_text=c in (4, 6))
    ws.cell(fs.TITLE_ROW + 1, 1).font = Font(bold=True, size=14)
    ws.cell(fs.STATUS_ROW + 1, 1).font = Font(bold=True, color="FFC00000" if not results.final_ok else "FF006100")
    header_fill = PatternFill("solid", fgColor=_argb(fs.HEADER_FILL))
    for c in range(1, results.width + 1):
        cell = ws.cell(fs.HEADER_ROW + 1, c)
        cell.fill = header_fill
        cell.font = Font(bold=True)
    for link in results.links:
        cell = ws.cell(link.row + 1, link.column + 1)
        cell.hyperlink = Hyperlink(
            ref=cell.coordinate, location=link.location, display=link.text, tooltip=f"跳转到 {link.text}"
        )
        cell.font = Font(color=LINK_FONT_COLOR, underline="single")
    for i, width in enumerate(COLUMN_WIDTHS):
        ws.column_dimensions[chr(65 + i)].width = width
    ws.freeze_panes = ws.cell(fs.HEADER_ROW + 2, 1)
    _fit_and_print(ws, results)
    # Open on the results: exactly one selected tab, or Excel groups the sheets.
    for other in wb.worksheets:
        other.sheet_view.tabSelected = other is ws
    wb.active = wb.worksheets.index(ws)


def _fit_and_print(ws: Any, results: fs.ResultsSheet) -> None:
    """Rows tall enough for their wrapped 问题 and 说明 (LibreOffice and WPS do not re-fit on opening);
    printed on A4 landscape, one page wide, the header row repeated on every page."""
    from xlpy.workbook import fit_text_row, lines_needed

    wrapped = [c for c in range(len(COLUMN_WIDTHS)) if c in (3, 5)]
    for r, row in enumerate(results.rows[fs.HEADER_ROW + 1 :], start=fs.HEADER_ROW + 2):
        lines = max(lines_needed(str(row[c]), COLUMN_WIDTHS[c]) for c in wrapped)
        if lines > 1:
            fit_text_row(ws, r, lines)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{fs.HEADER_ROW + 1}:{fs.HEADER_ROW + 1}"


def annotate_path(
    source: str | Path, output: str | Path, *, last_year: str | Path | None = None, config: Any = None
) -> Report:
    """Read, validate and write the annotated copy of `source` to `output` (never onto `source`)."""
    from xlpy.validate import validate_path

    src, out = Path(source), Path(output)
    if same_file(src, out):
        raise InputError(
            f"输出文件不能与输入文件相同（{out}）：xlpy 从不改写原工作簿，请用 -o 指定另一个文件名。", code="same_file"
        )
    data_bytes = _read(src)
    _check_suffix(out, is_macro_workbook(data_bytes, src.name))
    _, report = validate_path(src, last_year=last_year, config=config)
    if report.unusable:
        return report
    annotated = annotate_bytes(data_bytes, report, name=src.name)
    tmp = out.with_name(out.name + ".part")
    try:
        tmp.write_bytes(annotated)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"无法写入 {out}：{exc.strerror or exc}", code="write") from exc
    return report


def _check_suffix(out: Path, macro: bool) -> None:
    # Excel refuses a macro workbook saved as .xlsx (and the reverse) as "format or extension not valid".
    suffix = out.suffix.lower()
    if macro and suffix != ".xlsm":
        raise InputError(f"原工作簿含宏（.xlsm），输出文件也须为 .xlsm：{out.name}", code="suffix")
    if not macro and suffix != ".xlsx":
        raise InputError(f"输出文件须为 .xlsx：{out.name}", code="suffix")


def same_file(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        try:
            return a.samefile(b)
        except OSError:
            pass
    return a.resolve() == b.resolve()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"找不到文件：{path}", code="missing") from exc
    except OSError as exc:
        raise InputError(f"无法读取 {path}：{exc.strerror or exc}", code="missing") from exc

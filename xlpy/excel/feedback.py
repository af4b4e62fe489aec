"""Writes a ResultsSheet (and report text) into an xlwings Book with the portable actions only.

Portable means: setValues, setRangeColor, addHyperlink, addSheet, sheetClear, activateSheet,
rangeSelect, setAutofit, alert — what every client replays (see xlpy.excel.actions). Colours cannot
be read back on the remote engine, so clearing old marks means painting every input cell with the
template's input fill again (from the layout), never "undoing" a remembered colour.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from xlpy.findings_sheet import (
    BODY_SHEET,
    ERROR_FILL,
    HEADER_FILL,
    HEADER_ROW,
    RESULTS_SHEET,
    WARNING_FILL,
    ResultsSheet,
    excel_text,
)

Rect = tuple[int, int, int, int]  # 1-based (first row, first col, last row, last col)


def hex_fill(argb: str | None, default: str = "#FFFFFF") -> str:
    """ "FFFFF2CC" (openpyxl ARGB) → "#FFF2CC" (what the clients take)."""
    if not argb:
        return default
    argb = argb.lstrip("#")
    return "#" + (argb[-6:] if len(argb) >= 6 else argb).upper()


def input_rects(lay: Any) -> dict[str, list[Rect]]:
    """The clerk-editable cells of a layout as few rectangles per sheet (one colour action each)."""
    return _input_rects(lay.version)


@cache
def _input_rects(version: str) -> dict[str, list[Rect]]:
    from xlpy.layout import layout

    lay = layout(version)
    cells: dict[str, set[tuple[int, int]]] = {}
    for inp in lay.inputs.values():
        if inp.kind == "fixed":
            continue
        sheet = cells.setdefault(inp.sheet, set())
        for col in range(inp.col, max(inp.col, inp.end_col or 0) + 1):
            sheet.add((inp.row, col))
    return {name: rects(points) for name, points in cells.items()}


def rects(points: Iterable[tuple[int, int]]) -> list[Rect]:
    """Cover (row, col) points exactly with rectangles: runs per row, stacked when rows repeat a run."""
    by_row: dict[int, list[int]] = {}
    for r, c in points:
        by_row.setdefault(r, []).append(c)
    runs: list[tuple[int, int, int]] = []  # (row, first col, last col)
    for r in sorted(by_row):
        cols = sorted(set(by_row[r]))
        start = prev = cols[0]
        for c in cols[1:]:
            if c != prev + 1:
                runs.append((r, start, prev))
                start = c
            prev = c
        runs.append((r, start, prev))
    out: list[list[int]] = []
    open_by_span: dict[tuple[int, int], list[int]] = {}
    for r, c1, c2 in runs:
        rect = open_by_span.get((c1, c2))
        if rect is not None and rect[2] == r - 1:
            rect[2] = r
        else:
            rect = [r, c1, r, c2]
            out.append(rect)
            open_by_span[(c1, c2)] = rect
    return [tuple(x) for x in out]  # type: ignore[misc]


def sheet_names(book: Any) -> list[str]:
    return [s.name for s in book.sheets]


def fresh_sheet(book: Any, name: str) -> Any:
    """The tool-owned sheet `name`, emptied (values, formats, links) — or added after the last sheet."""
    if name in sheet_names(book):
        sheet = book.sheets[name]
        sheet.clear()
        return sheet
    return book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])


def restore_input_fill(book: Any, lay: Any) -> None:
    """Paint every input cell with the template's input fill: removes the marks of an earlier run."""
    fill = hex_fill(getattr(lay, "input_fill", None))
    sheets = {s.name: s for s in book.sheets}
    for sheet_name, boxes in input_rects(lay).items():
        sheet = sheets.get(sheet_name)
        if sheet is None:
            continue
        for r1, c1, r2, c2 in boxes:
            sheet.range((r1, c1), (r2, c2)).color = fill


def mark_cells(book: Any, results: ResultsSheet) -> int:
    """Colour the offending input cells (errors red, unexplained warnings yellow); returns how many."""
    sheets = {s.name: s for s in book.sheets}
    n = 0
    for (sheet_name, cell), severity in sorted(results.marks.items()):
        if sheet_name not in sheets:
            continue
        sheets[sheet_name].range(cell).color = ERROR_FILL if severity == "error" else WARNING_FILL
        n += 1
    return n


def write_rows(sheet: Any, rows: list[list[Any]]) -> None:
    """All rows in one setValues from A1 (rectangular, text neutralised)."""
    if not rows:
        return
    width = max(len(r) for r in rows) or 1
    values = [[excel_text(v) for v in r] + [""] * (width - len(r)) for r in rows]
    sheet.range((1, 1), (len(values), width)).value = values


def write_results(book: Any, results: ResultsSheet, lay: Any | None) -> Any:
    """Replace the 校验结果 sheet and the marks; returns the results sheet (not yet activated)."""
    if lay is not None:
        restore_input_fill(book, lay)
    sheet = fresh_sheet(book, RESULTS_SHEET)
    write_rows(sheet, results.rows)
    for link in results.links:
        sheet.range((link.row + 1, link.column + 1)).add_hyperlink(
            link.address, excel_text(link.text), f"跳转到 {link.text}"
        )
    sheet.range((HEADER_ROW + 1, 1), (HEADER_ROW + 1, results.width)).color = HEADER_FILL
    # Autofit from the header down: the title and status lines overflow into empty cells instead.
    sheet.range((HEADER_ROW + 1, 1), (len(results.rows), results.width)).columns.autofit()
    mark_cells(book, results)
    return sheet


def show(book: Any, sheet: Any, message: str, title: str) -> None:
    """Bring `sheet` to the front with A1 selected and show a short alert."""
    sheet.activate()
    sheet.range("A1").select()
    alert(book, message, title)


def alert(book: Any, message: str, title: str) -> None:
    """A message box with an OK button, on this book.

    On the remote engine `book.app.alert` queues the action on the app's *active* book — the most
    recently opened one, which on a busy server is another clerk's request. Queue it on our own book.
    """
    impl: Any = getattr(book, "impl", None)
    if isinstance(getattr(book, "api", None), dict) and hasattr(impl, "append_json_action"):
        impl.append_json_action(func="alert", args=[message, title, "ok", "", ""])
    else:
        book.app.alert(message, title=title)


def write_body(book: Any, rows: list[list[Any]]) -> Any:
    """Replace the 报告正文 sheet with the report text (one paragraph per row, tables as cells)."""
    sheet = fresh_sheet(book, BODY_SHEET)
    write_rows(sheet, rows)
    return sheet

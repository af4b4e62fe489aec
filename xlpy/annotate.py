"""Annotated copies for WPS and supervisors: the clerk's workbook plus the 校验结果 sheet and cell marks.

The copy carries exactly what the Excel 校验 button writes (xlpy.findings_sheet builds both). It is
made by editing the OOXML package (xlpy.package), not by loading and saving the workbook with a
library: every part is copied byte for byte except the few the marks need — the 校验结果 sheet part,
workbook.xml (sheet list, active tab), its relationships, [Content_Types].xml, styles.xml (fills
and formats appended, none changed), and the marked sheets' cell start tags. Pictures, charts,
comments, customXml, external links, pivot caches, slicers and the VBA project of an .xlsm stay
exactly as they were. Annotating an annotated copy replaces the old sheet and marks, so the result
does not depend on how often it ran. A digital signature cannot survive any change: the copy says so.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlpy import findings_sheet as fs
from xlpy import sheet_xml
from xlpy.errors import InputError, XlpyError
from xlpy.package import (
    STYLES_REL,
    WORKBOOK,
    WORKSHEET_REL,
    WORKSHEET_TYPE,
    Package,
    SheetEntry,
    attrs,
)
from xlpy.sheet_xml import CellEdit, LinkCell
from xlpy.stylesheet import MINIMAL, Stylesheet
from xlpy.zip_limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from xlpy.config import Config
    from xlpy.verdict import Verdict

COLUMN_WIDTHS = (6, 10, 10, 70, 18, 60)  # 序号 规则 严重程度 问题 位置 说明
LINK_FONT_COLOR = "FF0563C1"  # Excel's Hyperlink cell style
STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
SIGNATURE_NOTE = (
    "注意：原工作簿带有数字签名。本副本已加入校验结果，签名已不再有效（Excel 会提示签名无效）；"
    "如需签名，请在修改完成后重新签名。"
)
NOTE_ROW = fs.STATUS_ROW + 1  # the empty row between the status line and the header


def is_macro_workbook(data: bytes, name: str | None = None) -> bool:
    """An .xlsm: by its VBA part (authoritative) or, failing that, its file name."""
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if "xl/vbaProject.bin" in zf.namelist():
                return True
    except zipfile.BadZipFile:
        pass
    return bool(name and name.lower().endswith(".xlsm"))


def annotate_bytes(data: bytes, verdict: Verdict, *, name: str | None = None, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The annotated copy of a workbook given as bytes (the input bytes are not touched), within `limits`."""
    pkg = Package(data, name or "工作簿", limits)
    lay = _layout(verdict.report.format_version)
    inputs = [i for i in lay.inputs.values() if i.kind != "fixed"] if lay is not None else []
    results = fs.build(verdict, input_cells=[i.ref for i in inputs] if lay is not None else None)
    write_results(pkg, results, lay)
    return pkg.to_bytes()


def _layout(version: str | None) -> Any:
    if not version:
        return None
    from xlpy.layout import layout

    try:
        return layout(version)
    except XlpyError:  # an unknown version: no layout, so no marks (the results sheet still says why)
        return None


def _argb(hex_rgb: str) -> str:
    return "FF" + hex_rgb.lstrip("#").upper()


def write_results(pkg: Package, results: fs.ResultsSheet, lay: Any) -> None:
    """Write the results sheet and the marks into a package (replacing those of an earlier run)."""
    styles_part = _styles_part(pkg)
    styles = Stylesheet(pkg.text(styles_part))
    sheets = pkg.sheets()
    _mark(pkg, styles, sheets, results, lay)
    _write_sheet(pkg, styles, sheets, results)
    pkg.write(styles_part, styles.to_xml())


def _styles_part(pkg: Package) -> str:
    for rel in pkg.relationships(WORKBOOK):
        part = rel.get("part")
        if rel.get("Type") == STYLES_REL and part and part in pkg:
            return part
    # Excel always writes styles.xml; a workbook without one gets Excel's defaults.
    part = "xl/styles.xml" if "xl/styles.xml" not in pkg else pkg.new_part_name("xl/styles{}.xml")
    pkg.write(part, MINIMAL)
    pkg.add_relationship(WORKBOOK, STYLES_REL, part.removeprefix("xl/"))
    pkg.add_override(part, STYLES_TYPE)
    return part


def _mark(pkg: Package, styles: Stylesheet, sheets: list[SheetEntry], results: fs.ResultsSheet, lay: Any) -> None:
    """Colour the cells of the findings; put the template's input fill back where an earlier run left a mark."""
    edits: dict[str, dict[str, CellEdit]] = {}
    if lay is not None:
        marks = {_argb(fs.ERROR_FILL), _argb(fs.WARNING_FILL)}
        restore = lay.input_fill.upper()

        def clear(xf: int) -> int:
            return styles.with_fill(xf, restore) if styles.fill_rgb(xf) in marks else xf

        for inp in lay.inputs.values():
            if inp.kind == "fixed":
                continue
            for col in range(inp.col, max(inp.col, inp.end_col or 0) + 1):
                a1 = f"{sheet_xml.col_letters(col)}{inp.row}"
                edits.setdefault(inp.sheet, {})[a1] = CellEdit(style=clear, insert=False)
    for (sheet, cell), severity in results.marks.items():
        edits.setdefault(sheet, {})[cell] = CellEdit(style=_painter(styles, _argb(fs.MARK_FILL[severity])))
    parts = {e.name: e.part for e in sheets}
    for sheet, cells in edits.items():
        part = parts.get(sheet)
        if not part or part not in pkg or sheet == fs.RESULTS_SHEET:
            continue
        xml = pkg.text(part)
        new, _ = sheet_xml.edit_cells(xml, cells)
        if new != xml:
            pkg.write(part, new)


def _painter(styles: Stylesheet, argb: str) -> Callable[[int], int]:
    return lambda xf: styles.with_fill(xf, argb)


def _write_sheet(pkg: Package, styles: Stylesheet, sheets: list[SheetEntry], results: fs.ResultsSheet) -> None:
    rows = [list(r) for r in results.rows]
    if pkg.signed():
        rows[NOTE_ROW][0] = SIGNATURE_NOTE
    links = {(k.row + 1, k.column + 1): k for k in results.links}
    top = styles.alignment()
    wrap = styles.alignment(wrap=True)
    xf_title = styles.cell_format(font=styles.font(bold=True, size=14))
    status_color = "FFC00000" if not results.final_ok else "FF006100"
    xf_status = styles.cell_format(font=styles.font(bold=True, color=status_color))
    xf_note = styles.cell_format(font=styles.font(bold=True, color="FFC00000"))
    xf_header = styles.cell_format(font=styles.font(bold=True), fill=styles.solid_fill(_argb(fs.HEADER_FILL)))
    xf_top, xf_wrap = styles.cell_format(alignment=top), styles.cell_format(alignment=wrap)
    xf_link = styles.cell_format(font=styles.font(color=LINK_FONT_COLOR, underline=True), alignment=top)

    def style(r: int, c: int, value: Any) -> int:
        if (r, c) in links:
            return xf_link
        if r == fs.TITLE_ROW + 1 and c == 1:
            return xf_title
        if r == fs.STATUS_ROW + 1 and c == 1:
            return xf_status
        if r == NOTE_ROW + 1:
            return xf_note
        if r == fs.HEADER_ROW + 1:
            return xf_header
        if r > fs.HEADER_ROW + 1:
            return xf_wrap if c in (4, 6) else xf_top
        return 0

    cells = [
        LinkCell(f"{sheet_xml.col_letters(c)}{r}", k.location, k.text, f"跳转到 {k.text}")
        for (r, c), k in links.items()
    ]
    xml = sheet_xml.worksheet(
        rows,
        style,
        widths=COLUMN_WIDTHS,
        links=cells,
        freeze_rows=fs.HEADER_ROW + 1,
        heights=_heights(results),
        landscape_fit_width=True,
    )
    old = next((e for e in sheets if e.name == fs.RESULTS_SHEET), None)
    book = pkg.text(WORKBOOK)
    if old is not None and old.part and old.part in pkg:
        part = old.part
        pkg.remove(pkg.rels_part(part))  # whatever an earlier writer hung on the old sheet
        index = sheets.index(old)
    else:
        if old is not None:  # a sheet entry whose part is gone: replaced by a working one
            book = book.replace(old.tag, "", 1)
            sheets = [e for e in sheets if e is not old]
        part = pkg.new_part_name("xl/worksheets/sheet{}.xml")
        rid = pkg.add_relationship(WORKBOOK, WORKSHEET_REL, part.removeprefix("xl/"))
        pkg.add_override(part, WORKSHEET_TYPE)
        book = _append_sheet(book, fs.RESULTS_SHEET, rid, sheets)
        index = len(sheets)
    pkg.write(part, xml)
    pkg.write(WORKBOOK, _print_titles(_activate(book, index), index))
    # Open on the results: exactly one selected tab, or Excel groups the sheets.
    for entry in sheets:
        if (
            entry.name != fs.RESULTS_SHEET
            and entry.part
            and entry.part in pkg
            and "tabSelected" in pkg.head(entry.part)
        ):
            text = pkg.text(entry.part)
            new = sheet_xml.unselect(text)
            if new != text:
                pkg.write(entry.part, new)


def _heights(results: fs.ResultsSheet) -> dict[int, float]:
    """Rows tall enough for their wrapped 问题 and 说明 (LibreOffice and WPS do not re-fit on opening)."""
    from xlpy.workbook import LINE_HEIGHT, lines_needed

    out = {}
    for r, row in enumerate(results.rows[fs.HEADER_ROW + 1 :], start=fs.HEADER_ROW + 2):
        lines = max(lines_needed(str(row[c]), COLUMN_WIDTHS[c]) for c in (3, 5))
        if lines > 1:
            out[r] = min(409, lines * LINE_HEIGHT + 3)
    return out


def _print_titles(book: str, index: int) -> str:
    """workbook.xml with the results sheet's header row repeated on every printed page."""
    name = f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
    value = f"{fs.quote_sheet(fs.RESULTS_SHEET)}!${fs.HEADER_ROW + 1}:${fs.HEADER_ROW + 1}"
    old = re.search(
        rf"""<(?:[\w.\-]+:)?definedName\b(?=[^>]*name="_xlnm\.Print_Titles")(?=[^>]*localSheetId="{index}")[^>]*>"""
        r"[^<]*</(?:[\w.\-]+:)?definedName>",
        book,
    )
    if old is not None:
        return book[: old.start()] + name + value + "</definedName>" + book[old.end() :]
    m = re.search(r"</([\w.\-]+:)?definedNames>", book)
    if m is not None:
        p = m.group(1) or ""
        tag = f"<{p}{name[1:]}{value}</{p}definedName>"
        return book[: m.start()] + tag + book[m.start() :]
    m = re.search(r"</([\w.\-]+:)?sheets>", book)
    if m is None:
        return book
    p = m.group(1) or ""
    block = f"<{p}definedNames><{p}{name[1:]}{value}</{p}definedName></{p}definedNames>"
    return book[: m.end()] + block + book[m.end() :]


def _append_sheet(book: str, name: str, rid: str, sheets: list[SheetEntry]) -> str:
    m = re.search(r"</([\w.\-]+:)?sheets>", book)
    if m is None:
        raise InputError("工作簿结构损坏（workbook.xml 中没有工作表列表），无法写入校验结果。", code="corrupt")
    p = m.group(1) or ""
    ids = [int(v) for e in sheets if (v := attrs(e.tag).get("sheetId", "")).isdigit()]
    tag = f'<{p}sheet xmlns:r="{sheet_xml.REL_NS}" name="{name}" sheetId="{max(ids, default=0) + 1}" r:id="{rid}"/>'
    return book[: m.start()] + tag + book[m.start() :]


def _activate(book: str, index: int) -> str:
    """workbook.xml with the sheet at `index` as the active tab (and visible among the first)."""
    m = re.search(r"<([\w.\-]+:)?workbookView\b[^>]*?(/?)>", book)
    if m is None:
        s = re.search(r"<([\w.\-]+:)?sheets\b", book)
        if s is None:
            return book
        p = s.group(1) or ""
        return (
            f'{book[: s.start()]}<{p}bookViews><{p}workbookView activeTab="{index}"/></{p}bookViews>{book[s.start() :]}'
        )
    tag = m.group(0)
    new = re.sub(r"""\s(?:activeTab|firstSheet)\s*=\s*(?:"[^"]*"|'[^']*')""", "", tag)
    cut = len(new) - (2 if new.endswith("/>") else 1)
    new = f'{new[:cut]} firstSheet="0" activeTab="{index}"{new[cut:]}'
    return book[: m.start()] + new + book[m.end() :]


def annotate_path(
    source: str | Path, output: str | Path, *, last_year: str | Path | None = None, config: Config | None = None
) -> Verdict:
    """Check and write the annotated copy of `source` to `output` (never onto `source`); an unusable
    input (this year's or last year's) writes nothing and its verdict says why."""
    from xlpy.config import Config
    from xlpy.verdict import check

    src, out = Path(source), Path(output)
    if same_file(src, out):
        raise InputError(
            f"输出文件不能与输入文件相同（{out}）：xlpy 从不改写原工作簿，请用 -o 指定另一个文件名。", code="same_file"
        )
    data_bytes = _read(src)
    check_suffix(out, is_macro_workbook(data_bytes, src.name))
    verdict = check(src, last_year=last_year, config=config if config is not None else Config())  # None: defaults
    if verdict.report.unusable:
        return verdict
    annotated = annotate_bytes(data_bytes, verdict, name=src.name)
    tmp = out.with_name(out.name + ".part")
    try:
        tmp.write_bytes(annotated)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"无法写入 {out}：{exc.strerror or exc}", code="write") from exc
    return verdict


def check_suffix(out: Path, macro: bool) -> None:
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

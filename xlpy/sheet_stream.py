"""A one-sheet .xlsx written as a stream of rows, straight to the zip: linear for summaries of any length.

openpyxl's normal mode re-scans the sheet per appended row and its write-only mode still costs ~1 ms a
row; a supervisor's summary of 10,000 agencies is written here in one pass, one XML string per row.
The sheet has what a printed list needs: a bold header repeated on every page, frozen below the
header, filters, column widths, A4 landscape one page wide, and a fill per cell chosen by its value.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def column_letter(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def write_sheet(
    path: Path,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    widths: Sequence[float],
    fills: dict[str, str] | None = None,
    fill_column: int | None = None,
    progress: Callable[[int], None] | None = None,
    every: int = 100,
) -> int:
    """Write the sheet; `fills` maps a value of column `fill_column` (0-based) to an RRGGBB fill. Returns rows."""
    fills = fills or {}
    fill_style = {value: 2 + i for i, value in enumerate(fills)}  # style 0 plain, 1 bold header
    letters = [column_letter(c) for c in range(1, len(header) + 1)]
    last = letters[-1]
    count = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr("[Content_Types].xml", _content_types())
        zf.writestr("_rels/.rels", _root_rels())
        zf.writestr("xl/_rels/workbook.xml.rels", _workbook_rels())
        zf.writestr("xl/styles.xml", _styles(list(fills.values())))
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as raw:
            write = raw.write
            cols = "".join(
                f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, start=1)
            )
            write(
                (
                    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
                    '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
                    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft"'
                    ' state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                    f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
                    + _row(1, letters, header, lambda _c, _v: 1)
                ).encode("utf-8")
            )

            def style(c: int, value: Any) -> int:
                return fill_style.get(value, 0) if c == fill_column else 0

            for count, record in enumerate(rows, start=1):
                write(_row(count + 1, letters, record, style).encode("utf-8"))
                if progress and count % every == 0:
                    progress(every)
            write(
                (
                    f'</sheetData><autoFilter ref="A1:{last}{count + 1}"/>'
                    '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
                    '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>'
                ).encode()
            )
        zf.writestr("xl/workbook.xml", _workbook(title, last, count + 1))
    if progress and count % every:
        progress(count % every)
    return count


def _row(r: int, letters: list[str], values: Sequence[Any], style: Callable[[int, Any], int]) -> str:
    cells = []
    for c, value in enumerate(values):
        if value is None or value == "":
            continue
        s = style(c, value)
        attrs = f' r="{letters[c]}{r}"' + (f' s="{s}"' if s else "")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            cells.append(f'<c{attrs} t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>')
        else:
            cells.append(f"<c{attrs}><v>{value}</v></c>")
    return f'<row r="{r}">{"".join(cells)}</row>'


def _workbook(title: str, last: str, rows: int) -> str:
    sheet = quoteattr(title)
    ref = "'" + title.replace("'", "''") + "'"
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        f'<sheets><sheet name={sheet} sheetId="1" r:id="rId1"/></sheets><definedNames>'
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">{escape(ref)}!$A$1:${last}${rows}</definedName>'
        f'<definedName name="_xlnm.Print_Titles" localSheetId="0">{escape(ref)}!$1:$1</definedName>'
        "</definedNames></workbook>"
    )


def _styles(fill_colours: list[str]) -> str:
    fills = "".join(
        f'<fill><patternFill patternType="solid"><fgColor rgb="FF{c}"/><bgColor indexed="64"/></patternFill></fill>'
        for c in fill_colours
    )
    xfs = "".join(
        f'<xf numFmtId="0" fontId="0" fillId="{2 + i}" borderId="0" applyFill="1"/>' for i in range(len(fill_colours))
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
        '<fonts count="2"><font><sz val="11"/><name val="宋体"/></font><font><b/><sz val="11"/><name val="宋体"/></font></fonts>'
        f'<fills count="{2 + len(fill_colours)}"><fill><patternFill patternType="none"/></fill>'
        f'<fill><patternFill patternType="gray125"/></fill>{fills}</fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{2 + len(fill_colours)}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        f'<xf numFmtId="0" fontId="1" fillId="0" borderId="0" applyFont="1"/>{xfs}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    )


def _content_types() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
    )


def _root_rels() -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )


def _workbook_rels() -> str:
    base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG}">'
        f'<Relationship Id="rId1" Type="{base}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{base}/styles" Target="styles.xml"/></Relationships>'
    )

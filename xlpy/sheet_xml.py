"""Worksheet parts as text: a few cells' format or value changed in place, and the 校验结果 sheet written anew.

Edits splice the cell's start tag and leave every other byte of the part as it was, so whatever
the sheet holds that xlpy does not know (drawings, comments, extensions) is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from xlpy.cellvalue import xml_text

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

_ROOT = re.compile(r"<([\w.\-]+:)?worksheet\b")
_CELL = re.compile(r"<(?:[\w.\-]+:)?c(?=[\s/>])[^>]*>")
_ROW = re.compile(r"<(?:[\w.\-]+:)?row(?=[\s/>])[^>]*>")
_R = re.compile(r"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_S = re.compile(r"""\ss\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_T = re.compile(r"""\st\s*=\s*(?:"[^"]*"|'[^']*')""")
_A1 = re.compile(r"^([A-Z]{1,3})([0-9]+)$")
_PREFIX = re.compile(r"<([\w.\-]+:)?")
_TAB_SELECTED = re.compile(r"""\stabSelected\s*=\s*(?:"(?:1|true)"|'(?:1|true)')""")
_SHEET_VIEW = re.compile(r"<(?:[\w.\-]+:)?sheetView\b[^>]*>")
FIT_TO_PAGE = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
PAGE_SETUP = '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'  # 9 = A4


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _ref(tag: str) -> str | None:
    m = _R.search(tag[2:])
    if m is None:
        return None
    return (m.group(1) if m.group(1) is not None else m.group(2) or "").replace("$", "").upper()


def _style(tag: str) -> int:
    m = _S.search(tag)
    try:
        return int(m.group(1) if m.group(1) is not None else m.group(2)) if m else 0
    except ValueError:
        return 0


def _set_style(tag: str, style: int) -> str:
    if _S.search(tag):
        return _S.sub(f' s="{style}"', tag, count=1)
    cut = len(tag) - (2 if tag.endswith("/>") else 1)
    return f'{tag[:cut]} s="{style}"{tag[cut:]}'


@dataclass(slots=True)
class CellEdit:
    """What to do with one cell: a new format from the old one, and/or a value if the cell is blank."""

    style: Callable[[int], int] | None = None
    value_if_blank: str | None = None  # the <v> text, e.g. "0"
    insert: bool = True  # a cell the part lacks is added (False: leave a missing cell missing)


def edit_cells(xml: str, edits: dict[str, CellEdit]) -> tuple[str, set[str]]:
    """Apply `edits` (by "D8") to a worksheet part; returns the new text and the cells whose value was set.

    A cell the part lacks is inserted into its row (and the row into sheetData) in order.
    """
    pending = dict(edits)
    out: list[str] = []
    filled: set[str] = set()
    last = 0
    for m in _CELL.finditer(xml):
        tag = m.group(0)
        ref = _ref(tag)
        if ref is None or ref not in pending:
            continue
        edit = pending.pop(ref)
        new_tag = tag
        if edit.style is not None:
            new_tag = _set_style(new_tag, edit.style(_style(tag)))
        end = m.end()
        if edit.value_if_blank is not None:
            new_tag, end, did = _fill_blank(xml, m, new_tag, edit.value_if_blank)
            if did:
                filled.add(ref)
        out.append(xml[last : m.start()])
        out.append(new_tag)
        last = end
        if not pending:
            break
    out.append(xml[last:])
    xml = "".join(out)
    for ref, edit in pending.items():
        if not edit.insert:
            continue
        value = edit.value_if_blank
        style = edit.style(0) if edit.style is not None else None
        xml = _insert_cell(xml, ref, style, value)
        if value is not None:
            filled.add(ref)
    return xml, filled


def _fill_blank(xml: str, m: re.Match[str], tag: str, value: str) -> tuple[str, int, bool]:
    """The cell with <v>value</v> if it holds nothing (no value, formula or inline text); (tag, end, filled)."""
    prefix = _PREFIX.match(tag).group(1) or ""  # type: ignore[union-attr]  # _CELL matched it
    bare = _T.sub("", tag)  # a blank cell's type (t="n", t="inlineStr") does not apply to a number
    if tag.endswith("/>"):
        return f"{bare[:-2].rstrip()}><{prefix}v>{value}</{prefix}v></{prefix}c>", m.end(), True
    close = f"</{prefix}c>"
    at = xml.find(close, m.end())
    if at >= 0 and xml[m.end() : at].strip() == "":
        return f"{bare}<{prefix}v>{value}</{prefix}v>{close}", at + len(close), True
    return tag, m.end(), False


def _insert_cell(xml: str, ref: str, style: int | None, value: str | None) -> str:
    m = _A1.match(ref)
    if m is None:
        return xml
    col, row = col_number(m.group(1)), int(m.group(2))
    root = _ROOT.search(xml)
    p = (root.group(1) or "") if root else ""
    s_attr = f' s="{style}"' if style else ""
    cell = f'<{p}c r="{ref}"{s_attr}><{p}v>{value}</{p}v></{p}c>' if value is not None else f'<{p}c r="{ref}"{s_attr}/>'
    for rm in _ROW.finditer(xml):
        rr = _R.search(rm.group(0)[4:])
        number = int(rr.group(1) or rr.group(2) or "0") if rr and (rr.group(1) or rr.group(2) or "").isdigit() else 0
        if number < row:
            continue
        if number > row:  # the row is missing: a new row before this one
            return f'{xml[: rm.start()]}<{p}row r="{row}">{cell}</{p}row>{xml[rm.start() :]}'
        if rm.group(0).endswith("/>"):
            open_tag = rm.group(0)[:-2].rstrip() + ">"
            return f"{xml[: rm.start()]}{open_tag}{cell}</{p}row>{xml[rm.end() :]}"
        close = xml.find(f"</{p}row>", rm.end())
        at = close
        for cm in _CELL.finditer(xml, rm.end(), close):
            cref = _ref(cm.group(0))
            cmatch = _A1.match(cref or "")
            if cmatch and col_number(cmatch.group(1)) > col:
                at = cm.start()
                break
        return xml[:at] + cell + xml[at:]
    new_row = f'<{p}row r="{row}">{cell}</{p}row>'
    empty = re.search(rf"<{re.escape(p)}sheetData\s*/>", xml)
    if empty:
        return f"{xml[: empty.start()]}<{p}sheetData>{new_row}</{p}sheetData>{xml[empty.end() :]}"
    end = xml.find(f"</{p}sheetData>")
    return xml[:end] + new_row + xml[end:] if end >= 0 else xml


def unselect(xml: str) -> str:
    """The part without tabSelected on its sheet views (only the few bytes before sheetData are looked at)."""
    head_end = xml.find("sheetData")
    head = xml[: head_end if head_end >= 0 else len(xml)]
    if "tabSelected" not in head:
        return xml
    new_head = _SHEET_VIEW.sub(lambda m: _TAB_SELECTED.sub("", m.group(0)), head)
    return new_head + xml[len(head) :]


# --- the results sheet --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkCell:
    ref: str  # "E5"
    location: str  # "'表三'!D8"
    display: str
    tooltip: str


def worksheet(
    rows: Iterable[Iterable[Any]],
    styles: Callable[[int, int, Any], int],
    *,
    widths: Iterable[float],
    links: Iterable[LinkCell] = (),
    freeze_rows: int = 0,
    selected: bool = True,
    heights: dict[int, float] | None = None,
    landscape_fit_width: bool = False,
) -> str:
    """A whole worksheet part: text as inline strings (never a formula, whatever it starts with).

    `heights` are estimated row heights that stay automatic (no customHeight, so every application
    still re-fits them); `landscape_fit_width` prints on A4 landscape, one page wide.
    """
    heights = heights or {}
    body: list[str] = []
    max_row = max_col = 0
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row, start=1):
            if value == "" or value is None:
                continue
            ref = f"{col_letters(c)}{r}"
            s = styles(r, c, value)
            s_attr = f' s="{s}"' if s else ""
            if isinstance(value, bool) or not isinstance(value, int | float):
                text = escape(xml_text(str(value)))
                cells.append(f'<c r="{ref}"{s_attr} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
            else:
                cells.append(f'<c r="{ref}"{s_attr}><v>{value!r}</v></c>')
            max_row, max_col = max(max_row, r), max(max_col, c)
        if cells:
            ht = f' ht="{heights[r]:g}"' if r in heights else ""
            body.append(f'<row r="{r}"{ht}>{"".join(cells)}</row>')
    dimension = f"A1:{col_letters(max_col)}{max_row}" if max_row else "A1"
    tab = ' tabSelected="1"' if selected else ""
    if freeze_rows:
        top = f"A{freeze_rows + 1}"
        view = (
            f'<sheetView{tab} workbookViewId="0"><pane ySplit="{freeze_rows}" topLeftCell="{top}" '
            f'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
            "</sheetView>"
        )
    else:
        view = f'<sheetView{tab} workbookViewId="0"/>'
    cols = "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>' for i, w in enumerate(widths, start=1))
    hyperlinks = "".join(
        f"<hyperlink ref={quoteattr(k.ref)} location={quoteattr(xml_text(k.location))} "
        f"display={quoteattr(xml_text(k.display))} tooltip={quoteattr(xml_text(k.tooltip))}/>"
        for k in links
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f"{FIT_TO_PAGE if landscape_fit_width else ''}"
        f'<dimension ref="{dimension}"/>'
        f'<sheetViews>{view}</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        f"{f'<cols>{cols}</cols>' if cols else ''}<sheetData>{''.join(body)}</sheetData>"
        f"{f'<hyperlinks>{hyperlinks}</hyperlinks>' if hyperlinks else ''}"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        f"{PAGE_SETUP if landscape_fit_width else ''}</worksheet>"
    )

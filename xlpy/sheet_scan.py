"""How far a sheet part's cells reach, measured on the stretch calamine reads before it allocates them."""

from __future__ import annotations

import codecs
import re

from xlpy.zip_limits import DEFAULT_LIMITS, Limits
from xlpy.zip_member import corrupt

# Every part calamine can load as a sheet lives here (it refuses any other path as "sheet:type").
_SHEET_PART = re.compile(r"^xl/(?:worksheets|chartsheets|dialogsheets)/")
# A <c> or <row> start tag (any prefix) with its attributes, values quoted (either quote) or not.
_CELL_TAG = re.compile(
    rb"<(?:[^\s<>/:=\"']+:)?(c|row)(?=[\s/>])((?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*(/>)?"
)
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_A1 = re.compile(rb"^([A-Za-z]+)(\d+)$")
# What Excel, WPS and openpyxl write: every cell tag exactly like this means every cell has one plain r.
_C_START = re.compile(rb"<(?:[^\s<>/:=\"']+:)?c(?=[\s/>])")
_PLAIN_C = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: (?:s|t|cm|vm|ph)="[^"<>]*")*\s*(/?)>')


def is_sheet_part(part: str) -> bool:
    """Whether calamine could load the part as a sheet (such a part is scanned for its extent)."""
    return _SHEET_PART.match(part) is not None


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


class Extent:
    """How far a sheet's cells reach, as calamine will place them (conservatively: from A1)."""

    def __init__(self) -> None:
        self.max_row = self.max_col = 0
        self.col_letters = b""
        self.row_attr = 0  # highest <row r="…">
        self.rows_without_r = 0
        self.cells_without_r = 0
        self.empty_row = self.empty_col = 0  # reach of self-closed (valueless) cells

    def _cell(self, letters: bytes, row: int) -> None:
        col = _col_number(letters)
        if col > self.max_col:
            self.max_col, self.col_letters = col, letters.upper()
        self.max_row = max(self.max_row, row)

    def feed(self, text: bytes) -> None:
        plain = _PLAIN_C.findall(text)
        if len(plain) == len(_C_START.findall(text)):
            # The usual file: one pass in C, a handful of distinct columns and rows to convert.
            # <c r="XFD9" s="3"/> (a formatted empty cell) holds no value: calamine places nothing there.
            valued = [(c, r) for c, r, empty in plain if not empty]
            if valued:
                for letters in {c for c, _ in valued}:
                    self._cell(letters, 0)
                self.max_row = max(self.max_row, max(map(int, {r for _, r in valued})))
            return
        for tag, attrs, empty in _CELL_TAG.findall(text):
            refs = [next(v for v in m if v) if any(m) else b"" for m in _R_ATTR.findall(attrs)]
            if tag == b"row":
                rows = [int(v) for v in refs if v.strip().isdigit()]
                if rows:
                    self.row_attr = max(self.row_attr, *rows)
                else:
                    self.rows_without_r += 1
                continue
            found = False
            for ref in refs:  # every r of the tag (a duplicate attribute counts too)
                m = _A1.match(ref.replace(b"$", b"").strip())
                if m:
                    found = True
                    if empty:  # no value, but a cell without r after it may continue from it
                        self.empty_row = max(self.empty_row, int(m.group(2)))
                        self.empty_col = max(self.empty_col, _col_number(m.group(1)))
                    else:
                        self._cell(m.group(1), int(m.group(2)))
            if not found and not empty:
                self.cells_without_r += 1

    @property
    def reach(self) -> str:
        return f"{self.col_letters.decode('ascii')}{self.max_row}" if self.col_letters else ""

    def cells(self) -> int:
        rows, cols = self.max_row, self.max_col
        if self.cells_without_r:
            # A cell without r follows the one before it; a row without r follows the row before it.
            rows = max(rows, self.empty_row, self.row_attr + self.rows_without_r)
            cols = max(cols, self.empty_col) + self.cells_without_r
        return rows * cols


class SheetScan:
    """Feeds a sheet part's inflated steps to an Extent without ever splitting a tag between two feeds."""

    def __init__(self, name: str, part: str) -> None:
        self.extent = Extent()
        self._name, self._part = name, part
        self._carry = b""
        self._first = True
        self._utf16: codecs.IncrementalDecoder | None = None

    def __call__(self, chunk: bytes) -> None:
        if self._first:
            self._first = False
            if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                self._utf16 = codecs.getincrementaldecoder("utf-16")(errors="replace")
        if self._utf16 is not None:
            chunk = self._utf16.decode(chunk).encode("utf-8")
        text = self._carry + chunk
        cut = text.rfind(b"<")
        if cut <= 0:
            self._carry = text
            return
        # Well-formed XML has no "<" inside a tag: if the text before the cut ends inside one, a tag
        # could straddle the cut unseen, so such a part is refused rather than scanned in pieces.
        if text.rfind(b"<", 0, cut) > text.rfind(b">", 0, cut):
            raise corrupt(self._name, self._part, "不是有效的 XML（标签中出现“<”）", "'<' inside a tag")
        self.extent.feed(text[:cut])
        self._carry = text[cut:]

    def finish(self) -> Extent:
        if self._carry:
            self.extent.feed(self._carry)
            self._carry = b""
        return self.extent


# Where calamine can meet a cell: from its first <sheetData> start tag to the first end tag after it.
_CLOSE_BEFORE = re.compile(rb"</(?:[^\s<>/:=\"']+:)?\Z")
# A cell tag not written <c r="…"> with a reference of at most two letters and four digits.
_ODD_CELL = re.compile(rb'<c(?! r="[A-Z]{1,2}[0-9]{1,4}")')
# An r attribute (any quoting or spacing) that is not the first attribute of a <c> or <row> tag.
_ODD_R = re.compile(rb"r(?<!<c r)(?<!<row r)\s*=")
SMALL_PLAIN_CELLS = 702 * 9999  # every cell within ZZ9999


def sheet_extent(text: bytes, name: str, part: str, limits: Limits = DEFAULT_LIMITS) -> Extent | None:
    """How far a sheet part's cells reach (None: proven within ZZ9999, well under the limit).

    Only the stretch calamine reads is scanned: from the first "sheetData" to the last end tag
    "</sheetData" (to the end of the part if there is none). calamine takes cells only between its
    <sheetData> start tag and the first real </sheetData> after it, which cannot lie past the last
    such text; if every such text is fake (in a comment, CDATA or an attribute value), calamine meets
    the end of the part inside sheetData and refuses the sheet before it places a cell
    (tests/test_security_reader.py). A template's data validations and prompts (most of 表三's
    bytes) lie after the stretch. Within it, three passes in C prove the usual file small;
    only an odd one is measured tag by tag.
    """
    if text.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = text.decode("utf-16", errors="replace").encode("utf-8")
    start = text.find(b"sheetData")
    if start < 0:
        start = 0  # not a worksheet calamine can read; measured whole all the same
    end = len(text)
    last = text.rfind(b"sheetData", start + 1)
    if last > 0 and _CLOSE_BEFORE.search(text, max(start, last - 80), last):
        end = last
    if SMALL_PLAIN_CELLS <= limits.max_sheet_cells and _small_and_plain(text, start, end):
        return None
    extent = Extent()
    extent.feed(text[start:end])
    return extent


def _small_and_plain(text: bytes, start: int, end: int) -> bool:
    """Whether every cell tag of text[start:end] is <c r="…"> with a reference within ZZ9999 and no other r.

    Three passes in C, no copy: no "<c" but a plain cell tag with a short reference, no prefixed tag
    (":c"), no r attribute but the first of a <c> or <row> (none doubled, single-quoted, unquoted or
    spaced). Anything else goes to the exact measure.
    """
    return (
        _ODD_CELL.search(text, start, end) is None
        and text.find(b":c", start, end) < 0
        and _ODD_R.search(text, start, end) is None
    )

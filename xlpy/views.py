"""Workbook views the reader adapts: calamine files and xlwings payloads, plus the OOXML parts calamine hides."""

from __future__ import annotations

import html
import io
import re
from functools import lru_cache
from typing import Any

from xlpy.errors import InputError, library_error

_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)$")


def parse_ref(text: str) -> tuple[str, str] | None:
    """ "'表三'!$D$8" -> ("表三", "D8"); None for #REF!, ranges and anything else."""
    m = _REF.match(text.strip())
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'") or (m.group(2) or "")
    return sheet, f"{m.group(3)}{m.group(4)}"


def a1_to_rc(a1: str) -> tuple[int, int]:
    """ "D8" -> (8, 4)."""
    m = re.match(r"^\$?([A-Z]{1,3})\$?(\d+)$", a1.upper())
    if not m:
        raise ValueError(a1)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


# --- views ---------------------------------------------------------------------------------


class CalamineView:
    """An .xlsx/.xlsm (or, without names, an .xls) read with python-calamine; names from workbook.xml."""

    def __init__(self, data: bytes, name: str, defined: dict[str, tuple[str, str]], zf: Any = None) -> None:
        import python_calamine

        self.name = name
        self._defined = defined
        self._zf = zf
        self.cache_key: str | None = None  # workbook.xml text, when names came from it
        self._loaded: dict[str, Any] = {}  # calamine parses a sheet per get_sheet_by_name: once per view
        try:
            self._wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except Exception as exc:  # calamine raises several error types for broken parts
            raise library_error(name, exc) from exc

    def sheet_names(self) -> list[str]:
        return list(self._wb.sheet_names)

    def values(self, sheet: str, max_row: int) -> list[list[Any]]:
        try:
            # skip_empty_area=False keeps row 1/column A at index 0 whatever is empty.
            loaded = self._loaded.get(sheet)
            if loaded is None:
                loaded = self._loaded[sheet] = self._wb.get_sheet_by_name(sheet)
            grid = list(loaded.to_python(skip_empty_area=False, nrows=max_row))
        except Exception as exc:
            raise library_error(self.name, exc, where=f"工作表「{sheet}」") from exc
        return grid

    def errors(self, sheet: str) -> dict[tuple[int, int], str]:
        """Formula-error cells of a sheet (only asked for when an input cell reads as blank)."""
        return error_cells(self._zf, sheet) if self._zf is not None else {}

    def names(self) -> dict[str, tuple[str, str]]:
        return self._defined


class PayloadView:
    """An xlwings remote-protocol payload (what the Excel clients POST)."""

    def __init__(self, payload: dict[str, Any]) -> None:
        try:
            self.name = str(payload.get("book", {}).get("name") or "工作簿")
            sheets = payload["sheets"]
            self._sheets = {str(s["name"]): s.get("values") or [] for s in sheets}
            order = [str(s["name"]) for s in sheets]
            self._names = {}
            for n in payload.get("names", []) or []:
                idx = n.get("sheet_index")
                if isinstance(idx, int) and 0 <= idx < len(order) and n.get("address"):
                    self._names[str(n["name"])] = (order[idx], str(n["address"]).replace("$", "").split(":")[0])
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError("请求内容不是 xlwings 工作簿数据（缺少 sheets/names）。", code="not_workbook") from exc

    def sheet_names(self) -> list[str]:
        return list(self._sheets)

    def values(self, sheet: str, max_row: int) -> list[list[Any]]:
        return [list(r) for r in self._sheets[sheet][:max_row]]

    def names(self) -> dict[str, tuple[str, str]]:
        return self._names


_DEFINED_NAME = re.compile(r"<(?:\w+:)?definedName\b([^>]*)>([^<]*)</(?:\w+:)?definedName>")
# The name attribute itself, not x:name= or a name= inside another attribute's value.
_NAME_ATTR = re.compile(r"""(?:^|\s)name\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# Text an XML parser (Excel) never reads as elements: a definedName in there must not count.
_NOT_MARKUP = re.compile(r"<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<\?.*?(?:\?>|\Z)", re.DOTALL)


@lru_cache(maxsize=64)
def names_from_xml(text: str) -> dict[str, tuple[str, str]]:
    """Workbook-scoped defined names of workbook.xml (python-calamine does not expose them).

    A regular-expression scan, not an XML parser: it expands no entities (so no XML bomb can
    reach it) and is ~20x faster than ElementTree on the ~400 names of a template. Cached per
    text: workbooks filled from one template share it. Callers never mutate the result.
    """
    if "<!DOCTYPE" in text:
        return {}  # Excel never writes a DTD; its entities could say anything: no names, so not a template
    if "<!" in text or "<?" in text:
        text = _NOT_MARKUP.sub("", text)
    out: dict[str, tuple[str, str]] = {}
    seen: set[str] = set()
    for attrs, body in _DEFINED_NAME.findall(text):
        if "localSheetId=" in attrs:
            continue
        m = _NAME_ATTR.search(attrs)
        if m is None:
            continue
        name = html.unescape(m.group(1) if m.group(1) is not None else m.group(2))
        if name in seen:
            out.pop(name, None)  # defined twice: which cell Excel uses is unknowable, so neither counts
            continue
        seen.add(name)
        ref = parse_ref(html.unescape(body))
        if ref:
            out[name] = ref
    return out


_SHEET = re.compile(r'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"')
_REL2 = re.compile(r'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"')
_ERROR_CELL = re.compile(r'<c r="([A-Z]{1,3})(\d+)"[^>]*?t="e"[^>]*>(?:<f[^>]*>[^<]*</f>|<f[^>]*/>)?<v>([^<]*)</v>')


def error_cells(zf: Any, sheet: str) -> dict[tuple[int, int], str]:
    """Cells holding a formula error (#REF!, #DIV/0! …) in a sheet.

    python-calamine returns such cells as "" — indistinguishable from a blank — so the error
    values are recovered from the sheet XML (only when the part contains an error cell at all).
    """
    try:
        book = zf.read("xl/workbook.xml").decode("utf-8")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return {}
    targets = dict(_REL.findall(rels)) | {i: t for t, i in _REL2.findall(rels)}
    rid = next((r for n, r in _SHEET.findall(book) if html.unescape(n) == sheet), None)
    if rid is None or rid not in targets:
        return {}
    target = targets[rid].lstrip("/")
    part = target if target.startswith("xl/") else f"xl/{target}"
    try:
        xml = zf.read(part).decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return {}
    if 't="e"' not in xml:
        return {}
    out = {}
    for col, row, value in _ERROR_CELL.findall(xml):
        out[(int(row), a1_to_rc(f"{col}1")[1])] = html.unescape(value)
    return out

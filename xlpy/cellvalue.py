"""Turning a raw cell value (calamine, xlwings payload) into the schema's value — without ever guessing a blank."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from xlpy import schema

ERROR_VALUES = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)
_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$|^[+-]?\d+(\.\d+)?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T ].*)?$")
_YEAR = re.compile(r"^(\d{4})\s*年?(度)?$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")
EXCEL_EPOCH = dt.date(1899, 12, 30)
# What XML 1.0 cannot carry. Excel stores such a character as _x0001_ and calamine hands it back, a JSON
# upload may hold one as \u0001 (or a lone surrogate): Word then refuses the report, openpyxl refuses to
# write the annotated copy or the batch summary. Nobody can see them in a cell, so they are dropped;
# vertical tab and form feed (Word's line and page breaks, pasted) become line breaks.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XML_BREAKS = re.compile("[\x0b\x0c]")
NUMERIC = (schema.COUNT, schema.SIGNED, schema.MONEY, schema.INTEGER)


def is_error(value: Any) -> bool:
    """A formula error value such as #REF! (calamine and the xlwings clients deliver these as text)."""
    return isinstance(value, str) and value.strip().upper() in ERROR_VALUES


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 (hence DOCX and XLSX) cannot hold."""
    if _XML_BREAKS.search(text):
        text = _XML_BREAKS.sub("\n", text)
    return _XML_ILLEGAL.sub("", text) if _XML_ILLEGAL.search(text) else text


_NUMERIC_KINDS = frozenset(NUMERIC)
# What an empty cell (None) becomes per kind; a kind not listed keeps None.
_BLANK: dict[str, Any] = {schema.TEXT: "", "fixed": "", schema.CONST: ""}


def coerce(kind: str, raw: Any) -> Any:
    """The instance value for a cell of `kind`. Blank numbers stay None; unreadable input stays as typed."""
    # The two commonest cells of a report first (a blank, a number in a number cell): ~330 per workbook.
    if raw is None:
        return _BLANK.get(kind)
    if type(raw) is float and kind in _NUMERIC_KINDS:
        return int(raw) if raw.is_integer() and (kind != schema.MONEY or abs(raw) < 2**53) else raw
    if isinstance(raw, str):
        raw = xml_text(raw)
        raw = raw.strip() if kind != schema.TEXT else raw
    if kind in NUMERIC:
        return _number(kind, raw)
    if kind == schema.DATE:
        return _date(raw)
    if kind in (schema.TEXT,):
        return _text(raw)
    if kind in ("fixed", schema.CONST, schema.CHOICE):
        if raw is None or raw == "":
            return None if kind == schema.CHOICE else ""
        return _text(raw)
    return raw


def _number(kind: str, raw: Any) -> Any:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw  # TRUE/FALSE in a number cell: reported by the schema as not a number
    if isinstance(raw, str):
        text = raw.translate(_FULLWIDTH)
        if kind == schema.INTEGER:
            m = _YEAR.match(text)
            if m:
                return int(m.group(1))
        if not _NUMBER.match(text):
            return raw  # "三", "12件", "/", "#REF!": kept so the message can show what was typed
        raw = float(text.replace(",", "")) if "." in text else int(text.replace(",", ""))
    if isinstance(raw, float):
        if raw.is_integer() and (kind != schema.MONEY or abs(raw) < 2**53):
            return int(raw)
        return raw
    if isinstance(raw, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return str(raw)  # a date typed into a number cell is text to the schema
    return raw


def _date(raw: Any) -> Any:
    if raw is None or raw == "":
        return None
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 20000 < raw < 80000:
        return (EXCEL_EPOCH + dt.timedelta(days=int(raw))).isoformat()  # a serial number lost its format
    if isinstance(raw, str):
        m = _DATE.match(raw.translate(_FULLWIDTH))
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
            except ValueError:
                return raw
        return raw
    return str(raw)


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw).replace("\r\n", "\n").replace("\r", "\n")

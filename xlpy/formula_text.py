"""Text bound for a spreadsheet, made inert: what Excel/WPS would run as a formula is kept as text (CSV/XLSX injection)."""

from __future__ import annotations

from typing import Any

_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheets in Chinese and Japanese locales may take a full-width ＝ for "=", and some skip spaces
# before one: "  =HYPERLINK(…)" and "＝1+1" in summary.csv are kept text too (at worst an extra ').
_FORMULA_LEAD_WIDE = ("＝", "＋", "－", "＠")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; numbers pass through.

    Characters XML cannot hold are dropped first: openpyxl refuses them, and one would end the batch
    before summary.xlsx is written.
    """
    if not isinstance(value, str):
        return value
    from xlpy.cellvalue import xml_text

    value = xml_text(value)
    if value.startswith(_FORMULA_LEAD) or value.lstrip(" \u3000").startswith(_FORMULA_LEAD + _FORMULA_LEAD_WIDE):
        return "'" + value
    return value

"""Builds the xlwings remote-protocol payload an Excel client would POST, from a workbook file (tests, bench).

xlwings has no helper for this. The builder mirrors the clients: values from A1 to the end of the
used range, computed values (never formulas), dates as ISO strings, empty cells as `null` (VBA) or
`""` (Office.js), and only workbook-scoped names that refer to one range.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

CLIENTS = ("VBA", "Office.js")


def xlwings_version() -> str:
    from importlib.metadata import version

    return version("xlwings")


def payload_from_workbook(
    wb: Any, *, name: str = "工作簿.xlsx", client: str = "VBA", active: int = 0, selection: str = "A1"
) -> dict[str, Any]:
    """The payload of an openpyxl Workbook (loaded with data_only=True when it holds formulas)."""
    if client not in CLIENTS:
        raise ValueError(f"client must be one of {CLIENTS}")
    empty: Any = None if client == "VBA" else ""
    sheets = []
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows(min_row=1, min_col=1, max_row=ws.max_row, max_col=ws.max_column, values_only=True):
            rows.append([_value(v, empty) for v in row])
        sheets.append({"name": ws.title, "values": rows or [[]], "pictures": [], "tables": []})
    order = [ws.title for ws in wb.worksheets]
    names = []
    for dn_name, dn in _defined_names(wb):
        dests = list(dn.destinations)
        if len(dests) != 1 or dests[0][0] not in order or ":" in dests[0][1]:
            continue  # a constant, a formula, or a multi-area/range name: clients send single cells here
        sheet, address = dests[0]
        names.append(
            {
                "name": dn_name,
                "sheet_index": order.index(sheet),
                "address": address.replace("$", ""),
                "book_scope": True,
                "scope_sheet_name": None,
                "scope_sheet_index": None,
            }
        )
    return {
        "client": client,
        "version": xlwings_version(),
        "book": {"name": name, "active_sheet_index": active, "selection": selection},
        "names": names,
        "sheets": sheets,
    }


def payload_from_file(source: str | Path | bytes, *, name: str | None = None, client: str = "VBA") -> dict[str, Any]:
    """The payload of an .xlsx/.xlsm file or its bytes (cached formula results, as Excel would send)."""
    from openpyxl import load_workbook

    if isinstance(source, bytes):
        wb = load_workbook(io.BytesIO(source), data_only=True)
        label = name or "工作簿.xlsx"
    else:
        wb = load_workbook(source, data_only=True)
        label = name or Path(source).name
    return payload_from_workbook(wb, name=label, client=client)


def _defined_names(wb: Any) -> list[tuple[str, Any]]:
    names = wb.defined_names
    if hasattr(names, "items"):  # openpyxl >= 3.1: a dict of workbook-scoped names
        return list(names.items())
    return [(dn.name, dn) for dn in names.definedName if dn.localSheetId is None]  # pragma: no cover


def _value(v: Any, empty: Any) -> Any:
    if v is None or v == "":
        return empty
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(v, dt.date):
        return v.strftime("%Y-%m-%dT00:00:00.000Z")
    if isinstance(v, dt.time):
        return v.isoformat()
    if isinstance(v, str) and v.startswith("="):
        return empty  # a formula without a cached result: Excel would send its value, we have none
    return v

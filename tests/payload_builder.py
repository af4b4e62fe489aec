"""Test helpers for the Excel integration: payload fixtures as each client sends them, and a replayer.

The replayer applies a script's actions to an in-memory workbook the way the VBA client
(xlwings/addin/Remote.bas) does, so tests can assert what the clerk ends up seeing: values, fills,
links, the active sheet and the selection. It refuses actions the client would not replay.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlpy.excel.actions import CLIENTS
from xlpy.excel.payload import payload_from_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "workbook" / "examples"
EXAMPLE_FILES = {"huaian": EXAMPLES / "huaian-2024.xlsx", "beigou": EXAMPLES / "beigou-2020.xlsx"}

_PAYLOADS: dict[tuple[str, str], dict[str, Any]] = {}


def example_payload(which: str, client: str = "VBA") -> dict[str, Any]:
    """A deep copy of an example workbook's payload (built once per process)."""
    key = (which, client)
    if key not in _PAYLOADS:
        path = EXAMPLE_FILES[which]
        _PAYLOADS[key] = payload_from_file(path, name=path.name, client=client)
    return copy.deepcopy(_PAYLOADS[key])


def a1(cell: str) -> tuple[int, int]:
    """ "D7" → (6, 3), 0-based."""
    m = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    assert m, cell
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def set_cell(payload: dict[str, Any], sheet: str, cell: str, value: Any) -> None:
    """Put a value into a payload's sheet, growing the value grid with the client's empty value."""
    empty = None if payload["client"] == "VBA" else ""
    s = next(s for s in payload["sheets"] if s["name"] == sheet)
    r, c = a1(cell)
    values = s["values"]
    width = max(len(values[0]) if values and values[0] else 0, c + 1)
    while len(values) <= r:
        values.append([empty] * width)
    for row in values:
        row.extend([empty] * (width - len(row)))
    values[r][c] = value


def get_cell(payload: dict[str, Any], sheet: str, cell: str) -> Any:
    s = next(s for s in payload["sheets"] if s["name"] == sheet)
    r, c = a1(cell)
    try:
        return s["values"][r][c]
    except IndexError:
        return None


@dataclass
class Sheet:
    name: str
    values: dict[tuple[int, int], Any] = field(default_factory=dict)
    fills: dict[tuple[int, int], str | None] = field(default_factory=dict)
    links: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)

    def value(self, cell: str) -> Any:
        return self.values.get(a1(cell))

    def fill(self, cell: str) -> str | None:
        return self.fills.get(a1(cell))

    def grid(self) -> list[list[Any]]:
        """Values from A1 as a rectangle (None for empty), like a client would send them."""
        if not self.values:
            return [[]]
        rows = max(r for r, _ in self.values) + 1
        cols = max(c for _, c in self.values) + 1
        return [[self.values.get((r, c)) for c in range(cols)] for r in range(rows)]


@dataclass
class Workbook:
    """What Excel holds after replaying actions on the workbook a payload came from."""

    sheets: list[Sheet]
    names: list[dict[str, Any]]
    name: str
    client: str
    active: int = 0
    selection: tuple[int, str] | None = None
    alerts: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Workbook:
        sheets = []
        for s in payload["sheets"]:
            sheet = Sheet(s["name"])
            for r, row in enumerate(s["values"]):
                for c, v in enumerate(row):
                    if v not in (None, ""):
                        sheet.values[(r, c)] = v
            sheets.append(sheet)
        return cls(
            sheets,
            copy.deepcopy(payload["names"]),
            payload["book"]["name"],
            payload["client"],
            payload["book"].get("active_sheet_index", 0),
        )

    def sheet(self, name: str) -> Sheet:
        return next(s for s in self.sheets if s.name == name)

    def has(self, name: str) -> bool:
        return any(s.name == name for s in self.sheets)

    def payload(self, client: str | None = None) -> dict[str, Any]:
        """The payload the client would send now (for a second run)."""
        from xlpy.excel.payload import xlwings_version

        client = client or self.client
        empty = None if client == "VBA" else ""
        return {
            "client": client,
            "version": xlwings_version(),
            "book": {"name": self.name, "active_sheet_index": self.active, "selection": "A1"},
            "names": copy.deepcopy(self.names),
            "sheets": [
                {
                    "name": s.name,
                    "values": [[empty if v is None else v for v in row] for row in s.grid()],
                    "pictures": [],
                    "tables": [],
                }
                for s in self.sheets
            ],
        }

    # --- replay -------------------------------------------------------------------------
    def replay(self, actions: list[dict[str, Any]]) -> None:
        allowed = CLIENTS[self.client]
        for a in json.loads(json.dumps(actions)):  # what goes over the wire
            func = a["func"]
            assert func in allowed, f"{self.client} does not replay {func}"
            getattr(self, "_" + func)(a)

    def _cells(self, a: dict[str, Any]) -> list[tuple[int, int]]:
        return [
            (a["start_row"] + r, a["start_column"] + c) for r in range(a["row_count"]) for c in range(a["column_count"])
        ]

    def _setValues(self, a: dict[str, Any]) -> None:
        sheet = self.sheets[a["sheet_position"]]
        for r, row in enumerate(a["values"]):
            for c, v in enumerate(row):
                key = (a["start_row"] + r, a["start_column"] + c)
                if v in (None, ""):
                    sheet.values.pop(key, None)
                elif isinstance(v, str) and v.startswith("'"):
                    sheet.values[key] = v[1:]  # Excel's text prefix: shown without the apostrophe
                else:
                    assert not (isinstance(v, str) and v.startswith(("=", "+", "-", "@"))), f"formula written: {v!r}"
                    sheet.values[key] = v

    def _setRangeColor(self, a: dict[str, Any]) -> None:
        sheet = self.sheets[a["sheet_position"]]
        for key in self._cells(a):
            sheet.fills[key] = a["args"][0]

    def _addSheet(self, a: dict[str, Any]) -> None:
        position, name = a["args"][0], a["args"][1]
        assert not self.has(name), f"sheet {name} added twice"
        self.sheets.insert(position, Sheet(name))
        self.active = position

    def _sheetClear(self, a: dict[str, Any]) -> None:
        old = self.sheets[a["sheet_position"]]
        self.sheets[a["sheet_position"]] = Sheet(old.name)

    def _addHyperlink(self, a: dict[str, Any]) -> None:
        sheet = self.sheets[a["sheet_position"]]
        key = (a["start_row"], a["start_column"])
        sheet.links[key] = (a["args"][0], a["args"][1])
        sheet.values[key] = a["args"][1]

    def _activateSheet(self, a: dict[str, Any]) -> None:
        self.active = a["args"][0]

    def _rangeSelect(self, a: dict[str, Any]) -> None:
        assert a["sheet_position"] == self.active, "VBA Range.Select needs the sheet to be active"
        r, c = a["start_row"], a["start_column"]
        from xlpy.layout import col_letter

        self.selection = (a["sheet_position"], f"{col_letter(c + 1)}{r + 1}")

    def _setAutofit(self, a: dict[str, Any]) -> None:
        assert a["args"][0] in ("columns", "rows")

    def _alert(self, a: dict[str, Any]) -> None:
        self.alerts.append((a["args"][1], a["args"][0]))

"""The scripts on a non-remote Book (the desktop-xlwings code path), via a duck-typed stand-in for xw.Book.

No Excel runs on Linux; the stand-in implements the part of the public xlwings API the scripts use
(sheets, used_range, range values/colour/links, names, alert), so the generic BookView path and the
writers are exercised exactly as on Windows or macOS.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.payload_builder import example_payload, get_cell, set_cell
from xlpy import findings_sheet as fs
from xlpy.excel import scripts
from xlpy.excel.bookview import BookView
from xlpy.layout import layout
from xlpy.reader import read_payload, read_view


def _rc(cell: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    assert m
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


class Range:
    def __init__(self, sheet: Sheet, a: tuple[int, int], b: tuple[int, int] | None = None) -> None:
        self.sheet, self.a, self.b = sheet, a, b or a
        self.columns = self  # .columns.autofit()

    def _cells(self) -> list[tuple[int, int]]:
        return [(r, c) for r in range(self.a[0], self.b[0] + 1) for c in range(self.a[1], self.b[1] + 1)]

    @property
    def row(self) -> int:
        return self.b[0]

    @property
    def column(self) -> int:
        return self.b[1]

    @property
    def last_cell(self) -> Range:
        return self

    def options(self, **_: Any) -> Range:
        return self

    @property
    def value(self) -> Any:
        rows = [
            [self.sheet.values.get((r, c)) for c in range(self.a[1], self.b[1] + 1)]
            for r in range(self.a[0], self.b[0] + 1)
        ]
        return rows if self.a != self.b else rows[0][0]

    @value.setter
    def value(self, v: Any) -> None:
        rows = v if isinstance(v, list) else [[v]]
        for i, row in enumerate(rows):
            for j, x in enumerate(row):
                key = (self.a[0] + i, self.a[1] + j)
                if x in (None, ""):
                    self.sheet.values.pop(key, None)
                else:
                    assert not (isinstance(x, str) and x.startswith("=")), x
                    self.sheet.values[key] = x[1:] if isinstance(x, str) and x.startswith("'") else x

    @property
    def color(self) -> Any:
        raise AssertionError("scripts never read colours (the remote engine cannot)")

    @color.setter
    def color(self, v: str) -> None:
        for key in self._cells():
            self.sheet.fills[key] = v

    def add_hyperlink(self, address: str, text: str, tip: str) -> None:
        self.sheet.links[self.a] = address
        self.sheet.values[self.a] = text

    def autofit(self) -> None:
        pass

    def select(self) -> None:
        assert self.sheet.book.active is self.sheet
        self.sheet.book.selection = (self.sheet.name, self.a)

    def get_address(self, *_: Any) -> str:
        from xlpy.layout import col_letter

        return f"{col_letter(self.a[1])}{self.a[0]}"


class Sheet:
    def __init__(self, book: Book, name: str) -> None:
        self.book, self.name = book, name
        self.values: dict[tuple[int, int], Any] = {}
        self.fills: dict[tuple[int, int], str] = {}
        self.links: dict[tuple[int, int], str] = {}

    @property
    def used_range(self) -> Range:
        if not self.values:
            return Range(self, (1, 1))
        return Range(self, (1, 1), (max(r for r, _ in self.values), max(c for _, c in self.values)))

    def range(self, a: Any, b: Any = None) -> Range:
        a = _rc(a) if isinstance(a, str) else a
        return Range(self, a, b)

    def activate(self) -> None:
        self.book.active = self

    def clear(self) -> None:
        self.values.clear()
        self.fills.clear()
        self.links.clear()


class Sheets(list):  # type: ignore[type-arg]
    def __init__(self, book: Book) -> None:
        super().__init__()
        self.book = book

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return super().__getitem__(key)

    def add(self, name: str, after: Sheet) -> Sheet:
        sheet = Sheet(self.book, name)
        self.insert(self.index(after) + 1, sheet)
        self.book.active = sheet
        return sheet


class Name:
    def __init__(self, name: str, rng: Range) -> None:
        self.name, self.refers_to_range = name, rng


class App:
    def __init__(self) -> None:
        self.alerts: list[tuple[str, str]] = []

    def alert(self, prompt: str, title: str = "") -> None:
        self.alerts.append((title, prompt))


class Book:
    """What `xw.Book.caller()` gives on the desktop, for the parts the scripts touch."""

    api = None  # a COM/AppleScript object on the desktop: anything but a payload dict

    def __init__(self, payload: dict[str, Any]) -> None:
        self.name = payload["book"]["name"]
        self.app = App()
        self.sheets = Sheets(self)
        for s in payload["sheets"]:
            sheet = Sheet(self, s["name"])
            for r, row in enumerate(s["values"]):
                for c, v in enumerate(row):
                    if v not in (None, ""):
                        sheet.values[(r + 1, c + 1)] = v
            self.sheets.append(sheet)
        self.names = [Name(n["name"], self.sheets[n["sheet_index"]].range(n["address"])) for n in payload["names"]]
        self.active = self.sheets[0]
        self.selection: tuple[str, tuple[int, int]] | None = None


def test_bookview_generic_path_reads_like_the_payload() -> None:
    payload = example_payload("huaian", "VBA")
    view = BookView(Book(payload))
    assert view._payload is None  # not the remote fast path
    assert read_view(view).instance == read_payload(example_payload("huaian", "VBA")).instance


@pytest.mark.parametrize("which", ["huaian", "beigou"])
def test_validate_on_a_desktop_book(which: str) -> None:
    payload = example_payload(which, "VBA")
    version = "2021" if which == "huaian" else "2019"
    inp = layout(version).inputs["s3.new_received.natural_person"]
    set_cell(payload, inp.sheet, inp.a1, get_cell(payload, inp.sheet, inp.a1) + 1)
    book = Book(payload)
    outcome = scripts.validate_book(book)
    results = book.sheets[fs.RESULTS_SHEET]
    assert book.active is results and book.selection == (fs.RESULTS_SHEET, (1, 1))
    assert results.values[(fs.STATUS_ROW + 1, 1)] == outcome.message
    assert outcome.message.startswith("校验未通过")
    assert book.sheets[inp.sheet].fills[_rc(inp.a1)] == fs.ERROR_FILL
    assert book.app.alerts and book.app.alerts[0][0] == "校验结果"
    # Run again on the same book: same sheet, marks recomputed.
    scripts.validate_book(book)
    assert [s.name for s in book.sheets].count(fs.RESULTS_SHEET) == 1


def test_fill_zeros_on_a_desktop_book() -> None:
    payload = example_payload("huaian", "VBA")
    inp = layout("2021").inputs["s4.review.upheld"]
    set_cell(payload, inp.sheet, inp.a1, None)
    book = Book(payload)
    assert scripts.fill_zeros_book(book).filled == 1
    assert book.sheets[inp.sheet].values[_rc(inp.a1)] == 0
    assert book.app.alerts == [("空白填0", "已在 1 个空白的数字单元格中填入 0。请再点“校验”核对。")]

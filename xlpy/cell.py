"""A workbook cell as a value (sheet, coordinate): the one parser and formatter of "表三!D7" references."""

from __future__ import annotations

import re
from dataclasses import dataclass

# What a clerk may type around a reference in the 说明 sheet: quotes, $ anchors, spaces, a full-width ！.
_NOISE = re.compile(r"[\s$\"“”‘’]")
_A1 = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")


@dataclass(frozen=True, slots=True, order=True)
class Cell:
    """One cell of the clerk's workbook. `str(cell)` is the form findings and JSON show: 表三!D7."""

    sheet: str
    coordinate: str  # "D7", upper case, no $

    @classmethod
    def at(cls, sheet: str, row: int, col: int) -> Cell:
        """The cell at a 1-based row and column."""
        return cls(sheet, f"{column_letter(col)}{row}")

    @classmethod
    def parse(cls, text: str | None, *, sheet: str | None = None) -> Cell | None:
        """ "表三!D7", "'一、总体情况'!C9", "表三！$D$7" → Cell; "D7" only with a default `sheet`; else None."""
        if not text:
            return None
        text = str(text).strip().replace("！", "!")
        if "!" in text:
            name, _, coordinate = text.rpartition("!")
            name = name.strip()
            if len(name) >= 2 and name[0] == name[-1] == "'":
                name = name[1:-1].replace("''", "'")
        elif sheet is not None:
            name, coordinate = sheet, text
        else:
            return None
        coordinate = _NOISE.sub("", coordinate).upper()
        if not name or _A1.fullmatch(coordinate) is None:
            return None
        return cls(name, coordinate)

    @property
    def row(self) -> int:
        match = _A1.fullmatch(self.coordinate)
        assert match is not None  # parse() and at() only build valid coordinates
        return int(match.group(2))

    @property
    def col(self) -> int:
        match = _A1.fullmatch(self.coordinate)
        assert match is not None
        n = 0
        for ch in match.group(1):
            n = n * 26 + ord(ch) - 64
        return n

    @property
    def quoted(self) -> str:
        """As Excel writes it inside a formula or link: '表三'!D7 (always quoted: safe for 、（） and spaces)."""
        return f"{quote_sheet(self.sheet)}!{self.coordinate}"

    def __str__(self) -> str:
        return f"{self.sheet}!{self.coordinate}"


def quote_sheet(sheet: str) -> str:
    """A sheet name quoted the way Excel quotes it in a reference."""
    return "'" + sheet.replace("'", "''") + "'"


def column_letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def format_cell(sheet: str, row: int, col: int) -> str:
    """表三!D7 for a 1-based row and column."""
    return str(Cell.at(sheet, row, col))

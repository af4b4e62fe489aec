"""An xlwings Book seen as the reader's WorkbookView (sheet names, values from A1, defined names)."""

from __future__ import annotations

from typing import Any


class BookView:
    """Adapts an `xw.Book` on any engine (remote, Lite, desktop) to `xlpy.reader.WorkbookView`.

    On the remote engine (and in xlwings Lite) the book carries the client's payload as a dict; the
    values are read straight from it — the same data the converters would give, without their
    per-cell cost. Elsewhere the public xlwings API is used.
    """

    def __init__(self, book: Any) -> None:
        self.book = book
        self.name = str(book.name)
        api = getattr(book, "api", None)
        self._payload: dict[str, Any] | None = api if isinstance(api, dict) and "sheets" in api else None
        self._names: dict[str, tuple[str, str]] | None = None

    @property
    def cache_key(self) -> str:
        """Identifies the defined names, so the reader locates a template's fields once per process."""
        return repr(sorted(self.names().items()))

    def sheet_names(self) -> list[str]:
        if self._payload is not None:
            return [s["name"] for s in self._payload["sheets"]]
        return [s.name for s in self.book.sheets]

    def values(self, sheet: str, max_row: int | None = None) -> list[list[Any]]:
        """Cell values from A1 to the end of the used range (at most `max_row` rows); blanks as None."""
        if self._payload is not None:
            for s in self._payload["sheets"]:
                if s["name"] == sheet:
                    rows = (s.get("values") or [])[:max_row]
                    return [[None if v == "" else v for v in row] for row in rows]
            raise KeyError(sheet)
        ws = self.book.sheets[sheet]
        last = ws.used_range.last_cell
        if last.row == 1 and last.column == 1 and ws.range("A1").value is None:
            return []
        rows = min(last.row, max_row) if max_row else last.row
        rng = ws.range((1, 1), (rows, last.column))
        return [list(r) for r in rng.options(ndim=2, err_to_str=True).value]

    def names(self) -> dict[str, tuple[str, str]]:
        """Workbook-scoped defined names that refer to one range: name -> (sheet, "D7")."""
        if self._names is None:
            self._names = self._read_names()
        return self._names

    def _read_names(self) -> dict[str, tuple[str, str]]:
        if self._payload is not None:
            sheets = self._payload["sheets"]
            out = {}
            for n in self._payload.get("names") or []:
                if n.get("book_scope", True) and n.get("sheet_index") is not None and n.get("address"):
                    out[n["name"]] = (sheets[n["sheet_index"]]["name"], n["address"].replace("$", ""))
            return out
        out = {}
        for n in self.book.names:
            if "!" in n.name:  # sheet-scoped
                continue
            try:
                rng = n.refers_to_range
            except Exception:  # noqa: BLE001, S112  (COM/AppleScript errors vary: a constant or formula name)
                continue
            out[n.name] = (rng.sheet.name, rng.get_address(False, False))
        return out

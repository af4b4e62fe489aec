"""Which xlwings remote-protocol actions each Excel client replays — scripts must emit nothing else."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# VBA client (RunServerPython): every action is `Application.Run action("func")`, so the set is the
# Subs taking (wb As Workbook, action As Dictionary) in xlwings/addin/Remote.bas (xlwings 0.37.8).
# Microsoft Office Scripts (xlwings/js/xlwings.ts, its registerCallback list) replays the same 37.
VBA = frozenset(
    {
        "setValues",
        "rangeClearContents",
        "rangeClearFormats",
        "rangeClear",
        "addSheet",
        "setSheetName",
        "setAutofit",
        "setRangeColor",
        "activateSheet",
        "addHyperlink",
        "setNumberFormat",
        "setPictureName",
        "setPictureHeight",
        "setPictureWidth",
        "deletePicture",
        "addPicture",
        "updatePicture",
        "alert",
        "setRangeName",
        "namesAdd",
        "nameDelete",
        "runMacro",
        "rangeDelete",
        "rangeInsert",
        "rangeSelect",
        "addTable",
        "setTableName",
        "resizeTable",
        "showAutofilterTable",
        "showHeadersTable",
        "showTotalsTable",
        "setTableStyle",
        "copyRange",
        "sheetDelete",
        "sheetClear",
        "sheetClearContents",
        "sheetClearFormats",
    }
)

# Office.js: xlwings' own Office.js client is not in the PyPI wheel; the client Excel runs for xlpy is
# our task pane (workbook/addin/taskpane.js, its `ACTIONS` table). Kept equal to that table by a test.
OFFICE_JS = frozenset(
    {
        "setValues",
        "rangeClear",
        "rangeClearContents",
        "rangeClearFormats",
        "setRangeColor",
        "addSheet",
        "setSheetName",
        "activateSheet",
        "rangeSelect",
        "addHyperlink",
        "setNumberFormat",
        "setAutofit",
        "alert",
        "sheetClear",
        "sheetClearContents",
        "sheetClearFormats",
        "sheetDelete",
    }
)

CLIENTS: dict[str, frozenset[str]] = {
    "VBA": VBA,
    "Microsoft Office Scripts": VBA,
    "Office.js": OFFICE_JS,
}

# What xlpy's scripts emit: the portable subset every client above replays.
PORTABLE = VBA & OFFICE_JS


def emitted(actions: Iterable[dict[str, Any]]) -> set[str]:
    """The action names in a `book.json()["actions"]` list."""
    return {a["func"] for a in actions}


def unsupported(actions: Iterable[dict[str, Any]], client: str) -> set[str]:
    """Actions the client would not replay (empty when all is well)."""
    return emitted(actions) - CLIENTS.get(client, PORTABLE)


def vba_subs(remote_bas: str | Path) -> set[str]:
    """Action handlers declared in a Remote.bas: `Sub name(wb As Workbook, action As Dictionary)`."""
    text = Path(remote_bas).read_text(encoding="utf-8", errors="replace")
    return set(re.findall(r"^Sub (\w+)\(wb As Workbook, action As Dictionary\)", text, re.MULTILINE))


def taskpane_actions(taskpane_js: str | Path) -> set[str]:
    """Action handlers in our task pane's `var ACTIONS = { name: function (state, a) {…}, … }` table."""
    text = Path(taskpane_js).read_text(encoding="utf-8")
    start = text.index("var ACTIONS = {")
    end = text.index("\n  };", start)
    return set(re.findall(r"^ {4}(\w+)\s*[:(]", text[start:end], re.MULTILINE))

"""The replay sets of each Excel client, derived from the clients' own sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlpy.excel import actions

ADDIN = Path(__file__).resolve().parents[1] / "workbook" / "addin"


def test_vba_set_is_what_remote_bas_defines() -> None:
    xlwings = pytest.importorskip("xlwings")
    remote_bas = Path(xlwings.__file__).parent / "addin" / "Remote.bas"
    assert actions.vba_subs(remote_bas) == actions.VBA
    assert len(actions.VBA) == 37


def test_office_scripts_client_replays_the_same_set() -> None:
    xlwings = pytest.importorskip("xlwings")
    import re

    ts = (Path(xlwings.__file__).parent / "js" / "xlwings.ts").read_text(encoding="utf-8")
    assert set(re.findall(r"^registerCallback\((\w+)\);", ts, re.MULTILINE)) == actions.VBA


def test_office_js_set_is_what_our_task_pane_replays() -> None:
    assert actions.taskpane_actions(ADDIN / "taskpane.js") == actions.OFFICE_JS


def test_portable_subset_covers_what_the_scripts_need() -> None:
    needed = {
        "setValues",
        "setRangeColor",
        "addHyperlink",
        "addSheet",
        "sheetClear",
        "activateSheet",
        "rangeSelect",
        "setAutofit",
        "alert",
    }
    assert needed <= actions.PORTABLE


def test_unsupported_names_the_missing_actions() -> None:
    emitted = [{"func": "setValues"}, {"func": "addNote"}, {"func": "setFontProperty"}]
    assert actions.unsupported(emitted, "VBA") == {"addNote", "setFontProperty"}
    assert actions.unsupported(emitted, "Office.js") == {"addNote", "setFontProperty"}

"""Test helpers: workbooks with raw cell values, zip surgery for error cells and damaged files."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from xlpy.layout import layout
from xlpy.workbook import build_workbook


def workbook_with(data: dict[str, Any], path: Path, raw: dict[str, Any]) -> Path:
    """Save the workbook for `data`, with each path in `raw` set to a raw cell value as a clerk would type it."""
    wb = build_workbook(data["meta"]["year"] if isinstance(data["meta"].get("year"), int) else 2024, data=data)
    lay = layout(data["format_version"])
    for p, value in raw.items():
        inp = lay.inputs[p]
        cell = wb[inp.sheet].cell(inp.row, inp.col)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"
    wb.save(path)
    return path


def set_error_cell(src: Path, dst: Path, sheet_index: int, a1: str, error: str) -> Path:
    """Copy a workbook, replacing one cell by a cached formula error (openpyxl cannot write those)."""
    zin = zipfile.ZipFile(src)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == f"xl/worksheets/sheet{sheet_index}.xml":
                cell = f'<c r="{a1}" t="e"><f>1/0</f><v>{error}</v></c>'
                data = re.sub(rf'<c r="{a1}"[^>]*?(?:/>|>.*?</c>)', cell, data.decode(), count=1).encode()
            zout.writestr(info.filename, data)
    dst.write_bytes(out.getvalue())
    return dst


def sheet_index(version: str, sheet: str) -> int:
    """openpyxl writes sheets as xl/worksheets/sheet<n>.xml in workbook order."""
    return layout(version).sheet_names.index(sheet) + 1

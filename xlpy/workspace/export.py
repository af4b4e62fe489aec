"""汇总.xlsx / 汇总.csv of a region: one row per agency (status, counts, indicators), formula injection neutralised."""

from __future__ import annotations

import csv
import io
from typing import Any

from xlpy.formula_text import neutralise

_COLUMNS = [
    ("id", "机构编号"),
    ("name", "机构全称"),
    ("org_type", "机关类型"),
    ("parent_id", "上级机构编号"),
    ("status_label", "状态"),
    ("submitted_at", "最后提交时间"),
    ("submitted_by", "提交人"),
    ("errors", "错误"),
    ("warnings", "待说明的警告"),
    ("accepted", "已驳回的警告"),
    ("confirmed", "已确认的警告"),
    ("deadline", "发布期限"),
]


def records(dashboard: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """(header, rows) of the summary; indicator cells are percentages with one decimal, or 样本不足."""
    from xlpy.workspace.indicators import LEVEL_ZH, SMALL

    specs = dashboard["indicator_specs"]
    header = [title for _, title in _COLUMNS] + [s["label"] for s in specs] + [f"{s['label']}排名" for s in specs]
    rows = []
    for a in dashboard["agencies"]:
        row: list[Any] = [a.get(key) if a.get(key) is not None else "" for key, _ in _COLUMNS]
        ranks = []
        for s in specs:
            ind = a["indicators"].get(s["id"]) or {}
            if ind.get("level") == SMALL:
                row.append(LEVEL_ZH[SMALL])
            else:
                row.append(round(100 * ind["value"], 1) if ind.get("value") is not None else "")
            ranks.append(f"{ind['rank']}/{ind['of']}" if "rank" in ind else "")
        rows.append([neutralise(v) for v in row + ranks])
    return header, rows


def to_csv(dashboard: dict[str, Any]) -> bytes:
    """UTF-8 with a BOM, so Excel and WPS open the Chinese correctly."""
    header, rows = records(dashboard)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(dashboard: dict[str, Any]) -> bytes:
    """One sheet 汇总 with a header row, filters and frozen panes; text cells are stored as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    header, rows = records(dashboard)
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for record in rows:
        ws.append(record)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would store "=…" as a formula; neutralised text stays text
    ws.column_dimensions["B"].width = 36
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

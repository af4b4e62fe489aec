"""A batch's summary for the supervisor: summary.csv and summary.xlsx, one row per workbook, streamed."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from xlpy.batch_rows import STATUS_ZH, Row
from xlpy.formula_text import neutralise

COUNT_KEYS = ("errors", "warnings", "explained", "hints")  # blank, not 0, for a file that was not checked
# Summary columns: key → Chinese header (the supervisor reads the Chinese).
COLUMNS = [
    ("file", "文件"),
    ("agency", "机关名称"),
    ("year", "年度"),
    ("version", "格式版本"),
    ("errors", "错误"),
    ("warnings", "警告"),
    ("explained", "已说明"),
    ("hints", "提示"),
    ("status", "状态"),
    ("top_findings", "主要问题"),
    ("last_year_file", "上年度文件"),
    ("note", "备注"),
]
Progress = Callable[[Any], None]
PROGRESS_EVERY = 100  # rows between progress calls while a summary is written
STATUS_FILLS = {
    "通过": "C6EFCE",
    "有问题": "FFEB9C",
    "校验未完成": "FFC7CE",
    "无法使用": "FFC7CE",
    "处理失败": "FFC7CE",
}
WIDTHS = {"file": 40, "agency": 28, "top_findings": 80, "last_year_file": 30, "note": 40}


def summary_records(rows: Iterable[Row]) -> Iterator[list[Any]]:
    keys = [key for key, _ in COLUMNS]
    for r in rows:
        values = {key: getattr(r, key) for key in keys}  # not asdict(): it deep-copies every row
        values["status"] = STATUS_ZH.get(r.status, r.status)
        if r.status in ("unusable", "failed"):
            values.update(dict.fromkeys(COUNT_KEYS))  # not checked: no counts, rather than a clean-looking 0
        yield [neutralise(values[key]) if values[key] is not None else "" for key in keys]


def write_summary(rows: Iterable[Row], outdir: Path, progress: Progress | None = None) -> None:
    """summary.csv and summary.xlsx, rows streamed (one pass each, linear in the number of files)."""
    write_csv(rows, outdir / "summary.csv", progress)
    write_xlsx(rows, outdir / "summary.xlsx", progress)


def write_csv(rows: Iterable[Row], path: Path, progress: Progress | None = None) -> None:
    """summary.csv in UTF-8 with a BOM, so Excel and WPS open the Chinese correctly."""
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow([title for _, title in COLUMNS])
        for n, record in enumerate(summary_records(rows), 1):
            writer.writerow(record)
            if progress and n % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY)
    if progress and n % PROGRESS_EVERY:
        progress(n % PROGRESS_EVERY)


def write_xlsx(rows: Iterable[Row], path: Path, progress: Progress | None = None) -> None:
    """summary.xlsx: one sheet 汇总 with a bold header (repeated in print), filters, frozen header, A4 landscape.

    Streamed by xlpy.sheet_stream. Every value is text or a number as given: neutralise() already made
    formula-like text start with ', so nothing in a clerk's workbook can become a formula here.
    """
    from xlpy.sheet_stream import write_sheet

    write_sheet(
        path,
        "汇总",
        [title for _, title in COLUMNS],
        summary_records(rows),
        widths=[WIDTHS.get(key, 10) for key, _ in COLUMNS],
        fills=STATUS_FILLS,
        fill_column=[k for k, _ in COLUMNS].index("status"),
        progress=progress,
        every=PROGRESS_EVERY,
    )

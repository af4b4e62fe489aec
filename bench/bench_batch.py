"""Batch at the supervisor's scale: 100 / 1,000 / 10,000 workbooks — throughput, summary time, peak memory.

Each file is a copy of one of 20 example variants (both format versions, clean and failing) with its
own 机关名称, so no two files are the same agency. Baselines in the same run: a plain openpyxl
load-and-read loop (what validating costs at the least), the summary writer before issue 17 (normal-mode
openpyxl, one `ws.max_row` scan per appended row) and csv.writer alone (the floor of any summary).
Peak memory is the whole process tree's resident set (parent + workers), sampled from /proc.
"""

from __future__ import annotations

import argparse
import copy
import io
import os
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from _common import example_bytes, example_data, headline, process_tree, table, verdict

ORG_DIGITS = "000000"  # the variable part of each variant's 机关名称, replaced per copy


def variants() -> list[dict[str, bytes]]:
    """20 distinct workbooks as {member: bytes}, each agency named 测试单位{k}-000000号."""
    out = []
    for i in range(20):
        name = "huaian-2024" if i % 2 else "beigou-2020"
        data = copy.deepcopy(example_data(name))
        data["meta"]["org_name"] = f"测试单位{i:02d}-{ORG_DIGITS}号"
        if i % 4 == 3:
            data["s3"]["new_received"]["total"] += i  # a failing one
        with zipfile.ZipFile(io.BytesIO(example_bytes(name, data))) as zf:
            out.append({n: zf.read(n) for n in zf.namelist()})
    return out


def generate(folder: Path, count: int, distinct: list[dict[str, bytes]]) -> list[Path]:
    """`count` workbooks, each a variant whose 机关名称 carries the file's own number."""
    paths = []
    for n in range(count):
        members = distinct[n % len(distinct)]
        path = folder / f"单位{n:05d}.xlsx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for member, body in members.items():
                if member == "xl/worksheets/sheet1.xml":  # 基本信息: the agency name (digits stay ASCII)
                    body = body.replace(ORG_DIGITS.encode(), f"{n:06d}".encode(), 1)
                zf.writestr(member, body)
        paths.append(path)
    return paths


class TreeMemory:
    """Peak resident memory of this process and all its descendants, sampled every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, tree_rss(os.getpid()))


def tree_rss(root: int) -> int:
    """Resident memory of `root` and its descendants."""
    total = 0
    for pid in process_tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except (OSError, ValueError):
            continue
    return total


def legacy_write_xlsx(rows: Iterable[Any], path: Path) -> None:
    """The summary.xlsx writer before issue 17 (kept here as the baseline): normal-mode openpyxl."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from xlpy.batch_summary import COLUMNS, summary_records

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append([title for _, title in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    fills = {"通过": "C6EFCE", "有问题": "FFEB9C", "无法使用": "FFC7CE", "处理失败": "FFC7CE"}
    status_col = [k for k, _ in COLUMNS].index("status") + 1
    for record in summary_records(rows):
        ws.append(record)
        row = ws.max_row
        for cell in ws[row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
        colour = fills.get(str(ws.cell(row, status_col).value))
        if colour:
            ws.cell(row, status_col).fill = PatternFill("solid", fgColor=colour)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    wb.save(path)


def csv_only(rows: Iterable[Any], path: Path) -> None:
    import csv

    from xlpy.batch_summary import summary_records

    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(summary_records(rows))


def openpyxl_loop(paths: list[Path]) -> float:
    """Seconds for a plain `load_workbook` + read every value loop (one process)."""
    from openpyxl import load_workbook

    t = time.perf_counter()
    for p in paths:
        wb = load_workbook(p, data_only=True)
        for ws in wb.worksheets:
            for _ in ws.iter_rows(values_only=True):
                pass
    return time.perf_counter() - t


def timed(fn: Any, *args: Any) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated numbers of files")
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--openpyxl-sample", type=int, default=200, help="files read by the openpyxl loop")
    parser.add_argument("--legacy-max", type=int, default=1000, help="largest size the old summary writer runs at")
    args = parser.parse_args()
    from xlpy import batch, batch_rollup, batch_summary, batch_worker

    jobs = args.jobs or os.cpu_count() or 1
    sizes = [int(s) for s in args.sizes.split(",")]
    distinct = variants()
    results = []
    tmp = Path(tempfile.mkdtemp(prefix="xlpy-bench-batch-"))
    try:
        inbox = tmp / "in"
        inbox.mkdir()
        paths = generate(inbox, max(sizes), distinct)
        loop = openpyxl_loop(paths[: args.openpyxl_sample])
        loop_rate = min(args.openpyxl_sample, len(paths)) / loop
        alone = per_file(paths[: args.openpyxl_sample], tmp / "alone")
        for size in sizes:
            out = tmp / f"out-{size}"
            options = batch_worker.Options(outdir=out)
            with TreeMemory() as memory:
                t = time.perf_counter()
                rows = batch.run_batch(paths[:size], options, jobs=jobs)
                validate_s = time.perf_counter() - t
                t = time.perf_counter()
                batch_summary.write_summary(rows, out)
                summary_s = time.perf_counter() - t
                t = time.perf_counter()
                batch_rollup.write(rows, out, duplicates=rows.duplicates)  # 汇总-<年度> and indicators (issue 12)
                rollup_s = time.perf_counter() - t
            floor_s = timed(csv_only, rows, out / "floor.csv")
            legacy_s = timed(legacy_write_xlsx, rows, out / "legacy.xlsx") if size <= args.legacy_max else None
            new_xlsx_s = timed(batch_summary.write_xlsx, rows, out / "again.xlsx")
            statuses = dict(rows.counts)
            rows.close()
            results.append(
                (size, validate_s, summary_s, rollup_s, new_xlsx_s, legacy_s, floor_s, memory.peak, statuses)
            )
            shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    lines = []
    for size, validate_s, summary_s, rollup_s, new_xlsx_s, legacy_s, floor_s, peak, _ in results:
        total = validate_s + summary_s
        rate = size / total
        legacy = f"{legacy_s:.2f} s ({legacy_s / new_xlsx_s:.0f}× slower)" if legacy_s else "—"
        at_target = size >= 10000
        lines.append(
            (
                f"{size:,}",
                f"{size / validate_s:.0f} wb/s",
                f"{rate:.0f} wb/s" + (f" (≥ 250 {verdict(rate >= 250)})" if at_target else ""),
                f"{summary_s:.2f} s" + (f" (≤ 5 s {verdict(summary_s <= 5)})" if at_target else ""),
                f"{rollup_s:.2f} s",
                f"{new_xlsx_s * 1000 / size:.2f} ms",
                legacy,
                f"{floor_s:.2f} s",
                f"{peak / 2**20:.0f} MB" + (f" (≤ 300 {verdict(peak <= 300 * 2**20)})" if at_target else ""),
            )
        )
    table(
        f"Batch scaling ({jobs} processes on {os.cpu_count()} CPUs; openpyxl load loop {loop_rate:.0f} wb/s in 1 process)",
        lines,
        (
            "files",
            "validate",
            "end to end",
            "summary csv+xlsx",
            "汇总+indicators",
            "xlsx per row",
            "old xlsx writer",
            "csv.writer floor",
            "peak RSS (tree)",
        ),
    )
    print(f"\nstatuses at {results[-1][0]:,}: {results[-1][-1]}")
    ideal = jobs / alone["check"]
    table(
        "Batch: per file, one process (baseline of the rates above)",
        [
            (
                "read + validate (xlpy.verdict.check)",
                f"{alone['check'] * 1000:.2f} ms",
                f"{jobs} processes → {ideal:.0f} wb/s at most",
            ),
            (
                "batch_worker.process_one (+ roll-up figures, findings JSON written)",
                f"{alone['process'] * 1000:.2f} ms",
                f"+{(alone['process'] - alone['check']) * 1000:.2f} ms a file",
            ),
        ],
        ("step", "per file", "what follows"),
    )
    size, validate_s, summary_s, _, _, _, _, peak, _ = results[-1]
    rate = size / (validate_s + summary_s)
    headline(
        f"batch end to end, {size:,} workbooks, {jobs} processes",
        f"{rate:.0f} wb/s",
        f"read + validate alone {alone['check'] * 1000:.2f} ms a file → {ideal:.0f} wb/s at most on {jobs}",
        f"≥ 250 wb/s {verdict(rate >= 250)}",
    )
    headline(
        f"batch summary.csv + summary.xlsx, {size:,} rows", f"{summary_s:.2f} s", "", f"≤ 5 s {verdict(summary_s <= 5)}"
    )
    headline(
        f"batch peak RSS of the process tree, {size:,} workbooks",
        f"{peak / 2**20:.0f} MB",
        "",
        f"≤ 300 MB {verdict(peak <= 300 * 2**20)}",
    )


def per_file(paths: list[Path], outdir: Path) -> dict[str, float]:
    """Median seconds per file in this one process, in turns: read + validate alone, then all batch does per file."""
    import statistics

    from xlpy import batch_worker
    from xlpy.config import Config
    from xlpy.verdict import check

    options = batch_worker.Options(outdir=outdir)
    (outdir / "findings").mkdir(parents=True, exist_ok=True)
    batch_worker.init_worker(options)
    for p in paths[:5]:
        batch_worker.process_one(p, p.stem, options)
    checked, processed = [], []
    for p in paths:
        t = time.perf_counter()
        check(p, config=Config())
        checked.append(time.perf_counter() - t)
        t = time.perf_counter()
        batch_worker.process_one(p, p.stem, options)
        processed.append(time.perf_counter() - t)
    shutil.rmtree(outdir, ignore_errors=True)
    return {"check": statistics.median(checked), "process": statistics.median(processed)}


if __name__ == "__main__":
    main()

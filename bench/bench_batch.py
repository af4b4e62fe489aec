"""Batch throughput over 1,000 generated workbooks vs a plain openpyxl read loop over the same files."""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import tempfile
import time
from pathlib import Path

from _common import example_bytes, example_data, table, verdict


def generate(folder: Path, count: int) -> list[Path]:
    """`count` workbooks: 20 distinct ones (both versions, clean and failing) copied under agency-like names."""
    distinct = []
    for i in range(20):
        name = "huaian-2024" if i % 2 else "beigou-2020"
        data = copy.deepcopy(example_data(name))
        data["meta"]["org_name"] = f"第{i}号单位"
        if i % 4 == 3:
            data["s3"]["new_received"]["total"] += i  # a failing one
        distinct.append(example_bytes(name, data))
    paths = []
    for n in range(count):
        path = folder / f"单位{n:04d}.xlsx"
        path.write_bytes(distinct[n % len(distinct)])
        paths.append(path)
    return paths


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--openpyxl-sample", type=int, default=200, help="files read by the openpyxl loop (0 = all)")
    parser.add_argument("--jobs", type=int, default=0)
    args = parser.parse_args()
    from xlpy import batch

    jobs = args.jobs or os.cpu_count() or 1
    tmp = Path(tempfile.mkdtemp(prefix="xlpy-bench-batch-"))
    try:
        paths = generate(tmp / "in", args.count) if (tmp / "in").mkdir() is None else []
        options = batch.Options(outdir=tmp / "out")
        t = time.perf_counter()
        rows = batch.run_batch(paths, options, jobs=jobs)
        elapsed = time.perf_counter() - t
        t = time.perf_counter()
        batch.write_csv(rows, tmp / "out" / "summary.csv")
        batch.write_xlsx(rows, tmp / "out" / "summary.xlsx")
        summary_s = time.perf_counter() - t
        sample = paths[: args.openpyxl_sample] if args.openpyxl_sample else paths
        loop = openpyxl_loop(sample)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rate = len(paths) / elapsed
    loop_rate = len(sample) / loop
    statuses = {s: sum(1 for r in rows if r.status == s) for s in batch.STATUS_ZH}
    table(
        f"Batch ({len(paths)} workbooks, {jobs} processes, on {os.cpu_count()} CPUs)",
        [
            (
                "xlpy batch (validate + findings JSON)",
                f"{elapsed:.2f} s",
                f"{rate:.0f} wb/s",
                f"≥ 200 wb/s {verdict(rate >= 200)}",
            ),
            ("summary.csv + summary.xlsx", f"{summary_s:.2f} s", "", ""),
            (
                f"openpyxl load + read loop ({len(sample)} files, 1 process)",
                f"{loop:.2f} s",
                f"{loop_rate:.0f} wb/s",
                "",
            ),
            ("ratio batch / openpyxl loop", "", f"{rate / loop_rate:.1f}×", f"≥ 10× {verdict(rate >= 10 * loop_rate)}"),
        ],
        ("what", "time", "throughput", "target"),
    )
    print(f"\nstatuses: {statuses}")


if __name__ == "__main__":
    main()

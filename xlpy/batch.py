"""Batch validation for supervisors: many workbooks checked in parallel, each finished row spooled as it comes.

The pieces: xlpy.batch_inputs (which files, their output names, last year's matches), xlpy.batch_worker
(one workbook in a worker process), xlpy.batch_rows (the rows, their spool, the exit code),
xlpy.batch_summary (summary.csv/xlsx) and xlpy.batch_rollup (汇总 and 指标).

Exit codes (the verdict's, xlpy.verdict): 0 every file may go to a final report; 1 at least one file
has blocking findings; 2 at least one file is unusable (its last-year file included), its check is
incomplete (a rule crashed), or it could not be processed (or no workbook was found).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from xlpy.batch_inputs import output_stems
from xlpy.batch_rows import SPOOL_NAME, Row, RowSpool
from xlpy.batch_worker import Options, init_worker, process_chunk, process_one


def run_batch(
    paths: list[Path], options: Options, *, jobs: int = 0, progress: Callable[[Row], None] | None = None
) -> RowSpool:
    """Process every path (in parallel when jobs > 1), calling `progress` per finished file.

    Rows go to a spool file under the output directory as they finish, so memory stays flat however
    many files there are; the returned spool reads them back in input order (close() removes it).
    """
    (options.outdir / "findings").mkdir(parents=True, exist_ok=True)
    if options.formats:
        (options.outdir / "reports").mkdir(parents=True, exist_ok=True)
    stems = output_stems(paths)
    items = [(str(p), stems[p]) for p in paths]
    jobs = jobs or os.cpu_count() or 1
    spool = RowSpool(options.outdir / SPOOL_NAME, [p for p, _ in items])

    def done(row: Row) -> None:
        spool.add(row)
        if progress:
            progress(row)

    if jobs == 1 or len(items) <= 4:  # starting worker processes costs more than a few files
        init_worker(options)
        for path, stem in items:
            done(process_one(Path(path), stem, options))
    else:
        # Chunks amortise inter-process overhead; small enough that progress still moves smoothly.
        size = max(1, min(32, len(items) // (jobs * 8) or 1))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        with ProcessPoolExecutor(max_workers=jobs, initializer=init_worker, initargs=(options,)) as pool:
            futures = {pool.submit(process_chunk, chunk): chunk for chunk in chunks}
            for future in as_completed(futures):
                # Dropped once written: a finished future keeps its rows (each with its roll-up vector),
                # and 10,000 of them held to the end cost ~100 MB and a garbage collector that rescans
                # them all, slowing every later file (105 wb/s at 1,000 files, 64 at 10,000).
                chunk = futures.pop(future)
                try:
                    results = [Row(**r) for r in future.result()]
                except Exception as exc:  # noqa: BLE001 — a worker died (e.g. killed by the OS): its files are rows too
                    results = [Row(file=p, status="failed", note=f"处理失败（工作进程异常：{exc}）") for p, _ in chunk]
                del future
                for row in results:
                    done(row)
    spool.finish()
    return spool

"""The worker hand-off alone: one upload in, one answer out, through the server's worker pipes vs ProcessPoolExecutor.

The job is a no-op that returns an answer the size of a validation JSON, so what is timed is only the
hand-off (pickling, the pipe or queues, waking the event loop). Baseline in the same run, in turns:
concurrent.futures.ProcessPoolExecutor on the same forkserver (what the server used before). Also the
CPU the event-loop process spends per job (its management thread included), from time.process_time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

from _common import example_bytes, headline, ms, table

from xlpy.server.workers import WorkerPool

ANSWER_BYTES = 20_000  # about the JSON body of /api/validate for the example


def answer(upload: bytes) -> bytes:
    """The stand-in job: touch the upload, return a validation-sized body."""
    return bytes([upload[0] if upload else 0]) * ANSWER_BYTES


async def through_pool(pool: WorkerPool, upload: bytes) -> bytes:
    worker = await pool.acquire(30)
    assert worker is not None
    result: bytes = await pool.run(worker, answer, upload)
    return result


async def measure(upload: bytes, repeat: int) -> dict[str, tuple[list[float], list[float]]]:
    import multiprocessing

    from xlpy.server.limits import warm_worker

    loop = asyncio.get_running_loop()
    multiprocessing.set_forkserver_preload(["xlpy.server.preload"])
    executor = ProcessPoolExecutor(
        max_workers=1, initializer=warm_worker, mp_context=multiprocessing.get_context("forkserver")
    )
    pool = WorkerPool(1, 0)
    pool.start()
    runs = {
        "ProcessPoolExecutor": lambda: loop.run_in_executor(executor, answer, upload),
        "worker pipe": lambda: through_pool(pool, upload),
    }
    out: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in runs}
    try:
        for i in range(repeat + 10):
            for key, run in runs.items():
                wall, cpu = time.perf_counter(), time.process_time()
                assert len(await run()) == ANSWER_BYTES
                if i >= 10:  # warm-up turns left out
                    out[key][0].append(time.perf_counter() - wall)
                    out[key][1].append(time.process_time() - cpu)
    finally:
        executor.shutdown()
        pool.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--example", default="huaian-2024")
    args = parser.parse_args()
    upload = example_bytes(args.example)
    results = asyncio.run(measure(upload, args.repeat))
    rows: list[tuple[str, ...]] = []
    for key, (wall, cpu) in results.items():
        rows.append((key, ms(statistics.median(wall)), ms(min(wall)), ms(sum(cpu) / len(cpu))))
    table(
        f"worker hand-off of one job ({len(upload) // 1024} KB upload in, {ANSWER_BYTES // 1000} KB answer out), in turns",
        rows,
        ("hand-off", "round trip p50", "fastest", "server-process CPU per job"),
    )
    old = statistics.median(results["ProcessPoolExecutor"][0])
    new = statistics.median(results["worker pipe"][0])
    headline(
        "HTTP worker hand-off round trip (worker pipe vs ProcessPoolExecutor, in turns)",
        ms(new),
        f"ProcessPoolExecutor {ms(old)} ({new / old:.2f} ×)",
        f"inside the ≤ 2 ms per-request overhead {'ok' if new <= 0.002 else 'MISSED'}",
    )


if __name__ == "__main__":
    main()

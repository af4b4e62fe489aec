"""Shared bench helpers: example workbooks, timing, and the table printer."""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "workbook" / "examples"
sys.path.insert(0, str(ROOT))


def example_data(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def example_bytes(name: str, data: dict[str, Any] | None = None) -> bytes:
    """The committed example workbook, or one built from its JSON (or from `data`)."""
    path = EXAMPLES / f"{name}.xlsx"
    if data is None and path.exists():
        return path.read_bytes()
    from xlpy.workbook import build_workbook

    data = data or example_data(name)
    out = io.BytesIO()
    build_workbook(data["meta"]["year"], data=data).save(out)
    return out.getvalue()


def timeit(fn: Callable[[], Any], *, repeat: int = 50, warmup: int = 5) -> float:
    """Median wall time of one call, in seconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def timeit_together(fns: dict[str, Callable[[], Any]], *, repeat: int = 50, warmup: int = 3) -> dict[str, list[float]]:
    """Wall times of each function (seconds, `repeat` each), measured in turns (a, b, c, a, b, c …).

    On a shared machine a burst of load then slows the baseline and the measured step alike, so
    their ratio holds even when the absolute times do not; the fastest turn is the nearest to a quiet run.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for key, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - t)
    return times


RECORD = "XLPY_BENCH_RECORD"  # bench/readme_table.py sets it: headline figures go to that file as JSON lines


def headline(what: str, figure: str, baseline: str, target: str) -> None:
    """One row of README's performance table (what, figure, baseline / ratio, target and verdict).

    Printed as a line too, so a plain run shows it; bench/readme_table.py collects the rows of every
    bench and prints the table.
    """
    print(f"headline: {what} | {figure} | {baseline} | {target}")
    path = os.environ.get(RECORD)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            row = {"what": what, "figure": figure, "baseline": baseline, "target": target}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def process_tree(root: int) -> list[int]:
    """`root` and its descendants, found through /proc/PID/task/TID/children (processes gone meanwhile left out).

    Not a scan of every process in /proc: on a machine running many processes that scan, every
    50 ms in a thread holding the GIL, slowed the summary bench_batch was measuring.
    """
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        if pid in found:
            continue
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                frontier.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
        found.append(pid)
    return found


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def table(title: str, rows: list[tuple[str, ...]], header: tuple[str, ...]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n## {title}\n")
    print("| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=False)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)) + " |")


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"

"""Shared bench helpers: example workbooks, timing, and the table printer."""

from __future__ import annotations

import io
import json
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

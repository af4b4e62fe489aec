"""Warm per-report render timings (Markdown+HTML, DOCX) against json.dumps of the same instance."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xlpy.render import render

EXAMPLES = {"beigou-2020 (2019)": "beigou-2020.json", "huaian-2024 (2021)": "huaian-2024.json"}
TARGETS_MS = {"md+html": 5.0, "docx": 60.0}


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time in ms over `repeat` warm calls (the first call, which compiles, is discarded)."""
    fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main(repeat: int = 50) -> int:
    rows = []
    for label, name in EXAMPLES.items():
        inst = json.loads((ROOT / "workbook" / "examples" / name).read_text(encoding="utf-8"))
        base = timed(lambda inst=inst: json.dumps(inst, ensure_ascii=False, indent=1), repeat)
        text = timed(lambda inst=inst: render(inst, ("md", "html")), repeat)
        word = timed(lambda inst=inst: render(inst, ("docx",)), repeat)
        rows.append((label, base, text, word))
    print(f"{'report':<22}{'json.dumps ms':>14}{'md+html ms':>12}{'×base':>8}{'docx ms':>10}{'×base':>8}")
    ok = True
    for label, base, text, word in rows:
        print(f"{label:<22}{base:>14.3f}{text:>12.2f}{text / base:>8.0f}{word:>10.2f}{word / base:>8.0f}")
        ok = ok and text <= TARGETS_MS["md+html"] and word <= TARGETS_MS["docx"]
    print(
        f"targets: md+html ≤ {TARGETS_MS['md+html']:g} ms, docx ≤ {TARGETS_MS['docx']:g} ms — {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))

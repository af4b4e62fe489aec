"""Per-report render timings: warm Markdown+HTML and DOCX against json.dumps; PDF cold and warm, one-shot vs converter."""

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
TARGETS_MS = {"md+html": 5.0, "docx": 15.0}
# Issue 13: PDF of 淮安 ≤ 3 s for a process's first conversion, ≤ 1.5 s with a warm LibreOffice.
PDF_TARGETS_S = {"cold": 3.0, "warm": 1.5}


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median wall and process-CPU time in ms over `repeat` warm calls (the first call, which compiles,
    is discarded). On a loaded machine the wall time includes waiting for a core; the CPU time less so."""
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main(repeat: int = 50, with_pdf: bool = True) -> int:
    rows = []
    for label, name in EXAMPLES.items():
        inst = json.loads((ROOT / "workbook" / "examples" / name).read_text(encoding="utf-8"))
        base = timed(lambda inst=inst: json.dumps(inst, ensure_ascii=False, indent=1), repeat)
        text = timed(lambda inst=inst: render(inst, ("md", "html")), repeat)
        word = timed(lambda inst=inst: render(inst, ("docx",)), repeat)
        rows.append((label, base, text, word))
    print(f"{'report':<22}{'json.dumps ms':>14}{'md+html ms':>12}{'×base':>8}{'docx ms':>10}{'×base':>8}  (wall; cpu)")
    ok = True
    for label, base, text, word in rows:
        for kind, i in (("wall", 0), ("cpu", 1)):
            print(
                f"{label + ' ' + kind:<22}{base[i]:>14.3f}{text[i]:>12.2f}{text[i] / base[i]:>8.0f}"
                f"{word[i]:>10.2f}{word[i] / base[i]:>8.0f}"
            )
        ok = ok and text[0] <= TARGETS_MS["md+html"] and word[0] <= TARGETS_MS["docx"]
    print(
        f"targets (wall): md+html ≤ {TARGETS_MS['md+html']:g} ms, docx ≤ {TARGETS_MS['docx']:g} ms — "
        f"{'met' if ok else 'MISSED'}"
    )
    return 0 if (not with_pdf or pdf()) and ok else 1


def pdf(repeat: int = 3) -> bool:
    """DOCX → PDF of 淮安, two ways in the same run: the one-shot `soffice --convert-to` (a fresh LibreOffice
    and profile per report: the fallback without python3-uno) as the baseline, then the warm converter
    (render/converter.py: one LibreOffice per process). "cold" is a process's first conversion (the warm
    converter starts LibreOffice for it), "warm" the median of the next ones. The child CPU time beside
    the wall time shows how much of the wall time is waiting on a loaded machine."""
    import resource

    from xlpy.render import converter
    from xlpy.render.pdf import child_env, find_soffice, for_libreoffice, one_shot

    exe = find_soffice()
    if exe is None:
        print("pdf: LibreOffice not installed — skipped (make pdf-deps)")
        return True
    inst = json.loads((ROOT / "workbook" / "examples" / "huaian-2024.json").read_text(encoding="utf-8"))
    docx = for_libreoffice(render(inst, ("docx",))["docx"])
    warm = converter.Converter(exe, child_env())

    def runs(convert: Callable[[], bytes]) -> tuple[tuple[float, float], tuple[float, float]]:
        out = []
        for _ in range(1 + repeat):
            cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            convert()
            wall = time.perf_counter() - t0
            cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            out.append((wall, (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)))
        rest = out[1:]
        return out[0], (statistics.median(w for w, _ in rest), statistics.median(c for _, c in rest))

    try:
        base = runs(lambda: one_shot(docx, exe))
        try:
            kept = runs(lambda: warm.convert(docx, 60.0))
        except converter.Unavailable:
            print("pdf: no python3-uno — the warm converter is unavailable, one-shot only")
            kept = base
    finally:
        warm.shutdown()
    # The warm worker's own CPU is the child's only once it exits: its figure is the wall time's share.
    print(f"{'pdf (huaian-2024)':<22}{'wall s':>10}{'child cpu s':>13}{'×one-shot':>11}")
    for label, (b, k) in (("cold", (base[0], kept[0])), ("warm (median)", (base[1], kept[1]))):
        print(f"{'  one-shot ' + label:<22}{b[0]:>10.2f}{b[1]:>13.2f}{1:>11.2f}")
        print(f"{'  converter ' + label:<22}{k[0]:>10.2f}{'':>13}{k[0] / b[0]:>11.2f}")
    print(f"converter: {warm.starts} LibreOffice start(s) for {1 + repeat} conversions")
    ok = kept[0][0] <= PDF_TARGETS_S["cold"] and kept[1][0] <= PDF_TARGETS_S["warm"]
    print(
        f"targets: pdf cold ≤ {PDF_TARGETS_S['cold']:g} s, warm ≤ {PDF_TARGETS_S['warm']:g} s — "
        f"{'met' if ok else 'MISSED'}"
    )
    return ok


if __name__ == "__main__":
    # bench_render.py [REPEAT] [--no-pdf]
    args = [a for a in sys.argv[1:] if a != "--no-pdf"]
    sys.exit(main(int(args[0]) if args else 50, with_pdf="--no-pdf" not in sys.argv))

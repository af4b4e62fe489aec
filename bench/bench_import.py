"""Import timings of the dev corpus (../shared/examples/published) per file, and a batch of published HTML files.

Baseline in the same run: reading the file's bytes and decoding them (what any importer pays). Targets (issue 11):
each PDF ≤ 1 s, each HTML/text ≤ 100 ms on one core; a batch of published HTML files ≥ 50 files/s on 2 cores.
"""

from __future__ import annotations

import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import table, verdict

from tests.import_scoring import published_dir
from xlpy.importing import import_bytes

TARGET_S = {".pdf": 1.0, ".html": 0.1, ".txt": 0.1, ".md": 0.1}
BATCH_FILES = 1000
BATCH_TARGET = 50.0  # files per second on 2 cores


def _median(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm: imports, caches of the label patterns
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def _one(args: tuple[bytes, str]) -> int:
    data, name = args
    return len(import_bytes(data, name).record.fields)


def main() -> int:
    corpus = published_dir()
    if corpus is None:
        print("bench_import: ../shared/examples/published/ is absent; nothing to measure")
        return 0
    rows = []
    ok = True
    for path in sorted(p for p in corpus.iterdir() if p.suffix in TARGET_S and p.stem != "README"):
        data = path.read_bytes()
        repeat = 3 if path.suffix == ".pdf" else 20
        base = _median(lambda data=data: data.decode("utf-8", "replace"), repeat)
        took = _median(lambda data=data, name=path.name: import_bytes(data, name), repeat)
        met = took <= TARGET_S[path.suffix]
        ok &= met
        rows.append(
            (
                path.name,
                f"{len(data) // 1024} KB",
                f"{base * 1000:.2f} ms",
                f"{took * 1000:.1f} ms",
                f"≤ {TARGET_S[path.suffix] * 1000:.0f} ms",
                verdict(met),
            )
        )
    table(
        "import of the dev corpus (warm, median, one core)",
        rows,
        ("file", "size", "read+decode", "import", "target", ""),
    )
    page = corpus / "pingtan-shiyanqu-2025.html"
    jobs = [(page.read_bytes(), f"{i:04d}.html") for i in range(BATCH_FILES)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_one, jobs[:4]))  # start and warm both workers
        t0 = time.perf_counter()
        done = sum(1 for _ in pool.map(_one, jobs, chunksize=25))
        took = time.perf_counter() - t0
    rate = done / took
    ok &= rate >= BATCH_TARGET
    table(
        "batch of published HTML pages (2 processes)",
        [
            (
                f"{done} × {page.name}",
                f"{took:.1f} s",
                f"{rate:.0f} files/s",
                f"≥ {BATCH_TARGET:.0f} files/s",
                verdict(rate >= BATCH_TARGET),
            )
        ],
        ("files", "wall time", "rate", "target", ""),
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""The bounds one workbook is held to before any parser runs (sizes, ratios, members, sheet cells)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds for one workbook; a deployment may tighten them (HTTP) or loosen them (batch on trusted files)."""

    max_file_bytes: int = 20 * 1024 * 1024  # a report workbook is ~30 KB
    # Sized by bench/bench_worst.py: the sheet scan and calamine cost ~0.2 s per MB of sheet XML.
    max_uncompressed: int = 32 * 1024 * 1024  # sum of member sizes after inflation (a report: ~400 KB)
    max_part_bytes: int = 8 * 1024 * 1024  # one member after inflation (the largest, 表三, is ~210 KB)
    max_ratio: int = 200  # per member larger than ratio_floor: uncompressed / compressed
    ratio_floor: int = 1024 * 1024
    max_members: int = 5000
    # calamine allocates the whole rectangle from the first to the farthest cell of a sheet (32 bytes a
    # cell) before it hands back one value: a single cell at XFD1048576 asks for 512 GiB and aborts the
    # process. 30 M cells (~1 GB) still admits a template with a stray entry in row 1048576.
    max_sheet_cells: int = 30_000_000


DEFAULT_LIMITS = Limits()


def megabytes(n: int) -> str:
    """A size for a message: whole MB from 10 MB up, one decimal below."""
    return f"{n / 1024 / 1024:.0f}" if n >= 10 * 1024 * 1024 else f"{n / 1024 / 1024:.1f}"

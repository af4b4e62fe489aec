"""Validate warm vs a bare calamine read, render times, and CLI cold start vs `import openpyxl`."""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import ROOT, example_bytes, headline, ms, table, timeit, timeit_together, verdict

EXAMPLES = ("beigou-2020", "huaian-2024")


def bare_calamine(data: bytes) -> None:
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()


class _Replay:
    """A workbook view that hands back grids read before: read_view's own work, without calamine."""

    def __init__(self, view: Any) -> None:
        self.name, self.cache_key, self._view = view.name, view.cache_key, view
        self.grids: dict[tuple[str, int], list[list[Any]]] = {}

    def sheet_names(self) -> list[str]:
        return self._view.sheet_names()

    def names(self) -> dict[str, tuple[str, str]]:
        return self._view.names()

    def values(self, sheet: str, max_row: int) -> list[list[Any]]:
        key = (sheet, max_row)
        if key not in self.grids:
            self.grids[key] = self._view.values(sheet, max_row)
        return self.grids[key]


def steps(name: str, data: bytes) -> dict[str, Any]:
    """read_workbook taken apart: each step on its own, in the order the reader runs them."""
    from xlpy import reader, safety, sheet_scan, zip_member
    from xlpy.package import WORKBOOK, Package
    from xlpy.views import CalamineView, names_from_xml

    zf = safety.check_zip(data, name)
    infos = [i for i in zf.infolist() if not i.is_dir()]
    sheets = [(i.filename, zip_member.inflate(data, i, name)) for i in infos if sheet_scan.is_sheet_part(i.filename)]
    pkg = Package(data, name)
    pkg.verify(reader._KEEP)
    xml = pkg.read(WORKBOOK).decode("utf-8")
    replay = _Replay(CalamineView(data, name, names_from_xml(xml), pkg))
    replay.cache_key = xml
    reader.read_view(replay)
    reads = list(replay.grids)

    def calamine() -> None:
        view = CalamineView(data, name, names_from_xml(xml), pkg)
        for sheet, max_row in reads:
            view.values(sheet, max_row)

    return {
        "zip directory (central directory, sizes, ratios)": lambda: safety.check_zip(data, name),
        "bounded inflate + CRC of every part": lambda: [zip_member.inflate(data, i, name) for i in infos],
        "sheet extent proof (every sheet part)": lambda: [sheet_scan.sheet_extent(t, name, p) for p, t in sheets],
        "calamine: open + the template's sheets": calamine,
        "assembly (locate, coerce, nest)": lambda: reader.read_view(replay),
    }


def warm() -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    from xlpy.config import Config
    from xlpy.reader import read_workbook
    from xlpy.render import render
    from xlpy.validate import validate

    rows, parts = [], []
    for name in EXAMPLES:
        data = example_bytes(name)
        fns = {
            "bare": lambda data=data: bare_calamine(data),
            "read": lambda data=data, name=name: read_workbook(data, name=name),
            "validate": lambda data=data, name=name: validate(read_workbook(data, name=name), config=Config()),
            **steps(name, data),
        }
        turns = timeit_together(fns, repeat=100)  # in turns: a load burst slows the baseline as much as the reader
        got = {k: statistics.median(v) for k, v in turns.items()}
        best = {k: min(v) for k, v in turns.items()}
        base, read, full = got["bare"], got["read"], got["validate"]
        instance = read_workbook(data, name=name).instance
        text = timeit(lambda instance=instance: render(instance, ["md", "html"], draft=True), repeat=20)
        docx = timeit(lambda instance=instance: render(instance, ["docx"], draft=True), repeat=10)
        rows += [
            (name, "bare calamine read (all sheets)", ms(base), "1.0×", ms(best["bare"]), ""),
            (
                name,
                "read_workbook",
                ms(read),
                f"{read / base:.2f}×",
                f"{ms(best['read'])} = {best['read'] / best['bare']:.2f}×",
                f"≤ 1.5× {verdict(read <= 1.5 * base)}",
            ),
            (
                name,
                "validate (read + schema + rules)",
                ms(full),
                f"{full / base:.2f}×",
                f"{ms(best['validate'])} = {best['validate'] / best['bare']:.2f}×",
                f"≤ 2× {verdict(full <= 2 * base)}",
            ),
            (name, "render md + html", ms(text), "", "", f"≤ 5 ms {verdict(text <= 0.005)}"),
            (name, "render docx", ms(docx), "", "", f"≤ 60 ms {verdict(docx <= 0.060)}"),
        ]
        for step in fns:
            if step not in ("bare", "read", "validate"):
                parts.append((name, step, ms(got[step]), f"{got[step] / base:.2f}×"))
        parts.append(
            (
                name,
                "sum of the steps / read_workbook",
                ms(sum(got[k] for k in fns if k not in ("bare", "read", "validate"))),
                ms(read),
            )
        )
        headline(
            f"read_workbook, {name}",
            ms(read),
            f"bare calamine {ms(base)} → {read / base:.2f}× (fastest turns {best['read'] / best['bare']:.2f}×)",
            f"≤ 1.5× {verdict(read <= 1.5 * base)}",
        )
        headline(
            f"validate warm (read + schema + rules), {name}",
            ms(full),
            f"bare calamine {ms(base)} → {full / base:.2f}× (fastest turns {best['validate'] / best['bare']:.2f}×)",
            f"≤ 2× {verdict(full <= 2 * base)}",
        )
    return rows, parts


def cold(runs: int = 10) -> list[tuple[str, ...]]:
    """Median of `runs` fresh interpreters each; the example file is on disk as a clerk would have it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "huaian-2024.xlsx"
        path.write_bytes(example_bytes("huaian-2024"))
        # Bytecode caching as on a clerk's machine (this sandbox sets PYTHONDONTWRITEBYTECODE, which
        # would recompile every module on every start).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        commands = {
            'python -c "import openpyxl"': [sys.executable, "-c", "import openpyxl"],
            "xlpy validate FILE": [sys.executable, "-m", "xlpy", "validate", str(path)],
            "xlpy validate FILE --format json": [
                sys.executable,
                "-m",
                "xlpy",
                "validate",
                str(path),
                "--format",
                "json",
            ],
        }
        times = {}
        for label, cmd in commands.items():
            subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=False)  # warm the OS cache and .pyc files
            times[label] = timeit(
                lambda cmd=cmd: subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=False),
                repeat=runs,
                warmup=1,
            )
    base = times['python -c "import openpyxl"']
    return [
        (
            label,
            ms(t),
            f"{t / base:.2f}×",
            f"≤ 1.5× {verdict(t <= 1.5 * base)}" if label != 'python -c "import openpyxl"' else "",
        )
        for label, t in times.items()
    ]


def main() -> None:
    rows, parts = warm()
    table(
        "Validate (warm, 100 turns with the baseline: median, and the fastest turn, nearest a quiet run)",
        rows,
        ("example", "step", "median", "× calamine", "fastest turn", "target"),
    )
    table(
        "Reader: where the time goes (each step alone, same turns)", parts, ("example", "step", "median", "× calamine")
    )
    table("CLI cold start (median of 10 runs)", cold(), ("command", "median", "× import openpyxl", "target"))


if __name__ == "__main__":
    main()

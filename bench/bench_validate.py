"""Validate warm vs a bare calamine read, render times, and CLI cold start vs `import openpyxl`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, example_bytes, ms, table, timeit, verdict

EXAMPLES = ("beigou-2020", "huaian-2024")


def bare_calamine(data: bytes) -> None:
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()


def warm() -> list[tuple[str, ...]]:
    from xlpy.config import Config
    from xlpy.reader import read_workbook
    from xlpy.render import render
    from xlpy.validate import validate

    rows = []
    for name in EXAMPLES:
        data = example_bytes(name)
        base = timeit(lambda data=data: bare_calamine(data))
        read = timeit(lambda data=data, name=name: read_workbook(data, name=name))
        full = timeit(lambda data=data, name=name: validate(read_workbook(data, name=name), config=Config()))
        instance = read_workbook(data, name=name).instance
        text = timeit(lambda instance=instance: render(instance, ["md", "html"], draft=True), repeat=20)
        docx = timeit(lambda instance=instance: render(instance, ["docx"], draft=True), repeat=10)
        rows += [
            (name, "bare calamine read (all sheets)", ms(base), "1.0×", ""),
            (name, "read_workbook", ms(read), f"{read / base:.1f}×", ""),
            (
                name,
                "validate (read + schema + rules)",
                ms(full),
                f"{full / base:.1f}×",
                f"≤ 5× {verdict(full <= 5 * base)}",
            ),
            (name, "render md + html", ms(text), "", f"≤ 5 ms {verdict(text <= 0.005)}"),
            (name, "render docx", ms(docx), "", f"≤ 60 ms {verdict(docx <= 0.060)}"),
        ]
    return rows


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
    table("Validate (warm, median of 50)", warm(), ("example", "step", "median", "× calamine", "target"))
    table("CLI cold start (median of 10 runs)", cold(), ("command", "median", "× import openpyxl", "target"))


if __name__ == "__main__":
    main()

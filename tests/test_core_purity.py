"""Pure core, thin adapters: reading, validation and rendering work with xlwings, FastAPI and uvicorn absent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "workbook" / "examples" / "huaian-2024.xlsx"

SCRIPT = """
import os, sys
for blocked in ("xlwings", "fastapi", "starlette", "uvicorn", "rich"):
    sys.modules[blocked] = None  # any import of these now raises ImportError
from xlpy.config import Config
from xlpy.reader import read_workbook
from xlpy.validate import validate
from xlpy.verdict import check
from xlpy.render import render
from xlpy.workbook import build_workbook
from xlpy.annotate import annotate_bytes
os.environ["XLPY_CONFIG"] = "/nonexistent/xlpy.toml"  # the core must not look: it would fail to load
data = read_workbook(sys.argv[1])
report = validate(data, config=Config())
verdict = check(sys.argv[1], config=Config())
out = verdict.render(("md", "html", "docx", "json"))
build_workbook(2024)
annotate_bytes(open(sys.argv[1], "rb").read(), verdict, name="x.xlsx")
print(verdict.exit_code, report.final_ok, sorted(out))
"""


def test_core_runs_without_adapter_libraries() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(EXAMPLE)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0 True ['docx', 'html', 'json', 'md']"

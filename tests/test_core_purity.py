"""Pure core, thin adapters: reading, validation and rendering work with xlwings, FastAPI and uvicorn absent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "workbook" / "examples" / "huaian-2024.xlsx"

SCRIPT = """
import sys
for blocked in ("xlwings", "fastapi", "starlette", "uvicorn", "rich"):
    sys.modules[blocked] = None  # any import of these now raises ImportError
from xlpy.reader import read_workbook
from xlpy.validate import validate
from xlpy.render import render
from xlpy.workbook import build_workbook
from xlpy.annotate import annotate_bytes
data = read_workbook(sys.argv[1])
report = validate(data)
out = render(data.instance, ("md", "html", "docx", "json"))
build_workbook(2024)
annotate_bytes(open(sys.argv[1], "rb").read(), report, name="x.xlsx")
print(report.exit_code, sorted(out))
"""


def test_core_runs_without_adapter_libraries() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(EXAMPLE)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0 ['docx', 'html', 'json', 'md']"

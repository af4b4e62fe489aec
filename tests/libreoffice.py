"""LibreOffice for tests: convert a workbook to PDF, or type into cells as a clerk would (through UNO).

LibreOffice stands in for WPS here. Each call uses its own user profile so parallel runs do not collide.
Without LibreOffice the tests skip locally but fail in CI (CI installs it: Makefile DEB_PACKAGES).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from xlpy.render import lo_pipes

SOFFICE = shutil.which("soffice")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's python3-uno belongs to the system interpreter
UNO_SCRIPT = Path(__file__).resolve().parent / "tools" / "uno_type.py"


def need_libreoffice(*, uno: bool = False) -> None:
    missing = SOFFICE is None
    if uno and not missing:
        probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True)
        missing = probe.returncode != 0
    if missing:
        reason = "needs LibreOffice (apt-get install libreoffice-calc-nogui python3-uno)"
        if os.environ.get("CI"):
            pytest.fail(reason + " — CI must have it")
        pytest.skip(reason)


def to_pdf(workbook: Path, outdir: Path) -> Path:
    """The workbook printed to PDF by LibreOffice (every sheet, with its page setup)."""
    return convert(workbook, "pdf", outdir)


def convert(workbook: Path, fmt: str, outdir: Path, spec: str | None = None) -> Path:
    """The workbook saved by LibreOffice as `fmt` (pdf, xls, ods …) into `outdir`; `spec` is a full filter spec."""
    need_libreoffice()
    with tempfile.TemporaryDirectory(prefix="xlpy-lo-") as profile:
        office = subprocess.Popen(
            [
                str(SOFFICE),
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                spec or fmt,
                "--outdir",
                str(outdir),
                str(workbook),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the wrapper starts soffice.bin: a timeout kills the whole group
        )
        try:
            output, _ = office.communicate(timeout=180)
        finally:
            if office.poll() is None:
                os.killpg(office.pid, signal.SIGKILL)
                office.wait()
                lo_pipes.remove(f"file://{profile}")  # killed, LibreOffice leaves its pipe file in /tmp
        assert office.returncode == 0, output.decode(errors="replace")
    out = outdir / f"{workbook.stem}.{fmt}"
    assert out.is_file(), f"LibreOffice wrote no {out.name}"
    return out


def type_and_print(workbook: Path, pdf: Path, edits: list[tuple[str, str, str]]) -> Path:
    """Open `workbook` in LibreOffice, type each (sheet, cell, text) as the clerk would, print to `pdf`."""
    need_libreoffice(uno=True)
    subprocess.run(
        [SYSTEM_PYTHON, str(UNO_SCRIPT), str(workbook), str(pdf), json.dumps(edits, ensure_ascii=False)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return pdf


def pdf_pages(pdf: Path) -> list[tuple[str, bool]]:
    """Each page's text (whitespace removed) and whether it is landscape."""
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        return [(re.sub(r"\s+", "", p.extract_text() or ""), p.width > p.height) for p in doc.pages]


def shows(page_text: str, text: str, slack: int = 80) -> bool:
    """Whether every character of `text` is printed, in order, from where it starts on the page.

    Labels of neighbouring cells interleave with a wrapped paragraph in the extracted text, so the
    paragraph is matched as a subsequence within a window only a little longer than itself.
    """
    want = re.sub(r"\s+", "", text)
    start = page_text.find(want[:8])
    while start >= 0:
        i = 0
        for ch in page_text[start : start + len(want) + slack]:
            if i < len(want) and ch == want[i]:
                i += 1
        if i == len(want):
            return True
        start = page_text.find(want[:8], start + 1)
    return False

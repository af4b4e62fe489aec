"""Worst cases the limits admit (and just beyond), through every command: wall time and peak RSS, or the refusal.

Generated from the 淮安 2024 example: a million rows in an extra sheet and in 表三 (refused by the
per-part budget) and the largest admitted versions of both, the largest admitted sharedStrings part,
and 32,767-character text in every text field. Each command runs as `python -m xlpy …` in a fresh
process; its peak RSS comes from wait4. The target is 2 s and 300 MB per command, or a refusal
(exit code 2 with a Chinese message). Run: `python bench/bench_worst.py [--quick]`.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from _common import ROOT, example_bytes, example_data, table

from xlpy.zip_limits import DEFAULT_LIMITS

TARGET_S, TARGET_MB = 2.0, 300
TABLE3 = "xl/worksheets/sheet4.xml"
BUDGET = DEFAULT_LIMITS.max_part_bytes - 64 * 1024  # "largest admitted": just under the per-part budget


def _rewrite(src: bytes, changes: dict[str, bytes], extra_sheet: bytes | None = None) -> bytes:
    """The workbook with parts replaced/added; `extra_sheet` becomes a sheet named 数据 at the end."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = changes.get(info.filename, zin.read(info.filename))
            if extra_sheet is not None and info.filename == "xl/workbook.xml":
                body = body.replace(
                    b"</sheets>", b'<sheet name="\xe6\x95\xb0\xe6\x8d\xae" sheetId="99" r:id="rIdX"/></sheets>'
                )
                if b"xmlns:r=" not in body.split(b">", 1)[0]:
                    body = body.replace(b'<sheet name="\xe6\x95\xb0', b'<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" name="\xe6\x95\xb0', 1)  # fmt: skip
            if extra_sheet is not None and info.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                    b'worksheet" Target="worksheets/extra.xml"/></Relationships>',
                )
            if extra_sheet is not None and info.filename == "[Content_Types].xml":
                body = body.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/worksheets/extra.xml" ContentType="application/vnd.openxmlformats-'
                    b'officedocument.spreadsheetml.worksheet+xml"/></Types>',
                )
            zout.writestr(info, body)
        for name, body in changes.items():
            if name not in zin.namelist():
                zout.writestr(name, body)
        if extra_sheet is not None:
            zout.writestr("xl/worksheets/extra.xml", extra_sheet)
    return out.getvalue()


def _rows(first: int, count: int) -> bytes:
    return b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i * 7919 % 100003) for i in range(first, first + count)
    )


def _rows_for(size: int, first: int) -> int:
    return size // len(_rows(first + 500_000, 1))


def extra_sheet(rows: int) -> bytes:
    head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    return _rewrite(example_bytes("huaian-2024"), {}, head + _rows(1, rows) + b"</sheetData></worksheet>")


def table3(rows: int) -> bytes:
    src = example_bytes("huaian-2024")
    xml = zipfile.ZipFile(io.BytesIO(src)).read(TABLE3)
    cut = xml.index(b"</sheetData>")
    return _rewrite(src, {TABLE3: xml[:cut] + _rows(1000, rows) + xml[cut:]})


def shared_strings(size: int) -> bytes:
    """A sharedStrings part of about `size` bytes of distinct strings (calamine loads it whole)."""
    src = example_bytes("huaian-2024")
    items, total, i = [], 0, 0
    while total < size - 200:
        item = b"<si><t>\xe4\xbf\xa1\xe6\x81\xaf\xe5\x85\xac\xe5\xbc\x80 %d %d</t></si>" % (i, i * 7919 % 1000003)
        items.append(item)
        total += len(item)
        i += 1
    part = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (i, i)
        + b"".join(items)
        + b"</sst>"
    )
    with zipfile.ZipFile(io.BytesIO(src)) as zf:
        rels = zf.read("xl/_rels/workbook.xml.rels").replace(
            b"</Relationships>",
            b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        types = zf.read("[Content_Types].xml").replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            b'spreadsheetml.sharedStrings+xml"/></Types>',
        )
    return _rewrite(
        src, {"xl/sharedStrings.xml": part, "xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": types}
    )


def long_text() -> bytes:
    """32,767 characters (Excel's cell maximum) in every text field of the report."""
    from xlpy import schema

    data = example_data("huaian-2024")
    text = ("本机关坚持以公开为常态、不公开为例外，推进政府信息公开。" * 1200)[:32767]
    for path, field in schema.fields(data["format_version"]).items():
        if field.kind == schema.TEXT and path.startswith("text.") and path.count(".") == 1:
            data["text"][path.split(".")[1]] = text
    return example_bytes("huaian-2024", data)


def run(argv: list[str]) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB, exit code, first line of stderr) of `python -m xlpy argv…`."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with tempfile.NamedTemporaryFile("r", suffix=".hwm") as hwm:
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", _PEAK, hwm.name, *argv], capture_output=True, env=env, cwd=ROOT, check=False
        )
        seconds = time.perf_counter() - start
        peak = int(hwm.read() or 0) / 1024
    err = proc.stderr.decode("utf-8", "replace").strip()
    return seconds, peak, proc.returncode, err.splitlines()[0] if err else ""


# The child's own high-water mark (VmHWM, reset by exec): wait4's ru_maxrss would count the pages the
# child inherited from this process (the generated workbook) before it exec'd.
_PEAK = """
import atexit, runpy, sys
out = sys.argv.pop(1)
def peak():
    with open("/proc/self/status") as f, open(out, "w") as o:
        o.write(next(line for line in f if line.startswith("VmHWM")).split()[1])
atexit.register(peak)
sys.argv[0] = "xlpy"
runpy.run_module("xlpy", run_name="__main__", alter_sys=True)
"""


def commands(path: Path, out: Path) -> dict[str, list[str]]:
    return {
        "validate": ["validate", str(path)],
        "export": ["export", str(path), "-o", str(out / "x.json")],
        "render --draft": ["render", str(path), "-o", str(out / "r"), "--draft", "--to", "md,html,docx"],
        "annotate": ["annotate", str(path), "-o", str(out / "a.xlsx"), "--force"],
        "fill-zeros": ["fill-zeros", str(path), "-o", str(out / "z.xlsx"), "--force"],
    }


def main() -> None:
    quick = "--quick" in sys.argv
    first = 1000
    cases = {
        "example (baseline)": lambda: example_bytes("huaian-2024"),
        "extra sheet, 1,000,000 rows": lambda: extra_sheet(1_000_000),
        "extra sheet, largest admitted": lambda: extra_sheet(_rows_for(BUDGET - 200, first)),
        "表三, 1,000,000 rows": lambda: table3(1_000_000),
        "表三, largest admitted": lambda: table3(_rows_for(BUDGET - 220_000, first)),
        "sharedStrings, largest admitted": lambda: shared_strings(BUDGET),
        "32,767 characters in every text field": long_text,
    }
    if quick:
        cases = dict(list(cases.items())[:3])
    base_s, base_mb, _, _ = run(["--version"])
    rows = [
        ("baseline: xlpy --version (interpreter start)", "", "", f"{base_s:.2f} s", f"{base_mb:.0f} MB", "0", "", "")
    ]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for label, make in cases.items():
            path = out / "case.xlsx"
            path.write_bytes(make())
            size = f"{path.stat().st_size / 1024 / 1024:.1f} MB"
            for name, argv in commands(path, out).items():
                seconds, mb, code, err = run(argv)
                refused = code == 2
                ok = refused or (seconds <= TARGET_S and mb <= TARGET_MB)
                within = "refused" if refused else ("yes" if ok else "NO")
                why = re.sub(r"^xlpy：", "", err)[:60] if refused else ""
                rows.append((label, size, name, f"{seconds:.2f} s", f"{mb:.0f} MB", str(code), within, why))
                if refused and seconds > TARGET_S:
                    rows[-1] = (*rows[-1][:6], "NO (slow refusal)", why)
    table(
        f"Worst cases, each command in a fresh process (target ≤ {TARGET_S:g} s and ≤ {TARGET_MB} MB, or refused)",
        rows,
        ("case", "file", "command", "time", "peak RSS", "exit", "within target", "refusal"),
    )
    print(json.dumps({"limits": {k: getattr(DEFAULT_LIMITS, k) for k in DEFAULT_LIMITS.__slots__}}, ensure_ascii=False))


if __name__ == "__main__":
    main()

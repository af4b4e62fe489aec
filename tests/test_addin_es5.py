"""Every script the server serves to Excel parses as ECMAScript 5 (acorn from npm), and the manifest
requires exactly the API sets the code declares: Office 2016/2019 run add-ins in IE11, Excel 2016 has ExcelApi 1.1."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"
ADDIN = ROOT / "workbook" / "addin"
WPS = ROOT / "workbook" / "wps"
NODE = shutil.which("node")
if NODE is None or not (TOOLS / "node_modules" / "acorn").is_dir():
    REASON = "node or acorn missing: run `make test-deps` (npm ci in tools/)"
    if os.environ.get("CI"):
        pytest.fail(REASON + " — CI must have it", pytrace=False)
    pytest.skip(REASON, allow_module_level=True)

pytest.importorskip("xlwings")
from xlpy.server import wps_routes, xlwings_routes  # noqa: E402


def es5(*files: Path) -> list[dict[str, object]]:
    out = subprocess.run(
        [NODE, str(TOOLS / "es5check.js"), *map(str, files)], capture_output=True, text=True, check=True, timeout=60
    )
    return [json.loads(line) for line in out.stdout.splitlines()]


def served_scripts() -> list[Path]:
    """The scripts of the served add-in folders (Office.js and WPS): listed for serving, and every local
    <script src> of their pages."""
    folders = ((ADDIN, xlwings_routes.STATIC), (WPS, wps_routes.STATIC))
    # Both folders are served by one server (/addin/, /wps/): a page may load the other's script
    # (the WPS page loads ../addin/xlpy_request.js), so what a page loads is looked up among all of them.
    listed = [
        (folder / name).resolve()
        for folder, static in folders
        for name, media in static.items()
        if "javascript" in media
    ]
    for folder, static in folders:
        for page in (name for name in static if name.endswith(".html")):
            for src in re.findall(r'<script src="([^"]+)"', (folder / page).read_text(encoding="utf-8")):
                if not src.startswith("https://"):
                    assert (folder / page).parent.joinpath(src).resolve() in listed, (
                        f"{page} loads {src}, which is not served"
                    )
    return listed


def test_every_served_script_is_es5() -> None:
    scripts = served_scripts()
    assert {p.name for p in scripts} >= {
        "taskpane.js",
        "outcome.js",
        "main.js",
        "xlpy_et.js",
        "ribbon.js",
        "xlpy_request.js",
    }
    results = es5(*scripts)
    assert [r for r in results if not r["ok"]] == []
    assert len(results) == len(scripts)


def test_the_check_rejects_later_syntax(tmp_path: Path) -> None:
    # The same parser call refuses what IE11 refuses (the old pane had each of these).
    samples = {
        "arrow": "var f = (a) => a;",
        "async": "async function f() { await g(); }",
        "let": "let x = 1;",
        "template": "var s = `x${1}`;",
        "shorthand": "var o = { f(a) { return a; } };",
        "class": "class A {}",
    }
    files = []
    for name, code in samples.items():
        (tmp_path / f"{name}.js").write_text(code, encoding="utf-8")
        files.append(tmp_path / f"{name}.js")
    assert [r["ok"] for r in es5(*files)] == [False] * len(samples)


def test_no_inline_scripts_in_served_pages() -> None:
    # CSP allows scripts from files only; an inline script would escape the ES5 check as well.
    for name in xlwings_routes.STATIC:
        if name.endswith(".html"):
            html = (ADDIN / name).read_text(encoding="utf-8")
            assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], name
            assert 'http-equiv="X-UA-Compatible" content="IE=edge"' in html, name


def declared_table(name: str) -> str:
    text = (ADDIN / "taskpane.js").read_text(encoding="utf-8")
    start = text.index(f"var {name} = {{")
    return text[start : text.index("};", start)]


def test_manifest_requires_exactly_what_the_code_declares() -> None:
    required = dict(re.findall(r'(\w+): "([\d.]+)"', declared_table("REQUIRED")))
    assert required == {"ExcelApi": "1.1"}
    ns = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1"}
    root = ET.fromstring(xlwings_routes.manifest_xml("https://xlpy.example.gov.cn"))
    sets = {s.get("Name"): s.get("MinVersion") for s in root.findall("o:Requirements/o:Sets/o:Set", ns)}
    assert sets == required


def test_every_feature_check_names_a_declared_optional_set() -> None:
    """supports(key) is the one way taskpane.js asks isSetSupported; each key is in OPTIONAL, newer than the
    required baseline, and every OPTIONAL entry is checked somewhere. (That the 1.1 fallbacks really run is
    shown by the browser test on a fake ExcelApi 1.1 host, whose newer APIs throw.)"""
    optional = {k: (s, v) for k, s, v in re.findall(r'(\w+): \["(\w+)", "([\d.]+)"\]', declared_table("OPTIONAL"))}
    text = (ADDIN / "taskpane.js").read_text(encoding="utf-8")
    used = set(re.findall(r'supports\("(\w+)"\)', text))
    assert used == set(optional)
    for api_set, version in optional.values():
        if api_set == "ExcelApi":
            assert tuple(map(int, version.split("."))) > (1, 1)
    # isSetSupported appears only in supports() and the baseline check, never ad hoc.
    assert len(re.findall(r"isSetSupported\(", text)) == 2

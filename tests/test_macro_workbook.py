"""`xlpy new --macros`: the .xlsm with the 按钮 sheet, its three buttons and the VBA project built on Linux.

The VBA project is checked by two readers that share no code with the builder (ms-ovba + pycfb):
oletools' olevba must extract every module with source identical to its file (xlwings' own files from
the installed, pinned package, and workbook/vba/XlpyButtons.bas); LibreOffice must open the .xlsm,
import the same modules and bind each button to its macro. No Excel runs here: whether Excel's VBA
compiles and runs the project is not verified (docs/excel.md says so).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.libreoffice import SYSTEM_PYTHON, need_libreoffice
from xlpy.cli import run

pytest.importorskip("xlwings")  # the module list names xlwings' VBA files
olevba = pytest.importorskip("oletools.olevba")
from xlpy.excel import macro_book, vba_project  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbook" / "examples" / "huaian-2024.json"
UNO_MACROS = Path(__file__).resolve().parent / "tools" / "uno_macros.py"


def xlpy(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same data as .xlsx and as .xlsm (the server cell pre-filled), made by the real command."""
    tmp = tmp_path_factory.mktemp("macros")
    out = {"xlsx": tmp / "年报.xlsx", "xlsm": tmp / "年报.xlsm"}
    assert xlpy("new", "--year", "2024", "--data", str(EXAMPLE), "-o", str(out["xlsx"]))[0] == 0
    code, stdout, err = xlpy(
        "new",
        "--year",
        "2024",
        "--data",
        str(EXAMPLE),
        "--macros",
        "--server",
        "https://nb.example.gov.cn tok",
        "-o",
        str(out["xlsm"]),
    )
    assert code == 0, err
    assert "启用内容" in stdout
    return out


def extracted(path: Path) -> dict[str, str]:
    parser = olevba.VBA_Parser(str(path))
    try:
        assert parser.detect_vba_macros()
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def test_olevba_extracts_every_module_as_its_source_file(books: dict[str, Path]) -> None:
    code = extracted(books["xlsm"])
    modules = vba_project.modules()
    assert {m.name for m in modules} | {"ThisWorkbook", "Sheet1"} == set(code)
    for module in modules:
        assert code[module.name] == vba_project.stored_source(module), module.name
    # The xlwings files are the installed package's, byte for byte (a .cls minus its file header).
    remote = next(m for m in modules if m.name == "Remote")
    assert remote.path.read_bytes().decode("latin-1") == code["Remote"]
    assert "Function RunServerPython(" in code["Remote"]


def test_the_committed_project_matches_the_sources(books: dict[str, Path]) -> None:
    # The same check on the committed vbaProject.bin itself: a changed .bas or an xlwings upgrade fails
    # here until `python -m xlpy.excel.vba_project` is run again.
    committed = vba_project.vba_dir() / "vbaProject.bin"
    with zipfile.ZipFile(books["xlsm"]) as zf:
        assert zf.read("xl/vbaProject.bin") == committed.read_bytes()
    code = extracted(committed)
    assert all(code[m.name] == vba_project.stored_source(m) for m in vba_project.modules())


def test_package_is_macro_enabled_with_three_buttons(books: dict[str, Path]) -> None:
    with zipfile.ZipFile(books["xlsm"]) as zf:
        types = zf.read("[Content_Types].xml").decode("utf-8")
        assert macro_book.XLSM_MAIN in types and macro_book.XLSX_MAIN not in types
        assert macro_book.VBA_REL in zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        vml = zf.read("xl/drawings/vmlDrawingXlpyButtons.vml").decode("utf-8")
        book = zf.read("xl/workbook.xml").decode("utf-8")
    assert re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml) == vba_project.macros()
    assert vba_project.macros() == list(macro_book.BUTTONS) == ["XlpyValidate", "XlpyGenerate", "XlpyFillZeros"]
    assert 'codeName="ThisWorkbook"' in book
    assert re.search(r'<definedName name="XLPY_SERVER">\'按钮\'!\$B\$3</definedName>', book)


def test_validate_reads_the_xlsm_exactly_as_the_xlsx(books: dict[str, Path]) -> None:
    results = {}
    for kind, path in books.items():
        code, out, err = xlpy("validate", str(path), "--format", "json")
        results[kind] = (code, json.loads(out))
    (code_x, rep_x), (code_m, rep_m) = results["xlsx"], results["xlsm"]
    assert code_x == code_m
    for rep in (rep_x, rep_m):
        rep.pop("file", None)
    assert rep_m == rep_x
    code, out, _ = xlpy("export", str(books["xlsm"]))
    assert json.loads(out) == json.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_annotate_keeps_the_vba_project(books: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "年报-校验结果.xlsm"
    code, _, err = xlpy("annotate", str(books["xlsm"]), "-o", str(out))
    assert code in (0, 1), err
    with zipfile.ZipFile(out) as zf:
        assert zf.read("xl/vbaProject.bin") == (vba_project.vba_dir() / "vbaProject.bin").read_bytes()


@pytest.mark.parametrize(
    "argv, says",
    [
        (["-o", "x.xlsm"], "请加 --macros"),
        (["--macros", "-o", "x.xlsx"], ".xlsm"),
        (["--server", "https://a", "-o", "x.xlsx"], "--macros"),
    ],
)
def test_wrong_combinations_are_told_in_chinese(argv: list[str], says: str, tmp_path: Path) -> None:
    argv = [a if not a.startswith("x.") else str(tmp_path / a) for a in argv]
    code, _, err = xlpy("new", "--year", "2024", *argv)
    assert code == 2 and says in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())


def libreoffice_view(path: Path) -> dict[str, Any]:
    need_libreoffice(uno=True)
    done = subprocess.run([SYSTEM_PYTHON, str(UNO_MACROS), str(path)], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_libreoffice_lists_the_modules_and_the_button_macros(books: dict[str, Path]) -> None:
    seen = libreoffice_view(books["xlsm"])
    modules = {name: code for lib in seen["libraries"].values() for name, code in lib.items()}
    for module in vba_project.modules():
        assert module.name in modules, sorted(modules)
        # LibreOffice keeps the VBA code (comment-prefixing the Attribute lines): every line of the file's code is there.
        body = [ln for ln in vba_project.stored_source(module).splitlines() if ln and not ln.startswith("Attribute ")]
        got = modules[module.name].splitlines()
        assert all(line in got for line in body), module.name
    buttons = [c for c in seen["controls"] if c["sheet"] == macro_book.SHEET]
    assert [b["label"] for b in buttons] == list(macro_book.BUTTONS.values())
    for button, macro in zip(buttons, macro_book.BUTTONS, strict=True):
        # LibreOffice resolved the button's [0]!Macro to the module that defines it.
        codes = [e["code"] for e in button["events"] if e["method"] == "actionPerformed"]
        assert codes == [f"vnd.sun.star.script:VBAProject.XlpyButtons.{macro}?language=Basic&location=document"]


def test_server_offers_the_macro_workbook_with_its_own_address(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from xlpy.server import create_app

    with TestClient(create_app(token="s3cret")) as client:
        resp = client.get("/macro-workbook/2024", headers={"host": "nb.example.gov.cn"})
        assert resp.status_code == 200 and resp.headers["content-type"].startswith(
            "application/vnd.ms-excel.sheet.macro"
        )
        assert ".xlsm" in resp.headers["content-disposition"]
        missing = client.get("/macro-workbook/2010")
        assert missing.status_code == 404 and "2019" in missing.json()["error"]
    path = tmp_path / "dl.xlsm"
    path.write_bytes(resp.content)
    from openpyxl import load_workbook

    ws = load_workbook(path)[macro_book.SHEET]
    assert ws[macro_book.SETTING_CELL].value == "http://nb.example.gov.cn"  # the address, never the token
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/vbaProject.bin") == (vba_project.vba_dir() / "vbaProject.bin").read_bytes()
    code, _, err = xlpy("validate", str(path), "--format", "json")
    assert code in (0, 1), err

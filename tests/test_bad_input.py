"""Every class of bad input gets a clear Chinese message naming the file — exit 2 — or a finding at its cell — exit 1."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.helpers import set_error_cell, sheet_index
from xlpy.cli import run
from xlpy.errors import InputError
from xlpy.layout import layout
from xlpy.safety import check_zip
from xlpy.zip_limits import Limits


def xlpy(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def unusable(path: Path, *needles: str) -> dict[str, Any]:
    """Exit 2 in text and JSON mode; the message names the file and says what is wrong."""
    code, out, err = xlpy("validate", str(path))
    assert code == 2, (out, err)
    text = out + err
    assert path.name in text and "Traceback" not in text
    for n in needles:
        assert n in text, (n, text)
    code, out, _ = xlpy("validate", str(path), "--format", "json")
    assert code == 2
    report = json.loads(out)
    assert report["final_ok"] is False
    return report


def test_missing_file(tmp_path: Path) -> None:
    report = unusable(tmp_path / "没有这个文件.xlsx", "找不到文件")
    assert report["error"]["code"] == "missing"


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("这不是工作簿", encoding="utf-8")
    unusable(path, "不是 Excel 工作簿")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    unusable(path, "空的")


def test_word_document(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    unusable(path, "Word")


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_zip(keep: float, example_xlsx: Callable[[str], Path], tmp_path: Path) -> None:
    data = example_xlsx("huaian-2024").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: int(len(data) * keep)])
    unusable(path, "损坏")


def test_corrupt_member(example_xlsx: Callable[[str], Path], tmp_path: Path) -> None:
    """A readable directory whose sheet data is garbage: calamine's error becomes a message."""
    src = zipfile.ZipFile(example_xlsx("huaian-2024"))
    path = tmp_path / "garbled.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            z.writestr(info.filename, b"<worksheet><sheetData><row" if info.filename.endswith("sheet4.xml") else data)
    unusable(path)


def test_password_protected(example_xlsx: Callable[[str], Path], tmp_path: Path) -> None:
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    path = tmp_path / "locked.xlsx"
    with open(example_xlsx("huaian-2024"), "rb") as src, open(path, "wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    assert path.read_bytes().startswith(b"\xd0\xcf\x11\xe0")
    assert msoffcrypto  # the real encryptor produced an OLE container
    unusable(path, "密码")


def test_not_an_xlpy_template(tmp_path: Path) -> None:
    path = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "随便一个表"
    wb.save(path)
    unusable(path, "不是年报模板", "空白年报模板")


@pytest.mark.parametrize("data_year, typed_year, right", [(2024, 2020, "2019"), (2020, 2023, "2021")])
def test_wrong_template_version_for_year(
    data_year: int,
    typed_year: int,
    right: str,
    make_workbook: Callable[..., Path],
    instance: Callable[[str], dict[str, Any]],
) -> None:
    data = instance("huaian-2024" if data_year == 2024 else "beigou-2020")
    path = make_workbook(data, {"meta.year": typed_year})
    report = unusable(path, "F-0", right)
    assert [f["rule"] for f in report["findings"]].count("F-0") == 1
    f0 = next(f for f in report["findings"] if f["rule"] == "F-0")
    assert f0["cells"] and f0["cells"][0] == "基本信息!B6"


@pytest.mark.parametrize("sheet", ["表三", "表四", "基本信息"])
def test_required_sheet_renamed(sheet: str, example_xlsx: Callable[[str], Path], tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(example_xlsx("huaian-2024"))
    wb[sheet].title = sheet + "（改）"
    path = tmp_path / "renamed.xlsx"
    wb.save(path)
    unusable(path, sheet)


def test_required_sheet_deleted(example_xlsx: Callable[[str], Path], tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(example_xlsx("huaian-2024"))
    del wb["表四"]
    path = tmp_path / "deleted.xlsx"
    wb.save(path)
    unusable(path, "表四", "重命名或删除")


def test_defined_names_missing(example_xlsx: Callable[[str], Path], tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(example_xlsx("huaian-2024"))
    for name in [n for n in wb.defined_names if n.startswith("xlpy.s3.results")]:
        del wb.defined_names[name]
    path = tmp_path / "names.xlsx"
    wb.save(path)
    unusable(path, "定义名称", "表三!D10")


def _bomb(path: Path, size: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * size)
    return path


def test_zip_bomb_refused_from_the_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _bomb(tmp_path / "bomb.xlsx", 64 * 1024 * 1024)
    assert path.stat().st_size < 200 * 1024  # ~64 KB on disk, 64 MB inflated
    import python_calamine

    def never(*a: Any, **k: Any) -> None:
        raise AssertionError("a parser ran before the zip check")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", never)
    report = unusable(path, "压缩炸弹")
    assert report["error"]["code"] == "zip_bomb"


def test_zip_limits_total_and_members(tmp_path: Path) -> None:
    data = _bomb(tmp_path / "b.xlsx", 10_000).read_bytes()
    with pytest.raises(InputError, match="解压后总大小"):
        check_zip(data, "b.xlsx", Limits(max_uncompressed=5_000))
    with pytest.raises(InputError, match="文件数"):
        check_zip(data, "b.xlsx", Limits(max_members=2))
    with pytest.raises(InputError, match="文件过大"):
        check_zip(data, "b.xlsx", Limits(max_file_bytes=100))


def _xls(path: Path, data: dict[str, Any] | None, version: str) -> Path:
    """Write an .xls (BIFF8) with the template's values at the template's coordinates, as Excel's 'save as .xls' would."""
    xlwt = pytest.importorskip("xlwt")
    from xlpy.workbook import build_workbook

    src = build_workbook(data["meta"]["year"], data=data) if data else None
    book = xlwt.Workbook(encoding="utf-8")
    for name in layout(version).sheet_names:
        sheet = book.add_sheet(name)
        if src is None:
            continue
        for row in src[name].iter_rows():
            for c in row:
                if c.value is not None and not hasattr(c, "start"):
                    sheet.write(c.row - 1, c.column - 1, c.value if not hasattr(c.value, "year") else str(c.value))
    book.save(str(path))
    return path


@pytest.mark.parametrize("suffix", [".xls", ".et"])
def test_old_format_with_template_structure_is_read(
    suffix: str, instance: Callable[[str], dict[str, Any]], tmp_path: Path
) -> None:
    path = _xls(tmp_path / f"old{suffix}", instance("huaian-2024"), "2021")
    code, out, err = xlpy("export", str(path))
    assert code == 0, err
    assert json.loads(out)["s3"]["new_received"]["total"] == 3119


def test_old_format_without_structure_says_how_to_save(tmp_path: Path) -> None:
    path = _xls(tmp_path / "old.xls", None, "2021")
    unusable(path, "另存为", ".xlsx")


def test_huge_extra_sheet_is_not_parsed(
    make_workbook: Callable[..., Path], instance: Callable[[str], dict[str, Any]], tmp_path: Path
) -> None:
    """A clerk's 200 000-cell scratch sheet does not slow reading: only the template's sheets are parsed."""
    path = make_workbook(instance("huaian-2024"))
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("草稿")
    for r in range(1, 20_001):
        ws.append([r] * 10)
    wb.save(tmp_path / "big.xlsx")
    code, out, err = xlpy("validate", str(tmp_path / "big.xlsx"), "--format", "json")
    assert code in (0, 1), err
    assert json.loads(out)["org"] == "淮安市人民政府"


def test_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text("{not json", encoding="utf-8")
    unusable(path, "不是有效的 JSON")


# --- bad values: findings at the cell, exit 1 ---------------------------------------------------

BAD_VALUES = [
    ("s3.new_received.research", "三", "R-S3-4", "表三!F8", "文字「三」"),
    ("s3.new_received.research", "12件", "R-S3-4", "表三!F8", "12件"),
    ("s3.results.granted.total", "/", "R-S3-4", "表三!J10", "文字「/」"),
    ("s3.carried_over.other", None, "R-S3-4", "表三!I9", "未填写"),
    ("s3.carried_over.other", -3, "R-S3-4", "表三!I9", "-3"),
    ("s3.carried_over.other", 2.5, "R-S3-4", "表三!I9", "整数"),
    ("s4.review.pending", None, "R-S4-2", "表四!D8", "未填写"),
    ("s4.litigation.direct.upheld", "无", "R-S4-2", "表四!F8", "无"),
    ("s2.art20_5.licensing.decisions", None, "R-S2-1", "表二!B12", "未填写"),
    ("meta.org_name", None, "M-1", "基本信息!B4", "机关名称"),
    ("meta.date", None, "M-1", "基本信息!B7", "成文日期"),
]


@pytest.mark.parametrize("path, typed, rule, cell, needle", BAD_VALUES)
def test_bad_values_are_findings_at_their_cell(
    path: str,
    typed: Any,
    rule: str,
    cell: str,
    needle: str,
    make_workbook: Callable[..., Path],
    instance: Callable[[str], dict[str, Any]],
) -> None:
    wb = make_workbook(instance("huaian-2024"), {path: typed})
    assert layout("2021").inputs[path].ref == cell
    code, out, err = xlpy("validate", str(wb), "--format", "json")
    assert code == 1, err
    hits = [f for f in json.loads(out)["findings"] if f["rule"] == rule and cell in f["cells"]]
    assert len(hits) == 1, out
    assert needle in hits[0]["message"]
    assert hits[0]["severity"] == "error"


def test_blank_cell_does_not_cascade_into_arithmetic(
    make_workbook: Callable[..., Path], instance: Callable[[str], dict[str, Any]]
) -> None:
    wb = make_workbook(instance("huaian-2024"), {"s3.carried_over.other": None})
    _, out, _ = xlpy("validate", str(wb), "--format", "json")
    rules = [f["rule"] for f in json.loads(out)["findings"] if f["severity"] == "error"]
    assert rules == ["R-S3-4"]


@pytest.mark.parametrize("error", ["#REF!", "#DIV/0!", "#VALUE!", "#N/A"])
def test_formula_errors_are_findings(error: str, example_xlsx: Callable[[str], Path], tmp_path: Path) -> None:
    path = set_error_cell(example_xlsx("huaian-2024"), tmp_path / "e.xlsx", sheet_index("2021", "表三"), "J8", error)
    code, out, _ = xlpy("validate", str(path), "--format", "json")
    assert code == 1
    hit = [f for f in json.loads(out)["findings"] if f["cells"][:1] == ["表三!J8"]]
    assert hit and hit[0]["rule"] == "R-S3-4" and error in hit[0]["message"]


def test_old_format_with_shifted_rows_is_refused(instance: Callable[[str], dict[str, Any]], tmp_path: Path) -> None:
    """An .xls whose 表三 gained a row: reading by coordinates would shift every figure, so it is refused."""
    xlwt = pytest.importorskip("xlwt")
    from xlpy.workbook import build_workbook

    src = build_workbook(2024, data=instance("huaian-2024"))
    book = xlwt.Workbook(encoding="utf-8")
    for name in layout("2021").sheet_names:
        sheet = book.add_sheet(name)
        for row in src[name].iter_rows():
            for c in row:
                if c.value is not None and not hasattr(c, "start"):
                    shift = 1 if name == "表三" and c.row >= 12 else 0
                    sheet.write(
                        c.row - 1 + shift, c.column - 1, c.value if not hasattr(c.value, "year") else str(c.value)
                    )
    path = tmp_path / "shifted.xls"
    book.save(str(path))
    unusable(path, "另存为")

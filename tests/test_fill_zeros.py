"""`xlpy fill-zeros` and POST /api/fill-zeros: 0 into blank table cells only, every other part byte for byte."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from tests.enriched import EXTRA_PARTS, enriched
from tests.http_support import assert_error_shape, client, example_data, post  # noqa: F401  (fixture)
from xlpy.cli import run as cli
from xlpy.fill_zeros import fill_zeros_bytes
from xlpy.reader import read_workbook

TABLE3 = "xl/worksheets/sheet4.xml"  # 表三 of the 2021 examples
BLANKED = ("D8", "E8", "F9", "H12")


def blanked(data: bytes, part: str = TABLE3, refs: tuple[str, ...] = BLANKED) -> bytes:
    """`data` with the cells `refs` of `part` emptied the way Excel stores a cleared, formatted cell."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == part:
                text = body.decode("utf-8")
                for ref in refs:
                    text, n = re.subn(rf'<c r="{ref}"( s="\d+")?[^>]*?(?:/>|>.*?</c>)', rf'<c r="{ref}"\1/>', text)
                    assert n == 1, ref
                body = text.encode("utf-8")
            zout.writestr(item, body)
    return out.getvalue()


def _s3(data: bytes) -> dict[str, dict[str, object]]:
    return read_workbook(data, name="x.xlsx").instance["s3"]


def test_blank_table_cells_become_zero_and_nothing_else_changes() -> None:
    src = blanked(enriched())
    before = _s3(src)
    assert before["new_received"]["natural_person"] is None
    filled = fill_zeros_bytes(src, name="e.xlsx")
    assert filled.cells == [f"表三!{r}" for r in BLANKED]
    after = _s3(filled.data)
    assert after["new_received"]["natural_person"] == 0 and after["new_received"]["commercial"] == 0
    # Every other field reads exactly as before.
    full_before, full_after = read_workbook(src).instance, read_workbook(filled.data).instance
    full_before["s3"], full_after["s3"] = None, None
    assert full_before == full_after
    zin, zout = zipfile.ZipFile(io.BytesIO(src)), zipfile.ZipFile(io.BytesIO(filled.data))
    assert zin.namelist() == zout.namelist()
    changed = [n for n in zin.namelist() if zin.read(n) != zout.read(n)]
    assert changed == [TABLE3]
    assert all(zout.read(p) == b for p, b in EXTRA_PARTS.items())
    old, new = zin.read(TABLE3).decode(), zout.read(TABLE3).decode()
    for ref in BLANKED:
        style = re.search(rf'<c r="{ref}"( s="\d+")?/>', old).group(1) or ""
        assert f'<c r="{ref}"{style}><v>0</v></c>' in new
    # Only those four cells differ: removing them from both texts leaves the same bytes.
    strip = re.compile(r'<c r="(?:{})"[^>]*?(?:/>|>.*?</c>)'.format("|".join(BLANKED)))
    assert strip.sub("", old) == strip.sub("", new)


def test_cli_writes_a_copy_and_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "年报.xlsx"
    src.write_bytes(blanked((Path(__file__).parents[1] / "workbook/examples/huaian-2024.xlsx").read_bytes()))
    original = src.read_bytes()
    assert cli(["fill-zeros", str(src)]) == 0
    out = tmp_path / "年报-填0.xlsx"
    assert "已在 4 个空白的数字单元格中填入 0" in capsys.readouterr().out
    assert _s3(out.read_bytes())["new_received"]["natural_person"] == 0
    assert src.read_bytes() == original
    out.write_bytes(b"keep me")
    assert cli(["fill-zeros", str(src)]) == 2
    assert "已存在" in capsys.readouterr().err and out.read_bytes() == b"keep me"
    assert cli(["fill-zeros", str(src), "--force"]) == 0
    assert _s3(out.read_bytes())["new_received"]["natural_person"] == 0
    assert cli(["fill-zeros", str(src), "-o", str(src), "--force"]) == 2
    assert "不能与输入文件相同" in capsys.readouterr().err and src.read_bytes() == original
    # A workbook without blanks: nothing to write.
    again = tmp_path / "again.xlsx"
    assert cli(["fill-zeros", str(out), "-o", str(again)]) == 0
    assert "没有空白" in capsys.readouterr().out and not again.exists()


def test_cli_unusable_input_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    assert cli(["fill-zeros", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "坏.xlsx" in err and "Traceback" not in err and "zip file" not in err and "重新保存" in err
    assert not (tmp_path / "坏-填0.xlsx").exists()


def test_http_fill_zeros(client) -> None:  # noqa: F811  (the fixture)
    src = blanked((Path(__file__).parents[1] / "workbook/examples/huaian-2024.xlsx").read_bytes())
    r = post(client, "/api/fill-zeros", src, name="淮安.xlsx")
    assert r.status_code == 200, r.text
    assert r.headers["x-xlpy-filled"] == "4"
    assert "%E5%A1%AB0.xlsx" in r.headers["content-disposition"]  # 填0
    assert _s3(r.content)["new_received"]["natural_person"] == 0
    import json

    body = assert_error_shape(
        post(client, "/api/fill-zeros", json.dumps(example_data("huaian-2024")).encode(), name="x.json"), 422
    )
    assert "JSON" in body["error"]

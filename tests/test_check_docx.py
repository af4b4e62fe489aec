"""xlpy check-docx: passes on xlpy's own DOCX, fails with the right clause on copies edited in their XML."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from tests.render_support import VERSIONS, load
from xlpy.cli import run
from xlpy.docx_check import check_docx
from xlpy.render import render


def _docx(version: str = "2021") -> bytes:
    return render(load(version), ("docx",))["docx"]


def _edit(docx: bytes, **subs: tuple[str, str]) -> bytes:
    """A copy with regex substitutions in named parts (document=…, styles=…, footer1=…)."""
    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            data = src.read(info)
            stem = info.filename.rsplit("/", 1)[-1].removesuffix(".xml")
            if stem in subs:
                pattern, repl = subs[stem]
                new = re.sub(pattern, repl, data.decode("utf-8"))
                assert new != data.decode("utf-8"), f"edit of {info.filename} changed nothing"
                data = new.encode("utf-8")
            zf.writestr(info, data)
    return out.getvalue()


def _cli(tmp_path, data: bytes, *args: str) -> tuple[int, str, str]:
    path = tmp_path / "报告.docx"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    code = run(["check-docx", str(path), *args], out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_xlpys_own_docx_passes(version, tmp_path):
    assert check_docx(_docx(version)) == []
    assert check_docx(render(load(version), ("docx",), draft=True, draft_reasons=["B7 不符"])["docx"]) == []
    assert check_docx(render(load(version), ("docx",), seal=True)["docx"]) == []
    code, out, _ = _cli(tmp_path, _docx(version))
    assert code == 0 and "符合 GB/T 9704-2012" in out


def test_changed_margins_cite_6_2_1(tmp_path):
    edited = _edit(_docx(), document=(r'w:top="2098"', 'w:top="1701"'))  # 37 mm → 30 mm
    findings = check_docx(edited)
    assert [(f.clause, f.message) for f in findings] == [
        ("GB/T 9704-2012 6.2.1", "上边距（天头）为 30.0 mm，应为 37 mm ± 1 mm（版心 156 mm × 225 mm）")
    ]
    code, out, _ = _cli(tmp_path, edited)
    assert code == 1 and "[GB/T 9704-2012 6.2.1]" in out


def test_body_font_changed_cites_6_2_2():
    # an editor sets the body in 宋体: every run and the defaults
    edited = _edit(_docx(), document=("仿宋_GB2312", "宋体"), styles=("仿宋_GB2312", "宋体"))
    findings = check_docx(edited)
    body = [f for f in findings if f.clause == "GB/T 9704-2012 6.2.2"]
    assert body and "宋体 16.0 磅" in body[0].message and "仿宋_GB2312" in body[0].message
    assert body[0].where.startswith("正文第1段「本报告根据")


def test_body_size_changed_cites_6_2_2_and_the_grid():
    edited = _edit(_docx(), document=(r'<w:sz w:val="32"/>', '<w:sz w:val="30"/>'))  # 3号 → 小3号 (15 pt)
    clauses = {f.clause for f in check_docx(edited)}
    assert {"GB/T 9704-2012 6.2.2", "GB/T 9704-2012 6.2.3"} <= clauses  # 15 pt puts 29 characters on a line


def test_renamed_heading_is_missing_with_what_the_text_says():
    edited = _edit(_docx(), document=("二、主动公开政府信息情况", "二、主动公开情况"))
    findings = check_docx(edited)
    assert len(findings) == 1
    assert findings[0].clause.startswith("GB/T 9704-2012 7.3.3；国办公开办函〔2021〕30号")
    assert findings[0].message == "缺少一级标题「二、主动公开政府信息情况」（文中为「二、主动公开情况」）"


def test_heading_in_the_wrong_face_cites_7_3_3():
    edited = _edit(_docx(), document=(r'w:eastAsia="黑体"', 'w:eastAsia="微软雅黑"'))
    findings = check_docx(edited)
    assert findings and all(f.clause == "GB/T 9704-2012 7.3.3" for f in findings)
    assert "微软雅黑" in findings[0].message and "黑体" in findings[0].message


def test_edited_table_label_names_the_table():
    edited = _edit(_docx(), document=("行政规范性文件", "规范性文件"))
    findings = check_docx(edited)
    assert [(f.where, f.message) for f in findings] == [("表二", "表二缺少规定的栏目「行政规范性文件」（或被改写）")]
    assert findings[0].clause.startswith("国办公开办函〔2021〕30号")


def test_page_numbers_without_dashes_or_on_one_side_cite_7_5():
    edited = _edit(_docx(), footer2=(r'<w:jc w:val="left"/>', '<w:jc w:val="right"/>'))
    findings = check_docx(edited)
    assert [(f.clause, f.where) for f in findings] == [("GB/T 9704-2012 7.5", "偶数页页脚")]
    edited = _edit(_docx(), footer1=("—", ""), footer2=("—", ""))
    assert {f.message for f in check_docx(edited)} == {"页码数字左右应各放一条一字线（— 1 —）"}


def test_json_output_and_unusable_input(tmp_path):
    code, out, _ = _cli(tmp_path, _edit(_docx(), document=(r'w:left="1587"', 'w:left="1800"')), "--format", "json")
    body = json.loads(out)
    assert code == 1 and body["ok"] is False and body["findings"][0]["clause"] == "GB/T 9704-2012 6.2.1"
    code, _, err = _cli(tmp_path, b"not a zip")
    assert code == 2 and "无法作为 Word 文档（DOCX）打开" in err and "Traceback" not in err
    code, _, err = _cli(tmp_path, render(load("2021"), ("html",))["html"])
    assert code == 2 and "报告.docx" in err

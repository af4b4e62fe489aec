"""Render HTML: one self-contained page, real merged headers, every figure in its cell, clerk text escaped."""

from __future__ import annotations

import copy
import re

import pytest

from tests.render_support import (
    S3_NOTE,
    VERSIONS,
    check_s3_grid,
    check_s4_grid,
    html_tables,
    load,
    s3_rows,
    unique_figures,
)
from xlpy.render import render


def html(instance: dict, **kw) -> str:
    return render(instance, ("html",), **kw)["html"].decode("utf-8")


def tables_by_class(page: str) -> dict[str, dict]:
    return {t["cls"]: t for t in html_tables(page)}


@pytest.mark.parametrize("version", sorted(VERSIONS))
@pytest.mark.parametrize("factory", [load, unique_figures], ids=["example", "unique"])
def test_every_s3_and_s4_figure_is_in_its_row_and_column(version, factory):
    inst = factory(version)
    tables = tables_by_class(html(inst))
    s3, s4 = tables["tbl-s3"], tables["tbl-s4"]
    assert s3["head"] == 3 and s4["head"] == 3
    expected_rows = {"2019": 23, "2021": 25}[version]
    assert len(s3_rows(inst["s3"])) == expected_rows
    assert check_s3_grid(s3["grid"], s3["head"], version, inst) == expected_rows * 7
    assert check_s4_grid(s4["grid"], s4["head"], inst) == 15


def test_huaian_has_175_s3_cells_and_15_s4_cells():
    inst = load("2021")
    tables = tables_by_class(html(inst))
    assert check_s3_grid(tables["tbl-s3"]["grid"], 3, "2021", inst) == 175
    assert check_s4_grid(tables["tbl-s4"]["grid"], 3, inst) == 15
    assert tables["tbl-s3"]["grid"][3][3:] == ["3001", "53", "0", "0", "61", "4", "3119"]


def test_headers_are_real_merged_cells():
    page = html(load("2021"))
    assert f'<th class="corner" scope="colgroup" rowspan="3" colspan="3">{S3_NOTE}</th>' in page
    assert '<th class="col" scope="colgroup" colspan="7">申请人情况</th>' in page
    assert '<th class="col" scope="col" rowspan="2">自然人</th>' in page
    assert '<th class="col" scope="colgroup" colspan="5">法人或其他组织</th>' in page
    assert '<th class="col" scope="colgroup" colspan="5">行政复议</th>' in page
    assert '<th class="col" scope="colgroup" colspan="10">行政诉讼</th>' in page
    assert '<th class="group" scope="rowgroup" rowspan="22">三、本年度办理结果</th>' in page  # 2021: 22 result rows
    assert '<th class="group" scope="rowgroup" rowspan="8">（三）不予公开</th>' in page
    assert '<th class="row" scope="row">1.属于国家秘密</th>' in page


def test_s2_2021_rows_and_single_figure_columns():
    grid = tables_by_class(html(load("2021")))["tbl-s2"]["grid"]
    rows = {r[0]: r[1:] for r in grid}
    assert rows["规章"] == ["1", "0", "11"]
    assert rows["行政规范性文件"] == ["8", "26", "66"]
    assert rows["行政许可"] == ["447228"] * 3  # one figure spanning the three columns
    assert rows["行政事业性收费"] == ["96171.6"] * 3
    assert rows["第二十条第（八）项"] == ["第二十条第（八）项"] * 3


def test_page_is_self_contained():
    page = html(load("2021"))
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert not re.search(r"""(src|href)\s*=|@import|url\(|<script|<link""", page, flags=re.IGNORECASE)
    assert "@media print" in page and "size: A4" in page
    assert 'content: "— " counter(page) " —"' in page  # printed page numbers, right on odd pages
    assert "仿宋" in page and "Noto Serif CJK SC" in page  # a CJK font stack with free fallbacks
    assert "border: 1px solid #000" in page


def test_clerk_text_is_escaped():
    inst = copy.deepcopy(load("2021"))
    inst["text"]["problems"] = "<script>alert(1)</script>"
    inst["text"]["overview"]["parts"][0]["title"] = '<b>"标题"</b>'
    inst["meta"]["org_name"] = "A&B<局>"
    page = html(inst)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;&#34;标题&#34;&lt;/b&gt;" in page
    assert "<title>A&amp;B&lt;局&gt;2024年政府信息公开工作年度报告</title>" in page


def test_draft_is_marked_on_top_and_in_the_title():
    page = html(load("2021"), draft=True)
    assert "<title>【草稿：未通过校验】" in page
    assert page.index('<p class="draft">草稿：未通过校验</p>') < page.index("<h1>")
    assert "草稿" not in html(load("2021"))


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_headings_and_date_in_order(version):
    page = html(load(version))
    heads = re.findall(r"<h2>(.*?)</h2>", page)
    assert [h[:2] for h in heads] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    assert re.search(r'<p class="date">\d{4}年[1-9]\d?月[1-9]\d?日</p>', page)

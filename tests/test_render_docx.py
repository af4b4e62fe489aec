"""Render DOCX: GB/T 9704 page and type read back with python-docx, merged Word tables, text intact."""

from __future__ import annotations

import copy
import io

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Length, Mm

from tests.render_support import S3_NOTE, VERSIONS, check_s3_grid, check_s4_grid, docx_tables, load, unique_figures
from xlpy.render import render

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_bytes(instance: dict, **kw) -> bytes:
    return render(instance, ("docx",), **kw)["docx"]


def document(instance: dict, **kw) -> docx.document.Document:
    return docx.Document(io.BytesIO(docx_bytes(instance, **kw)))


def run_font(run) -> tuple[str | None, str | None, int | None]:
    fonts = run._r.find(f"{W}rPr/{W}rFonts")
    size = run._r.find(f"{W}rPr/{W}sz")
    return (
        fonts.get(qn("w:ascii")) if fonts is not None else None,
        fonts.get(qn("w:eastAsia")) if fonts is not None else None,
        int(size.get(qn("w:val"))) if size is not None else None,
    )


@pytest.fixture(scope="module")
def huaian() -> docx.document.Document:
    return document(load("2021"))


def test_page_is_a4_with_gbt9704_margins(huaian):
    s = huaian.sections[0]
    got = [
        round(Length(x).mm, 1)
        for x in (s.page_width, s.page_height, s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)
    ]
    assert got == [210, 297, 37, 35, 28, 26]
    # The type area is 156 mm wide and every table fits it.
    assert round(Length(s.page_width - s.left_margin - s.right_margin).mm) == 156
    for t in huaian.tables:
        widths = [int(g.get(qn("w:w"))) for g in t._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(widths) <= Mm(156).twips + 1


def test_every_run_names_its_east_asian_font(huaian):
    parts = [huaian.element] + [p._element for s in huaian.sections for p in (s.footer, s.even_page_footer)]
    runs = [r for part in parts for r in part.iter(f"{W}r")]
    assert len(runs) > 200
    for r in runs:
        fonts = r.find(f"{W}rPr/{W}rFonts")
        assert fonts is not None and fonts.get(qn("w:eastAsia")), r.xml[:200]
        assert fonts.get(qn("w:eastAsia")) == fonts.get(qn("w:ascii"))


def test_title_body_and_heading_type(huaian):
    paras = [p for p in huaian.paragraphs if p.text]
    title = paras[0]
    assert title.text == "淮安市人民政府\n2024年政府信息公开工作年度报告"  # broken after the agency name (w:br)
    assert title.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    assert {run_font(r) for r in title.runs} == {("方正小标宋简体", "方正小标宋简体", 44)}
    heads = [p for p in paras if p.text[:2] in ("一、", "二、", "三、", "四、", "五、", "六、") and len(p.text) < 30]
    assert [h.text[:2] for h in heads] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    assert all(run_font(r) == ("黑体", "黑体", 32) for h in heads for r in h.runs)
    body = paras[1]
    assert all(run_font(r) == ("仿宋_GB2312", "仿宋_GB2312", 32) for r in body.runs)
    lead_in = next(p for p in paras if p.text.startswith("（一）"))
    # 二级标题 in 楷体, not bold (GB/T 9704 7.3.3)
    assert run_font(lead_in.runs[0])[1] == "楷体_GB2312" and not lead_in.runs[0].bold
    assert run_font(lead_in.runs[1])[1] == "仿宋_GB2312" and not lead_in.runs[1].bold
    # 发文机关署名 above 成文日期 (7.3.5.2)
    assert [p.text for p in paras[-2:]] == ["淮安市人民政府", "2025年3月20日"]


def test_no_space_after_paragraphs(huaian):
    normal = huaian.styles["Normal"]
    assert normal.paragraph_format.space_after == 0  # python-docx's template has 10 pt
    assert normal.font.size.pt == 16
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    defaults = huaian.styles.element.find(qn("w:docDefaults"))
    assert defaults.find(f"{W}pPrDefault/{W}pPr/{W}spacing").get(qn("w:after")) == "0"
    assert defaults.find(f"{W}rPrDefault/{W}rPr/{W}rFonts").get(qn("w:eastAsia")) == "仿宋_GB2312"
    for p in huaian.element.body.iter(f"{W}p"):
        spacing = p.find(f"{W}pPr/{W}spacing")
        assert spacing is None or spacing.get(qn("w:after")) in (None, "0", "579")  # only the title keeps a line


def test_page_number_field_in_odd_and_even_footers(huaian):
    assert huaian.settings.odd_and_even_pages_header_footer
    s = huaian.sections[0]
    for footer, align in ((s.footer, "RIGHT"), (s.even_page_footer, "LEFT")):
        p = footer.paragraphs[0]
        assert p.text == "— 1 —"  # the cached result between the dashes
        assert p.alignment == getattr(docx.enum.text.WD_ALIGN_PARAGRAPH, align)
        kinds = [f.get(qn("w:fldCharType")) for f in p._p.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        assert [i.text for i in p._p.iter(qn("w:instrText"))] == [" PAGE "]
        assert {run_font(r)[1] for r in p.runs} == {"宋体"}


@pytest.mark.parametrize("version", sorted(VERSIONS))
@pytest.mark.parametrize("factory", [load, unique_figures], ids=["example", "unique"])
def test_every_s3_and_s4_figure_is_in_its_word_cell(version, factory):
    inst = factory(version)
    tables = docx_tables(docx_bytes(inst))
    assert len(tables) == 3
    _, s3, s4 = tables
    assert s3["head"] == 3 and s4["head"] == 3
    n = {"2019": 23, "2021": 25}[version] * 7
    assert check_s3_grid(s3["grid"], s3["head"], version, inst) == n
    assert check_s4_grid(s4["grid"], s4["head"], inst) == 15


def _tc(table, row: int, text: str):
    return next(
        tc for tc in table.rows[row]._tr.iter(qn("w:tc")) if "".join(t.text or "" for t in tc.iter(qn("w:t"))) == text
    )


def _merge(tc) -> tuple[int, str | None]:
    pr = tc.tcPr
    span = pr.find(qn("w:gridSpan"))
    vmerge = pr.find(qn("w:vMerge"))
    return (
        int(span.get(qn("w:val"))) if span is not None else 1,
        None if vmerge is None else (vmerge.get(qn("w:val")) or "continue"),
    )


def test_header_cells_are_merged_in_word(huaian):
    _, s3, s4 = huaian.tables
    assert _merge(_tc(s3, 0, S3_NOTE)) == (3, "restart")
    assert _merge(_tc(s3, 0, "申请人情况")) == (7, None)
    assert _merge(_tc(s3, 1, "自然人")) == (1, "restart")
    assert _merge(_tc(s3, 1, "法人或其他组织")) == (5, None)
    assert _merge(_tc(s3, 2, "商业企业")) == (1, None)
    # Covered cells of the corner and of 自然人 continue their merges in the rows below.
    row2 = list(s3.rows[2]._tr.iter(qn("w:tc")))
    assert _merge(row2[0]) == (3, "continue") and _merge(row2[1]) == (1, "continue")
    assert _merge(_tc(s4, 0, "行政复议")) == (5, None)
    assert _merge(_tc(s4, 0, "行政诉讼")) == (10, None)
    assert _merge(_tc(s4, 1, "未经复议直接起诉")) == (5, None)
    assert _merge(_tc(s4, 1, "结果维持")) == (1, "restart")
    # Header rows repeat on every page a table runs over.
    assert [r._tr.trPr.find(qn("w:tblHeader")) is not None for r in s3.rows[:4]] == [True, True, True, False]
    borders = s3._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.tag.split("}")[1]: b.get(qn("w:val")) for b in borders} == {
        "top": "single",
        "left": "single",
        "bottom": "single",
        "right": "single",
        "insideH": "single",
        "insideV": "single",
    }


def _paragraphs_between(doc, start: str, stop: str) -> list[str]:
    texts = [p.text for p in doc.paragraphs]
    i, j = texts.index(start), texts.index(stop)
    return texts[i + 1 : j]


def test_special_characters_and_line_breaks_survive():
    inst = copy.deepcopy(load("2021"))
    text = "A&B <公开> \"引号\" '单引号'\n第二段 &amp; </w:t>"
    inst["text"]["problems"] = text
    inst["text"]["overview"]["parts"][0]["title"] = "A&B <标题>"
    inst["meta"]["org_name"] = 'X&Y "局"'
    doc = document(inst)
    assert _paragraphs_between(doc, "五、存在的主要问题及改进情况", "六、其他需要报告的事项") == text.split("\n")
    assert any(p.text.startswith("（一）A&B <标题>。") for p in doc.paragraphs)
    assert doc.paragraphs[0].text == 'X&Y "局"\n2024年政府信息公开工作年度报告'
    assert doc.core_properties.title == doc.paragraphs[0].text.replace("\n", "")


def test_draft_is_marked_once_per_page_and_says_what_blocks():
    doc = document(load("2021"), draft=True, draft_reasons=["B7 本年新收申请数量与明细之和不符"])
    assert doc.paragraphs[0].text == "草稿：未通过校验。正式报告须先改正以下 1 项：B7 本年新收申请数量与明细之和不符。"
    s = doc.sections[0]
    # page 1 carries the mark in the body, so its own header is empty; later pages have it in the header
    assert s.different_first_page_header_footer
    assert all(not p.text for p in s.first_page_header.paragraphs)
    assert "— " in s.first_page_footer.paragraphs[0].text  # the page number stays on page 1
    assert s.header.paragraphs[0].text == "草稿：未通过校验"
    assert s.even_page_header.paragraphs[0].text == "草稿：未通过校验"
    final = document(load("2021"))
    assert "草稿" not in final.sections[0].header.paragraphs[0].text
    assert all("草稿" not in p.text for p in final.paragraphs)


def test_document_dates_come_from_the_report_not_the_clock(huaian):
    assert huaian.core_properties.created.date().isoformat() == "2025-03-20"
    assert huaian.core_properties.author == "淮安市人民政府"


def test_package_is_well_formed_reproducible_and_without_the_template_thumbnail():
    import zipfile

    from xlpy.render.context import build
    from xlpy.render.env import environment
    from xlpy.render.word import render_docx

    inst = load("2021")
    env = environment()
    data = render_docx(build(inst, env), env, check=True)  # parses the body: well-formed XML
    assert data == docx_bytes(inst)  # no clock in the zip or in core.xml
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "docProps/thumbnail.jpeg" not in names
    assert b"thumbnail" not in zipfile.ZipFile(io.BytesIO(data)).read("_rels/.rels")
    assert names.count("word/document.xml") == 1


def test_table_properties_follow_the_schema_order(huaian):
    order = ["tblW", "jc", "tblBorders", "tblLayout", "tblCellMar"]
    for t in huaian.tables:
        assert [c.tag.split("}")[1] for c in t._tbl.tblPr] == order


def test_broken_override_body_is_a_render_error(tmp_path):
    from xlpy.errors import RenderError

    (tmp_path / "report" / "common").mkdir(parents=True)
    (tmp_path / "report" / "common" / "report.xml.j2").write_text("<w:p><w:r>", encoding="utf-8")
    with pytest.raises(RenderError, match="XML 无效"):
        render(load("2021"), ("docx",), templates_dir=tmp_path)


def _part(data: bytes, name: str) -> str:
    import zipfile

    return zipfile.ZipFile(io.BytesIO(data)).read(name).decode("utf-8")


def test_font_table_theme_language_grid_and_punctuation():
    data = docx_bytes(load("2021"))
    fonts = docx.oxml.parse_xml(_part(data, "word/fontTable.xml").encode())
    by_name = {f.get(qn("w:name")): f for f in fonts.findall(qn("w:font"))}
    for name, alt in (("仿宋_GB2312", "仿宋"), ("楷体_GB2312", "楷体"), ("方正小标宋简体", "宋体"), ("黑体", "SimHei")):
        font = by_name[name]
        assert font.find(qn("w:altName")).get(qn("w:val")) == alt
        assert font.find(qn("w:charset")).get(qn("w:val")) == "86"  # GB2312
    settings = _part(data, "word/settings.xml")
    assert 'w:eastAsia="zh-CN"' in settings and "ja-JP" not in settings
    doc = docx.Document(io.BytesIO(data))
    grid = doc.sections[0]._sectPr.find(qn("w:docGrid"))
    assert (grid.get(qn("w:type")), grid.get(qn("w:linePitch"))) == ("lines", "579")
    # 3号 runs condensed 0.25 pt: 28 × 15.75 pt fit the 442.25 pt line, 29 do not
    body_runs = [r for p in doc.paragraphs[1:] for r in p.runs if r.font.size is not None and r.font.size.pt == 16]
    assert body_runs and {r._r.find(f"{W}rPr/{W}spacing").get(qn("w:val")) for r in body_runs} == {"-5"}
    assert 28 * 15.75 <= Length(doc.sections[0].page_width - 1587 * 635 - 1474 * 635).pt < 29 * 15.75
    paras = [p for p in doc.element.body.iter(f"{W}p") if p.getparent().tag == f"{W}body"]
    assert all(p.find(f"{W}pPr/{W}overflowPunct").get(qn("w:val")) == "0" for p in paras)


def test_captions_and_header_rows_keep_with_their_rows():
    doc = document(load("2021"))
    s2, s3 = doc.tables[0], doc.tables[1]

    def keeps(row) -> bool:
        return all(
            p._p.find(f"{W}pPr/{W}keepNext") is not None
            for c in row._tr.iter(f"{W}tc")
            for p in [docx.text.paragraph.Paragraph(c.find(f"{W}p"), None)]
        )

    captions = [r for r in s2.rows if r.cells[0].text.startswith("第二十条")]
    assert captions and all(keeps(r) for r in captions)
    assert not keeps(s2.rows[-1])
    labels = {r._tr.xpath("string(.)")[:12]: keeps(r) for r in s3.rows}
    assert all(r._tr.find(f"{W}trPr/{W}cantSplit") is not None for r in s3.rows)
    assert sum(1 for r in s3.rows if r._tr.find(f"{W}trPr/{W}tblHeader") is not None) == 3
    # a break may fall after 二, before each of （二）…（七）, before 四 — nowhere inside （五）不予处理
    breaks = [text for text, keep in labels.items() if not keep]
    assert len(breaks) == 9, breaks

"""The clerk workbook as Excel, WPS and LibreOffice show and print it: growing text rows, full-width
merges, one-page tables with print titles, labels that fit, and no tool name in what the clerk reads."""

from __future__ import annotations

import copy
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.libreoffice import pdf_pages, shows, to_pdf, type_and_print
from xlpy import schema
from xlpy.layout import DEFAULT_WIDTH, layout, text_width
from xlpy.resources import workbook_dir
from xlpy.workbook import auto_rows, build_workbook
from xlpy.workbook_files import expected

VERSIONS = schema.known_versions()
COMMITTED = sorted(expected(), key=str)
# 300 characters: a paragraph of several lines in every text column of the template.
PARAGRAPH = ("我市政府信息公开工作坚持以人民为中心，" * 16)[:299] + "止"


def sheet_xml(path: Path) -> dict[str, str]:
    """Each worksheet's XML by sheet name (following workbook.xml and its relationships)."""
    with zipfile.ZipFile(path) as zf:
        book = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        targets = dict(re.findall(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
        targets.update({i: t for t, i in re.findall(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
        out = {}
        for name, rid in re.findall(r'<sheet[^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', book):
            target = targets[rid].lstrip("/")
            out[name] = zf.read(target if target.startswith("xl/") else f"xl/{target}").decode()
        return out


def row_attrs(xml: str) -> dict[int, str]:
    return {int(r): attrs for r, attrs in re.findall(r'<row r="(\d+)"([^>]*)>', xml)}


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: Path(p).name)
def test_text_rows_grow_as_the_clerk_types(path: Path) -> None:
    """Rows of text inputs never carry customHeight: with it, Excel and WPS keep them one line high."""
    xml = sheet_xml(path)
    version = "2019" if "2019" in path.name or "2020" in path.name else "2021"
    checked = 0
    for sheet in layout(version).sheets:
        attrs = row_attrs(xml[sheet.name])
        for row in auto_rows(sheet):
            assert 'customHeight="1"' not in attrs.get(row, ""), f"{path.name} {sheet.name} row {row}: {attrs[row]}"
            checked += 1
    assert checked >= 12 + 2 + 1 + 1 + 30  # 一's parts, preamble and lead, 五, 六, 说明's rows …


@pytest.mark.parametrize("version", VERSIONS)
def test_labels_beside_growing_text_fit_on_one_line(version: str) -> None:
    """A growing row has no fixed height, so a label in it must not need a second line."""
    for sheet in layout(version).sheets:
        auto = auto_rows(sheet)
        for label in sheet.labels:
            if label.row in auto:
                room = sum(
                    sheet.widths.get(c, DEFAULT_WIDTH) for c in range(label.col, (label.end_col or label.col) + 1)
                )
                assert text_width(label.text) + 1 <= room, (sheet.name, label.row, label.text)


@pytest.mark.parametrize("version", VERSIONS)
def test_lead_label_stays_on_one_line(version: str) -> None:
    """「表前文字（可空）」 spans as many columns as it needs (表三's label columns are 9 wide)."""
    seen = 0
    for sheet in layout(version).sheets:
        for label in sheet.labels:
            if label.text == "表前文字（可空）":
                room = sum(sheet.widths.get(c, DEFAULT_WIDTH) for c in range(label.col, label.end_col + 1))
                assert text_width(label.text) + 1 <= room, sheet.name
                lead = next(i for i in sheet.inputs if i.row == label.row)
                assert lead.col == label.end_col + 1
                seen += 1
    assert seen == 3  # 表二, 表三, 表四


@pytest.mark.parametrize("version", VERSIONS)
def test_title_hint_and_captions_span_every_column(version: str) -> None:
    """Merged bars reach the sheet's last used column, and every used column has a width (表二 has four)."""
    wb = openpyxl.load_workbook(workbook_dir() / f"template-{version}.xlsx")
    for sheet in layout(version).sheets:
        used = max(
            [i.end_col or i.col for i in sheet.inputs]
            + [lb.end_col or lb.col for lb in sheet.labels if lb.style not in ("title", "hint", "caption")]
        )
        merged = {(m.min_row, m.min_col): m.max_col for m in wb[sheet.name].merged_cells.ranges}
        for label in sheet.labels:
            if label.style in ("title", "hint", "caption"):
                assert merged.get((label.row, label.col)) == used, (sheet.name, label.text)
        assert set(range(1, used + 1)) <= set(sheet.widths), sheet.name
    ws = wb["表二"]
    assert ws.column_dimensions["D"].width > DEFAULT_WIDTH


@pytest.mark.parametrize("version", VERSIONS)
def test_tables_print_on_one_landscape_page_with_header_rows_repeated(version: str) -> None:
    wb = openpyxl.load_workbook(workbook_dir() / f"template-{version}.xlsx")
    for name in ("表三", "表四"):
        sheet = next(s for s in layout(version).sheets if s.name == name)
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape"
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 1)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.header_rows is not None
        first, last = sheet.header_rows
        assert ws.print_title_rows == f"${first}:${last}", name
        assert ws.cell(first, 1).value  # the header starts there …
        assert min(i.row for i in sheet.inputs if i.row > 3) == last + 1  # … and ends above the first input row


@pytest.mark.parametrize("version", VERSIONS)
def test_no_tool_name_in_what_the_clerk_reads(version: str) -> None:
    lay = layout(version)
    texts = [lb.text for s in lay.sheets for lb in s.labels] + [i.label for i in lay.inputs.values()]
    assert texts and not [t for t in texts if "xlpy" in t.lower()]


def test_2021_fee_unit_is_the_column_header_not_an_extra_row() -> None:
    """The official 2021 表二 has no 「收费金额单位」 row: 「本年收费金额（单位：万元）」 carries the unit."""
    lay = layout("2021")
    table_two = next(s for s in lay.sheets if s.name == "表二")
    assert not [lb for lb in table_two.labels if lb.text == "收费金额单位"]
    assert "s2.art20_8.unit" not in lay.inputs and lay.implied == {"s2.art20_8.unit": "万元"}
    assert any(lb.text == "本年收费金额（单位：万元）" for lb in table_two.labels)
    from xlpy.reader import read_workbook

    data = read_workbook(workbook_dir() / "examples" / "huaian-2024.xlsx")
    assert data.instance["s2"]["art20_8"] == {"fees": {"amount": 96171.6}, "unit": "万元"}
    # 2019's 采购总金额 unit is a choice the clerk makes: it keeps its row.
    assert "s2.art20_9.unit" in layout("2019").inputs


# --------------------------------------------------------------------------- LibreOffice (WPS's stand-in)


def test_paragraph_typed_into_the_blank_template_shows_in_full(tmp_path: Path) -> None:
    """A clerk types 300 characters into 一, 五 and 说明 of the blank template in LibreOffice; the print shows them."""
    lay = layout("2021")
    cells = [lay.inputs[p] for p in ("text.overview.parts.0.body", "text.problems", "explanations.0.text")]
    pdf = type_and_print(
        workbook_dir() / "template-2021.xlsx", tmp_path / "typed.pdf", [(i.sheet, i.a1, PARAGRAPH) for i in cells]
    )
    pages = [text for text, _ in pdf_pages(pdf)]
    for inp in cells:
        title = next(s for s in lay.sheets if s.name == inp.sheet).labels[0].text
        page = next(t for t in pages if t.startswith(title))
        assert shows(page, PARAGRAPH), f"{inp.ref}: typed paragraph cut off in print"


def test_filled_workbook_prints_every_paragraph_and_each_sheet_on_one_page(tmp_path: Path, instance: Any) -> None:
    """A workbook filled from data (xlpy new --data): estimated heights hold 300 characters; 表三 is one page."""
    data = copy.deepcopy(instance("huaian-2024"))
    data["text"]["problems"] = PARAGRAPH
    data["text"]["overview"]["parts"][0]["body"] = PARAGRAPH + "\n" + PARAGRAPH
    data["text"]["other"] = ("2024年共收到申请123件，办结率100%。" * 20)[:299] + "止"
    path = tmp_path / "filled.xlsx"
    build_workbook(2024, data=data).save(path)
    pages = pdf_pages(to_pdf(path, tmp_path))
    lay = layout("2021")
    assert len(pages) == len(lay.sheets), [t[:12] for t, _ in pages]
    for (text, landscape), sheet in zip(pages, lay.sheets, strict=True):
        assert text.startswith(re.sub(r"\s+", "", sheet.labels[0].text)), sheet.name
        assert landscape == (sheet.header_rows is not None), sheet.name
    everything = "".join(t for t, _ in pages)
    for value in (data["text"]["problems"], data["text"]["other"], PARAGRAPH, data["text"]["preamble"]):
        assert shows(everything, value), value[:20]


def test_results_sheet_rows_hold_their_messages_and_print_landscape(tmp_path: Path, instance: Any) -> None:
    """`xlpy annotate`'s 校验结果 sheet: message rows tall enough in LibreOffice, A4 landscape, header repeated."""
    from xlpy.annotate import annotate_path
    from xlpy.config import Config
    from xlpy.findings_sheet import RESULTS_SHEET

    data = copy.deepcopy(instance("huaian-2024"))
    data["s3"]["new_received"]["total"] += 7
    data["s3"]["results"]["granted"]["natural_person"] += 3
    data["text"]["problems"] = "无"
    source = tmp_path / "source.xlsx"
    build_workbook(2024, data=data).save(source)
    out = tmp_path / "annotated.xlsx"
    report = annotate_path(source, out, config=Config()).report
    assert len(report.findings) >= 3
    ws = openpyxl.load_workbook(out)[RESULTS_SHEET]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$4:$4"
    attrs = row_attrs(sheet_xml(out)[RESULTS_SHEET])
    tall = [r for r in range(5, 5 + len(report.findings)) if "ht=" in attrs.get(r, "")]
    assert tall and not [r for r in tall if 'customHeight="1"' in attrs[r]]
    text = "".join(t for t, _ in pdf_pages(to_pdf(out, tmp_path)) if "校验结果" in t[:60])
    for f in report.findings:
        assert shows(text, f.message, slack=250), f.message[:30]

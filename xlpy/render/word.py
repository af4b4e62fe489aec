"""The DOCX report in 公文 layout (GB/T 9704): page, header and footer by python-docx, body from a template."""

from __future__ import annotations

import datetime as _dt
import io
from functools import lru_cache
from typing import Any

import jinja2

from xlpy.render.env import select

# Page and type per GB/T 9704-2012. Fonts are named as the standard names them; a server without the
# licensed fonts maps them (fontconfig aliases to Noto CJK / Fandol) when it converts to PDF.
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
BODY_FONT, BODY_PT = "仿宋_GB2312", 16  # 3号仿宋
PAGE_NUMBER_FONT, PAGE_NUMBER_PT = "宋体", 14  # 4号半角宋体: — 1 —
LINE_TWIPS = 579  # 28.95 pt: 22 lines on the 225 mm type area


def _set_fonts(rpr_owner: Any, font: str, size_pt: float) -> None:
    """Latin and East-Asian font and size of a style or run (python-docx alone leaves w:eastAsia unset)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    rpr_owner.font.name = font
    rpr_owner.font.size = Pt(size_pt)
    rpr = rpr_owner.element.get_or_add_rPr() if hasattr(rpr_owner, "element") else rpr_owner._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), font)


def _page_number(paragraph: Any) -> None:
    """`— n —` with a PAGE field between the dashes."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def add_run(text: str | None = None, fld: str | None = None, instr: str | None = None) -> None:
        run = paragraph.add_run(text or "")
        _set_fonts(run, PAGE_NUMBER_FONT, PAGE_NUMBER_PT)
        if fld:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), fld)
            run._r.append(el)
        if instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
            run._r.append(el)

    add_run("— ")
    add_run(fld="begin")
    add_run(instr=" PAGE ")
    add_run(fld="separate")
    add_run("1")
    add_run(fld="end")
    add_run(" —")


def _zero_spacing(paragraph_format: Any) -> None:
    from docx.shared import Pt

    paragraph_format.space_before = Pt(0)
    paragraph_format.space_after = Pt(0)  # python-docx's template adds 10 pt after every paragraph


@lru_cache(maxsize=4)
def _base(draft_mark: str | None) -> bytes:
    """An empty document with page, styles, footers (and a draft header) — built once per process."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance, section.footer_distance = Mm(15), Mm(20)
    normal = doc.styles["Normal"]
    _set_fonts(normal, BODY_FONT, BODY_PT)
    _zero_spacing(normal.paragraph_format)
    # Odd pages: number right, one character in; even pages: left (GB/T 9704 7.5).
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align, indent in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left"),
    ):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        _zero_spacing(p.paragraph_format)
        setattr(p.paragraph_format, f"{indent}_indent", Pt(PAGE_NUMBER_PT))
        _page_number(p)
    if draft_mark:
        for header in (section.header, section.even_page_header):
            header.is_linked_to_previous = False
            p = header.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _zero_spacing(p.paragraph_format)
            run = p.add_run(draft_mark)
            _set_fonts(run, "黑体", 14)
            run.font.bold = True
            run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    body = doc.element.body
    for child in list(body):
        if not child.tag.endswith("}sectPr"):
            body.remove(child)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def render_docx(context: dict[str, Any], env: jinja2.Environment) -> bytes:
    """The report as DOCX bytes: the body template's WordprocessingML inside the cached page setup."""
    from docx import Document
    from lxml import etree

    version = context["version"]
    template = select(env, [f"report/{version}/report.xml.j2", f"report/common/report.xml.j2"])
    xml = template.render(context)
    parsed = etree.fromstring(xml.encode("utf-8"), parser=etree.XMLParser(remove_blank_text=True))
    doc = Document(io.BytesIO(_base(context["draft_mark"] if context["draft"] else None)))
    body = doc.element.body
    sect = body[-1]  # the section properties stay last
    for child in list(parsed):
        sect.addprevious(child)
    props = doc.core_properties
    props.title = context["title"]
    props.author = context["org_name"]
    props.comments = context["draft_mark"] if context["draft"] else ""
    # Dates from the report, never the clock, so the same data gives the same document.
    written = _written(context.get("date_iso"))
    props.created = props.modified = written
    props.last_modified_by = context["org_name"]
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _written(iso: str | None) -> _dt.datetime:
    try:
        return _dt.datetime.fromisoformat(str(iso))
    except ValueError:
        return _dt.datetime(2000, 1, 1)

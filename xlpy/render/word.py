"""The DOCX report in 公文 layout (GB/T 9704): page, header and footer by python-docx, body from a template."""

from __future__ import annotations

import datetime as _dt
import io
from functools import lru_cache
from typing import Any

import jinja2

from xlpy.render import typeset
from xlpy.render.env import select

# Page and type per GB/T 9704-2012 (schemas/report-typeset.json). Fonts are named as the standard names
# them; fontTable.xml gives Word/WPS their fallbacks, and the PDF converter maps them with fontconfig.
_TYPE = typeset.spec()
PAGE_MM = (_TYPE["page"]["width_mm"], _TYPE["page"]["height_mm"])
MARGINS_MM = _TYPE["page"]["margins_mm"]
BODY_FONT, BODY_PT = _TYPE["fonts"]["body"]["name"], _TYPE["fonts"]["body"]["pt"]  # 3号仿宋
PAGE_NUMBER_FONT, PAGE_NUMBER_PT = _TYPE["fonts"]["page_number"]["name"], _TYPE["fonts"]["page_number"]["pt"]
CONDENSE, LINE_TWIPS = typeset.grid()  # 5/20 pt, 579: 28 characters × 22 lines on the 156 × 225 mm type area


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


def _defaults(doc: Any) -> None:
    """Document defaults in 公文 type: 仿宋 3号, Chinese language, no 10 pt after (the template's default)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), BODY_FONT)
    for tag in ("w:sz", "w:szCs"):
        rpr.find(qn(tag)).set(qn("w:val"), str(BODY_PT * 2))
    # 28 characters a line (typeset.grid); CT_RPr order puts w:spacing just before w:sz.
    condensed = OxmlElement("w:spacing")
    condensed.set(qn("w:val"), str(-CONDENSE))
    rpr.find(qn("w:sz")).addprevious(condensed)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}")
    spacing = ppr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    # No punctuation hanging into the right margin (GB/T 9704 keeps the type area); CT_PPrBase order
    # puts w:overflowPunct before w:spacing.
    overflow = OxmlElement("w:overflowPunct")
    overflow.set(qn("w:val"), "0")
    spacing.addprevious(overflow)


def _grid(section: Any) -> None:
    """The line grid: 22 lines of 3号 on the type area (characters per line: see typeset.grid)."""
    from docx.oxml.ns import qn

    grid = section._sectPr.find(qn("w:docGrid"))
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_TWIPS))


def _no_snap(paragraph: Any) -> None:
    """Keep a paragraph off the character grid (the 4号 page number would otherwise be spread to 3号 cells)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    # CT_PPrBase order: after pStyle … before spacing, ind, jc (python-docx adds those later, in order).
    later = [c for c in ppr if c.tag in {qn("w:spacing"), qn("w:ind"), qn("w:jc"), qn("w:rPr")}]
    if later:
        later[0].addprevious(snap)
    else:
        ppr.append(snap)


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
    _defaults(doc)
    _grid(section)
    # Odd pages: number right, one character in; even pages: left (GB/T 9704 7.5). A draft's first
    # page has its own header: the mark is in the body there (with what blocks), so it is not repeated.
    doc.settings.odd_and_even_pages_header_footer = True
    footers = [
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left"),
    ]
    if draft_mark:
        section.different_first_page_header_footer = True
        footers.append((section.first_page_footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"))
        section.first_page_header.is_linked_to_previous = False
    for footer, align, indent in footers:
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        _zero_spacing(p.paragraph_format)
        _no_snap(p)
        setattr(p.paragraph_format, f"{indent}_indent", Pt(PAGE_NUMBER_PT))
        _page_number(p)
    if draft_mark:
        for header in (section.header, section.even_page_header):
            header.is_linked_to_previous = False
            p = header.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _zero_spacing(p.paragraph_format)
            _no_snap(p)
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


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip member times: the same report gives the same bytes
_PER_REPORT = ("word/document.xml", "docProps/core.xml")
_THUMBNAIL = "docProps/thumbnail.jpeg"  # python-docx's template picture of a blank page: dropped


def _cjk_fonts() -> bytes:
    """templates/docx/fonts.xml without its comment: the fontTable entries of the 公文 fonts."""
    import re

    from xlpy.resources import templates_dir

    text = (templates_dir() / "docx" / "fonts.xml").read_bytes()
    return re.sub(rb"<!--.*?-->\s*", b"", text, flags=re.S)


@lru_cache(maxsize=4)
def _package(draft_mark: str | None) -> tuple[bytes, bytes, bytes]:
    """The base document as a zip of its fixed parts (compressed once) and document.xml around the body."""
    import re
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(_base(draft_mark)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in src.namelist():
            if name in _PER_REPORT or name == _THUMBNAIL:
                continue
            data = src.read(name)
            if name == "_rels/.rels":
                data = re.sub(rb'<Relationship [^>]*Target="docProps/thumbnail.jpeg"/>', b"", data)
            elif name == "word/fontTable.xml":
                data = data.replace(b"</w:fonts>", _cjk_fonts() + b"</w:fonts>")
            elif name == "word/settings.xml":
                # python-docx's template says ja-JP: a style an editor adds later would take Japanese fonts.
                data = re.sub(rb'(<w:themeFontLang [^>]*w:eastAsia=")[^"]*"', rb'\1zh-CN"', data)
            zf.writestr(zipfile.ZipInfo(name, _FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    document = src.read("word/document.xml")
    cut = document.index(b"<w:sectPr")
    return out.getvalue(), document[:cut], document[cut:]


def _core(context: dict[str, Any]) -> str:
    from xml.sax.saxutils import escape

    from xlpy.cellvalue import xml_text

    # Dates from the report (成文日期), never the clock, so the same data gives the same document.
    written = _written(context.get("date_iso")).strftime("%Y-%m-%dT%H:%M:%SZ")
    title, org = escape(xml_text(context["title"])), escape(xml_text(context["org_name"]))
    note = escape(context["draft_mark"]) if context["draft"] else ""
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{title}</dc:title><dc:creator>{org}</dc:creator><dc:description>{note}</dc:description>"
        f"<cp:lastModifiedBy>{org}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{written}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{written}</dcterms:modified></cp:coreProperties>'
    )


def render_docx(context: dict[str, Any], env: jinja2.Environment, *, check: bool = False) -> bytes:
    """The report as DOCX bytes: the body template's WordprocessingML inside the cached page setup.

    The page, styles, footers and draft header are built with python-docx once per process; per
    report only document.xml and core.xml are written, which keeps a report well under 60 ms.
    `check` parses the body first (for deployment templates, which may be malformed).
    """
    import zipfile

    version = context["version"]
    template = select(env, [f"report/{version}/report.xml.j2", "report/common/report.xml.j2"])
    # Clerk text from a JSON upload may still hold a control character; one makes Word refuse the file.
    body = _xml_bytes(template.render(context))
    if check:
        _check_body(body)
    fixed, head, tail = _package(context["draft_mark"] if context["draft"] else None)
    out = io.BytesIO(fixed)
    out.seek(0, io.SEEK_END)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("word/document.xml", _FIXED_TIME), head + body + tail, zipfile.ZIP_DEFLATED)
        zf.writestr(zipfile.ZipInfo("docProps/core.xml", _FIXED_TIME), _core(context), zipfile.ZIP_DEFLATED)
    return out.getvalue()


# The C0 controls XML 1.0 cannot hold (tab, LF and CR it can), as bytes: UTF-8 never uses them otherwise.
_XML_CONTROLS = bytes(range(0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))


def _xml_bytes(text: str) -> bytes:
    """xml_text(text) as UTF-8, checked first in C (encode, bytes.translate): a regex scan of the whole
    body was a fifth of a DOCX render, and a clean body — nearly every one — needs no more."""
    from xlpy.cellvalue import xml_text

    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return xml_text(text).encode("utf-8")
    if len(data.translate(None, _XML_CONTROLS)) != len(data) or "\ufffe" in text or "\uffff" in text:
        return xml_text(text).encode("utf-8")
    return data


def _check_body(body: bytes) -> None:
    from lxml import etree

    from xlpy.errors import RenderError

    try:
        etree.fromstring(f'<w:body xmlns:w="{W_NS}">'.encode() + body + b"</w:body>")
    except etree.XMLSyntaxError as exc:
        raise RenderError(f"DOCX 正文模板生成的 XML 无效：{exc}") from exc


def _written(iso: str | None) -> _dt.datetime:
    try:
        return _dt.datetime.fromisoformat(str(iso))
    except ValueError:
        return _dt.datetime(2000, 1, 1)

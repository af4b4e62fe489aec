"""Check a DOCX report (xlpy's, edited, or an agency's own) against GB/T 9704-2012 and the official tables."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from xlpy import headings
from xlpy.errors import InputError
from xlpy.render import typeset
from xlpy.resources import load_json

STANDARD = "GB/T 9704-2012"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TWIPS_PER_MM = 1440 / 25.4
_SPACE = re.compile(r"\s+")
MAX_PART_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class DocxFinding:
    """One departure from the standard: the clause it breaks and what was found, in Chinese."""

    clause: str  # 「GB/T 9704-2012 6.2.1」 or the format document of the tables
    message: str
    where: str = ""  # 第12段, 页脚, 表三 …

    def to_dict(self) -> dict[str, str]:
        return {"clause": self.clause, "message": self.message, "where": self.where}


@dataclass
class _Doc:
    """The parts of the package the checks read, parsed once."""

    document: Any
    styles: Any
    settings: Any
    footers: list[Any]
    paragraphs: list[Any]  # body paragraphs outside tables, in order
    tables: list[Any]


def check_docx(data: bytes, name: str = "文件") -> list[DocxFinding]:
    """Every finding for the DOCX `data` (empty: it passes). An unreadable file is an InputError."""
    doc = _open(data, name)
    spec = typeset.spec()
    out: list[DocxFinding] = []
    for check in (_paper, _grid, _title, _body, _headings, _page_numbers, _tables):
        out.extend(check(doc, spec))
    return out


# -- reading -------------------------------------------------------------------------------


def _open(data: bytes, name: str) -> _Doc:
    from lxml import etree

    # No entities, no network, and a bound on each part before it is inflated (a DOCX report is < 1 MB).
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        sizes = {i.filename: i.file_size for i in zf.infolist()}
        if "word/document.xml" not in sizes:
            raise InputError(f"{name} 不是 Word 文档（DOCX）：缺少 word/document.xml")

        def part(path: str) -> Any:
            if path not in sizes:
                return None
            if sizes[path] > MAX_PART_BYTES:
                raise InputError(f"{name} 的 {path} 过大（{sizes[path] // 1024 // 1024} MB），不像一份年度报告")
            return etree.fromstring(zf.read(path), parser)

        document = part("word/document.xml")
        rels = part("word/_rels/document.xml.rels")
        footers = []
        for rel in rels if rels is not None else []:
            if rel.get("Type", "").endswith("/footer"):
                footer = part("word/" + rel.get("Target", "").lstrip("/").removeprefix("word/"))
                if footer is not None:
                    footers.append((rel.get("Id"), footer))
        styles, settings = part("word/styles.xml"), part("word/settings.xml")
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, OSError, ValueError, EOFError) as exc:
        raise InputError(f"{name} 无法作为 Word 文档（DOCX）打开：{exc}") from exc
    body = document.find(f"{W}body")
    if body is None:
        raise InputError(f"{name} 不是 Word 文档（DOCX）：正文为空")
    footer_by_ref = []
    sect = body.find(f"{W}sectPr")
    refs = {
        r.get(f"{{{_R}}}id"): r.get(f"{W}type")
        for r in (sect.findall(f"{W}footerReference") if sect is not None else [])
    }
    for rid, footer in footers:
        footer_by_ref.append((refs.get(rid, ""), footer))
    return _Doc(
        document=document,
        styles=styles,
        settings=settings,
        footers=footer_by_ref,
        paragraphs=body.findall(f"{W}p"),
        tables=body.findall(f"{W}tbl"),
    )


_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _text(el: Any) -> str:
    return "".join(t.text or "" for t in el.iter(f"{W}t"))


def _compact(text: str) -> str:
    return _SPACE.sub("", text)


def _attr(el: Any, path: str, attr: str) -> str | None:
    found = el.find(path) if el is not None else None
    return None if found is None else found.get(f"{W}{attr}")


class _Fonts:
    """Effective East-Asian font and size of a run: run, paragraph style chain, document defaults."""

    def __init__(self, styles: Any) -> None:
        self.styles: dict[str, Any] = {}
        self.default_style = None
        self.defaults = None
        if styles is None:
            return
        for st in styles.findall(f"{W}style"):
            sid = st.get(f"{W}styleId")
            self.styles[sid] = st
            if st.get(f"{W}type") == "paragraph" and st.get(f"{W}default") in ("1", "true"):
                self.default_style = sid
        self.defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")

    def _chain(self, style_id: str | None) -> list[Any]:
        out, seen = [], set()
        sid = style_id or self.default_style
        while sid and sid in self.styles and sid not in seen:
            seen.add(sid)
            out.append(self.styles[sid].find(f"{W}rPr"))
            sid = _attr(self.styles[sid], f"{W}basedOn", "val")
        return [r for r in out if r is not None] + ([self.defaults] if self.defaults is not None else [])

    def of(self, paragraph: Any, run: Any) -> tuple[str | None, float | None]:
        style = _attr(paragraph, f"{W}pPr/{W}pStyle", "val")
        chain = [run.find(f"{W}rPr")] + self._chain(style)
        font = size = None
        for rpr in chain:
            if rpr is None:
                continue
            fonts = rpr.find(f"{W}rFonts")
            if font is None and fonts is not None:
                font = fonts.get(f"{W}eastAsia") or fonts.get(f"{W}ascii")
            if size is None and rpr.find(f"{W}sz") is not None:
                size = int(rpr.find(f"{W}sz").get(f"{W}val")) / 2
        return font, size


# -- checks --------------------------------------------------------------------------------


def _clause(c: str) -> str:
    return f"{STANDARD} {c}"


def _paper(doc: _Doc, spec: dict[str, Any]) -> list[DocxFinding]:
    page = spec["page"]
    sect = doc.document.find(f"{W}body/{W}sectPr")
    tol = page["tolerance_mm"]
    if sect is None:
        return [DocxFinding(_clause(page["clause"]["paper"]), "文档没有页面设置（w:sectPr），无法确认纸张和页边距")]
    out = []
    w, h = (int(_attr(sect, f"{W}pgSz", a) or 0) / TWIPS_PER_MM for a in ("w", "h"))
    if abs(w - page["width_mm"]) > tol or abs(h - page["height_mm"]) > tol:
        out.append(
            DocxFinding(
                _clause(page["clause"]["paper"]),
                f"纸张为 {w:.0f} mm × {h:.0f} mm，应为 A4（210 mm × 297 mm）",
                "页面设置",
            )
        )
    names = {"top": "上边距（天头）", "bottom": "下边距", "left": "左边距（订口）", "right": "右边距"}
    for side, want in page["margins_mm"].items():
        got = int(_attr(sect, f"{W}pgMar", side) or 0) / TWIPS_PER_MM
        if abs(got - want) > tol:
            out.append(
                DocxFinding(
                    _clause(page["clause"]["margins"]),
                    f"{names[side]}为 {got:.1f} mm，应为 {want} mm ± {tol} mm（版心 156 mm × 225 mm）",
                    "页面设置",
                )
            )
    return out


def _body_paragraphs(doc: _Doc) -> list[Any]:
    """Paragraphs of running text: after the title, not a heading, not the signature or date."""
    texts = [(p, _text(p).strip()) for p in doc.paragraphs]
    nonempty = [(p, t) for p, t in texts if t and not t.startswith("草稿")]  # a draft's mark is no body text
    return [p for p, t in nonempty[1:-2] if not re.match(f"^[{headings.NUMERALS}]+、", t) and len(t) > 12]


def _grid(doc: _Doc, spec: dict[str, Any]) -> list[DocxFinding]:
    """22 lines of 28 characters: line pitch of the body and the characters one line holds."""
    grid = spec["grid"]
    sect = doc.document.find(f"{W}body/{W}sectPr")
    if sect is None:
        return []
    width = (
        int(_attr(sect, f"{W}pgSz", "w") or 0)
        - int(_attr(sect, f"{W}pgMar", "left") or 0)
        - int(_attr(sect, f"{W}pgMar", "right") or 0)
    )
    height = (
        int(_attr(sect, f"{W}pgSz", "h") or 0)
        - int(_attr(sect, f"{W}pgMar", "top") or 0)
        - int(_attr(sect, f"{W}pgMar", "bottom") or 0)
    )
    fonts = _Fonts(doc.styles)
    body = _body_paragraphs(doc)
    out = []
    if not body:
        return [DocxFinding(_clause(grid["clause"]), "没有找到正文段落，无法确认每页行数和每行字数")]
    # Line pitch: exact line spacing of the body paragraphs, else the grid's pitch.
    doc_grid = sect.find(f"{W}docGrid")
    pitches = []
    for p in body:
        rule = _attr(p, f"{W}pPr/{W}spacing", "lineRule")
        line = _attr(p, f"{W}pPr/{W}spacing", "line")
        if rule == "exact" and line:
            pitches.append(int(line))
        elif doc_grid is not None and doc_grid.get(f"{W}type") in ("lines", "linesAndChars", "snapToChars"):
            pitches.append(int(doc_grid.get(f"{W}linePitch") or 0))
    lines = {height // p for p in pitches if p} if pitches else set()
    if lines != {grid["lines"]}:
        got = "、".join(str(n) for n in sorted(lines)) or "未设定（行距随字号）"
        out.append(
            DocxFinding(_clause(grid["clause"]), f"正文每页 {got} 行，应为 {grid['lines']} 行（行距 28.95 磅）", "正文")
        )
    # Characters a line holds: the body size less the runs' condensing, or a linesAndChars grid's pitch.
    chars = set()
    for p in body[:20]:
        for r in p.findall(f"{W}r"):
            if not _text(r).strip():
                continue
            _, size = fonts.of(p, r)
            spacing = _run_spacing(r, fonts, p)
            pitch_twips = (size or 10.5) * 20 + spacing
            if (
                doc_grid is not None
                and doc_grid.get(f"{W}type") in ("linesAndChars", "snapToChars")
                and doc_grid.get(f"{W}charSpace")
            ):
                base = fonts.of(p, r)[1] or 16
                pitch_twips = (base + int(doc_grid.get(f"{W}charSpace")) / 4096) * 20
            chars.add(int(width // pitch_twips))
    if chars != {grid["chars"]}:
        got = "、".join(str(n) for n in sorted(chars))
        out.append(
            DocxFinding(_clause(grid["clause"]), f"正文每行 {got} 字，应为 {grid['chars']} 字并撑满版心", "正文")
        )
    return out


def _run_spacing(run: Any, fonts: _Fonts, paragraph: Any) -> int:
    """Character spacing of a run in twentieths of a point (w:spacing in the run or its defaults)."""
    own = _attr(run, f"{W}rPr/{W}spacing", "val")
    if own is not None:
        return int(own)
    for rpr in fonts._chain(_attr(paragraph, f"{W}pPr/{W}pStyle", "val")):
        if rpr.find(f"{W}spacing") is not None:
            return int(rpr.find(f"{W}spacing").get(f"{W}val") or 0)
    return 0


def _font_ok(font: str | None, size: float | None, spec: dict[str, Any], role: str) -> bool:
    return font in spec["families"][role] and size == spec["fonts"][role]["pt"]


def _font_finding(spec: dict[str, Any], role: str, font: str | None, size: float | None, where: str) -> DocxFinding:
    want = spec["fonts"][role]
    return DocxFinding(
        _clause(want["clause"]),
        f"{want['label'].split('（')[0]}用了 {font or '未指定字体'} {size or '?'} 磅，应为 {want['label'].split('（')[1].rstrip('）')}（{want['name']} {want['pt']} 磅）",
        where,
    )


def _title(doc: _Doc, spec: dict[str, Any]) -> list[DocxFinding]:
    fonts = _Fonts(doc.styles)
    title = next((p for p in doc.paragraphs if _text(p).strip() and not _text(p).startswith("草稿")), None)
    if title is None:
        return [DocxFinding(_clause(spec["fonts"]["title"]["clause"]), "没有找到标题", "第1段")]
    out = []
    runs = [r for r in title.findall(f"{W}r") if _text(r).strip()]
    bad = [fonts.of(title, r) for r in runs if not _font_ok(*fonts.of(title, r), spec, "title")]
    if bad:
        out.append(_font_finding(spec, "title", *bad[0], "标题"))
    if _attr(title, f"{W}pPr/{W}jc", "val") != "center":
        out.append(DocxFinding(_clause(spec["fonts"]["title"]["clause"]), "标题应居中排布", "标题"))
    return out


def _body(doc: _Doc, spec: dict[str, Any]) -> list[DocxFinding]:
    fonts = _Fonts(doc.styles)
    out = []
    for n, p in enumerate(_body_paragraphs(doc), start=1):
        for r in p.findall(f"{W}r"):
            text = _text(r).strip()
            if not text:
                continue
            font, size = fonts.of(p, r)
            if _font_ok(font, size, spec, "body") or _font_ok(font, size, spec, "heading2"):
                continue
            excerpt = _text(p).strip()[:16]
            out.append(_font_finding(spec, "body", font, size, f"正文第{n}段「{excerpt}…」"))
            break
        if len(out) >= 3:  # the first few say enough; an edited style changes every paragraph
            break
    return out


def _official_headings() -> list[list[str]]:
    from xlpy.render.context import headings

    versions = [v["id"] for v in load_json("versions.json")["versions"]]
    return [list(headings(v).values()) for v in versions]


def _headings(doc: _Doc, spec: dict[str, Any]) -> list[DocxFinding]:
    fonts = _Fonts(doc.styles)
    texts = [(_compact(_text(p)), p) for p in doc.paragraphs]
    out = []
    official = _official_headings()[-1]
    found = {t: p for t, p in texts}
    clause = _clause(spec["fonts"]["heading1"]["clause"])
    for heading in official:
        p = found.get(_compact(heading))
        if p is None:
            near = next((t for t, _ in texts if t[:2] == heading[:2] and 2 < len(t) < 40), "")
            note = f"（文中为「{near}」）" if near else ""
            out.append(DocxFinding(f"{clause}；{_format_document()}", f"缺少一级标题「{heading}」{note}", "正文"))
            continue
        for r in p.findall(f"{W}r"):
            if _text(r).strip() and not _font_ok(*fonts.of(p, r), spec, "heading1"):
                out.append(_font_finding(spec, "heading1", *fonts.of(p, r), f"标题「{heading}」"))
                break
    return out


def _format_document() -> str:
    return str(load_json("versions.json")["versions"][-1]["document"])


def _page_numbers(doc: _Doc, spec: dict[str, Any]) -> list[DocxFinding]:
    clause = _clause(spec["fonts"]["page_number"]["clause"])
    kinds = {}
    for kind, footer in doc.footers:
        instr = "".join(t.text or "" for t in footer.iter(f"{W}instrText")) + "".join(
            f.get(f"{W}instr") or "" for f in footer.iter(f"{W}fldSimple")
        )
        if "PAGE" in instr:
            kinds[kind or "default"] = footer
    if not kinds:
        return [DocxFinding(clause, "页脚中没有页码（PAGE 域）", "页脚")]
    out = []
    odd_even = doc.settings is not None and doc.settings.find(f"{W}evenAndOddHeaders") is not None
    if not odd_even or "even" not in kinds:
        out.append(DocxFinding(clause, "单页码居右、双页码居左：应设置奇偶页不同的页脚", "页脚"))
    for kind, want in (("default", "right"), ("even", "left")):
        footer = kinds.get(kind)
        if footer is None:
            continue
        p = next(
            (p for p in footer.iter(f"{W}p") if "PAGE" in "".join(t.text or "" for t in p.iter(f"{W}instrText"))), None
        )
        if p is None:
            continue
        jc = _attr(p, f"{W}pPr/{W}jc", "val")
        if jc != want:
            side = "单页码居右空一字" if want == "right" else "双页码居左空一字"
            out.append(
                DocxFinding(
                    clause, f"{side}（页脚对齐为 {jc or '左'}）", "奇数页页脚" if kind == "default" else "偶数页页脚"
                )
            )
        if _text(p).count("—") < 2:
            out.append(DocxFinding(clause, "页码数字左右应各放一条一字线（— 1 —）", "页脚"))
    return out


def _tables(doc: _Doc, spec: dict[str, Any]) -> list[DocxFinding]:
    """The three tables with their official labels: captions and row labels of 表二, 表三's rows and
    columns, 表四's headers (from the report schema's titles, the format documents' wording)."""
    from xlpy.render import tables as tables_mod

    cells = {_compact(_text(tc)) for tbl in doc.tables for tc in tbl.iter(f"{W}tc")}
    versions = load_json("versions.json")["versions"]
    best: tuple[int, str, list[tuple[str, str]]] | None = None
    for v in versions:
        model = tables_mod.tables(v["id"], {})
        labels = [
            (name, _compact(c.text))
            for name, key in (("表二", "s2"), ("表三", "s3"), ("表四", "s4"))
            for row in model[key].head + model[key].body
            for c in row
            if c.header and c.text
        ]
        # a header may carry a unit after its label (采购总金额（单位：万元）)
        missing = [
            (n, t) for n, t in dict.fromkeys(labels) if t not in cells and not any(c.startswith(t) for c in cells)
        ]
        if best is None or len(missing) < best[0]:
            best = (len(missing), str(v["document"]), missing)
    assert best is not None
    _, document, missing = best
    if not doc.tables:
        return [DocxFinding(document, "文中没有表格：应有表二、表三、表四三张统计表", "正文")]
    out = []
    for name, label in missing[:10]:
        out.append(DocxFinding(document, f"{name}缺少规定的栏目「{label}」（或被改写）", name))
    if len(missing) > 10:
        out.append(DocxFinding(document, f"另有 {len(missing) - 10} 个规定栏目未找到", "表格"))
    return out

"""PDF with a text layer -> Document (pdfplumber): text lines joined into paragraphs, tables by ruling lines."""

from __future__ import annotations

import io
import re
from typing import Any

from xlpy.errors import InputError
from xlpy.importing.document import Block, Cell, Document
from xlpy.importing.labels import knowledge

NO_TEXT = "此 PDF 没有文字层（可能是扫描件），无法读取；请提供可复制文字的 PDF 或网页"
MAX_PAGES = 200  # a report is a few pages; more is not one (bounded time)
INDENT = 1.5  # a line starting this many character widths right of the margin starts a paragraph


# CJK ideographs and CJK/full-width punctuation: next to a digit or a Latin letter, a small gap is the typesetter's
# spacing between scripts (LibreOffice's and Word's autospace, about a quarter em), not a typed space.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
GAP_TOLERANCE = 3.0  # points, pdfplumber's default x_tolerance: a wider gap between characters is a space
SCRIPT_GAP = 0.5  # … except between a CJK character and a digit/letter, where it must be wider than this many ems


def line_text(chars: list[dict[str, Any]]) -> str:
    """A text line from its characters: typed spaces kept (they are characters), gaps read as spaces except the
    typesetter's spacing between CJK and digits (「2024年」 is printed 「2024 年」 but was typed without a space)."""
    out: list[str] = []
    prev: dict[str, Any] | None = None
    for c in chars:
        ch = c["text"]
        if prev is not None and not ch.isspace() and not prev["text"].isspace():
            gap = c["x0"] - prev["x1"]
            mixed = bool(_CJK.match(prev["text"])) != bool(_CJK.match(ch))
            if gap > GAP_TOLERANCE and (not mixed or gap > SCRIPT_GAP * float(c.get("size") or 0)):
                out.append(" ")
        out.append(ch)
        prev = c
    return "".join(out)


def read_pdf(data: bytes, name: str) -> Document:
    try:
        import pdfplumber
    except ImportError as exc:  # an install without the [import] extra
        raise InputError(f"{name}：读取 PDF 需要 pdfplumber（pip install 'xlpy[import]'）。", code="input") from exc
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    doc = Document(name, "pdf")
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PdfminerException, PDFSyntaxError, PDFPasswordIncorrect) as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect) or "password" in repr(cause).lower():
            raise InputError(
                f"{name}：PDF 已加密（需要密码），无法读取；请提供未加密的 PDF。", code="encrypted"
            ) from exc
        raise InputError(f"{name}：不是有效的 PDF 文件（{type(cause).__name__}）。", code="not_report") from exc
    with pdf:
        created = str((pdf.metadata or {}).get("CreationDate") or "")
        if re.match(r"D:20\d{6}", created):
            # The file's creation date: the 成文日期 is often an image (a seal); inferred, and said so.
            doc.hints["published"] = f"{created[2:6]}-{created[6:8]}-{created[8:10]}"
        furniture = [re.compile(p) for p in knowledge()["page_furniture"]]
        para: list[str] = []
        para_where = ""

        def flush() -> None:
            nonlocal para
            if para:
                doc.blocks.append(Block("".join(para), para_where))
            para = []

        if len(pdf.pages) > MAX_PAGES:
            raise InputError(
                f"{name}：PDF 共 {len(pdf.pages)} 页，超过上限 {MAX_PAGES} 页，不是一份年报。", code="too_large"
            )
        chars = 0
        table_no = 0
        for number, page in enumerate(pdf.pages, start=1):
            chars += len(page.chars)
            tables = page.find_tables()
            items: list[tuple[float, int, Any]] = []
            for t in tables:
                items.append((t.bbox[1], 1, t))
            boxes = [t.bbox for t in tables]

            def outside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]] = boxes) -> bool:
                x = (obj["x0"] + obj["x1"]) / 2
                y = (obj["top"] + obj["bottom"]) / 2
                return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

            text_page = page.filter(outside) if boxes else page
            for line in text_page.extract_text_lines(keep_blank_chars=True):
                line["text"] = line_text(line["chars"])
                items.append((line["top"], 0, line))
            items.sort(key=lambda it: (it[0], it[1]))
            margin = min((it[2]["x0"] for it in items if it[1] == 0), default=0.0)
            for _top, kind, obj in items:
                if kind == 1:
                    rows = obj.extract()
                    if all(sum(1 for c in row if c) <= 1 for row in rows):
                        # A one-column box (a framed preamble or paragraph): text, not a table.
                        flush()
                        for row in rows:
                            text = "".join(c for c in row if c).replace("\n", "")
                            if text.strip():
                                if not para:
                                    para_where = f"第{number}页"
                                para.append(text.strip())
                        flush()
                        continue
                    flush()
                    table_no += 1
                    for r, row in enumerate(rows, start=1):
                        cells = [
                            Cell(
                                " ".join((c or "").split("\n")).strip(), f"第{number}页第{table_no}个表格第{r}行第{j}列"
                            )
                            for j, c in enumerate(row, start=1)
                            if c is not None  # None: covered by a merged cell
                        ]
                        if cells:
                            where = f"第{number}页第{table_no}个表格第{r}行"
                            doc.blocks.append(Block(" ".join(c.text for c in cells), where, cells))
                    continue
                text = obj["text"].strip()
                if any(p.match(text) for p in furniture):
                    continue
                if not para and doc.blocks and not doc.blocks[-1].is_row and re.fullmatch(r"[。，；、）)”]+", text):
                    doc.blocks[-1].text += text  # a full stop that fell just outside a framed box
                    continue
                width = (obj["x1"] - obj["x0"]) / max(len(obj["text"]), 1)
                if para and obj["x0"] - margin > INDENT * width:
                    flush()
                if not para:
                    para_where = f"第{number}页"
                para.append(text)
        flush()
        if chars == 0:
            raise InputError(f"{name}：{NO_TEXT}。", code="no_text_layer")
    return doc

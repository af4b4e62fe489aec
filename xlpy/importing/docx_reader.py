"""DOCX -> Document (python-docx): body paragraphs and tables in order; a merged cell is read once per row."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from xlpy.errors import InputError
from xlpy.importing.document import Block, Cell, Document

MAX_UNCOMPRESSED = 200 * 1024 * 1024  # a zip bomb is refused before python-docx inflates it


def read_docx(data: bytes, name: str) -> Document:
    from docx import Document as open_docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_UNCOMPRESSED:
                raise InputError(f"{name}：DOCX 解压后过大，无法读取。", code="too_large")
            if "word/document.xml" not in zf.namelist():
                raise InputError(f"{name}：不是 Word 文档（DOCX）。", code="not_report")
        word = open_docx(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise InputError(f"{name}：不是有效的 DOCX 文件（可能已加密或损坏）。", code="not_report") from exc
    doc = Document(name, "docx")
    tables = 0
    paras = 0
    for item in word.iter_inner_content():
        if isinstance(item, Paragraph):
            text = item.text.strip()
            if not text:
                continue
            paras += 1
            doc.blocks.append(Block(text, f"第{paras}段", None, _bold_lead(item)))
        elif isinstance(item, Table):
            tables += 1
            _table(item, doc, tables)
    return doc


def _bold_lead(p: Any) -> str:
    lead = ""
    for run in p.runs:
        if not run.bold:
            break
        lead += run.text
    return lead if lead and lead != p.text else ""


def _table(table: Any, doc: Document, n: int) -> None:
    for i, row in enumerate(table.rows, start=1):
        cells = []
        seen: set[int] = set()
        for j, cell in enumerate(row.cells, start=1):
            if id(cell._tc) in seen:
                continue  # python-docx repeats a horizontally merged cell once per grid column
            seen.add(id(cell._tc))
            text = "".join(p.text for p in cell.paragraphs).strip()
            cells.append(Cell(text, f"第{n}个表格第{i}行第{j}列"))
        doc.blocks.append(Block(" ".join(c.text for c in cells), f"第{n}个表格第{i}行", cells))

"""Text and Markdown (a converter's or a crawler's text, or xlpy's own Markdown) -> Document."""

from __future__ import annotations

import re

from xlpy import headings
from xlpy.importing.document import Block, Cell, Document
from xlpy.importing.labels import knowledge

_PIPE_SEP = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_HEADING = re.compile(r"^#{1,6}\s+")
# A line of its own that reads as a numbered heading (一、工作机制保障 / （二）改进情况) in a converter's text, where
# no blank line sets it off: it ends the paragraph before it and stands alone.
_NUMBERED_LINE = re.compile(f"^(?:[{headings.NUMERALS}]+、|{headings.SUB})[^。；;，,]{{1,28}}$")
# xlpy's lead-in of an overview part: （一）**主动公开**。 (punctuation outside the markers, valid CommonMark);
# older output and other tools write **（一）主动公开。**
_BOLD_LEAD = re.compile(f"^(（[{headings.NUMERALS}]+）)?\\*\\*(.+?)\\*\\*([。：:．.！!？?；;]?)")
# xlpy's Markdown escapes (render.md_escape): &lt; &amp; \| \] \{ \\ and a backslash before ASCII punctuation
_MD_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _unescape(text: str) -> str:
    text = _MD_UNESCAPE.sub(r"\1", text)
    return re.sub(r"&(lt|amp);", lambda m: "<" if m.group(1) == "lt" else "&", text)  # md_escape's entities


def _cells(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [_unescape(c).strip() for c in re.split(r"(?<!\\)\|", body)]


def read_text(data: str, name: str) -> Document:
    """Lines -> paragraphs (consecutive lines joined, as Markdown does), pipe tables -> rows."""
    doc = Document(name, "text")
    lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header = knowledge()["text_header"]
    start = 0
    for i, line in enumerate(lines[:40]):
        if line.strip() == header["end_marker"]:
            for h in lines[:i]:
                key, sep, value = h.partition(":")
                if sep and key.strip() in header["keys"]:
                    doc.hints[header["keys"][key.strip()]] = value.strip()
            start = i + 1
            break
    para: list[str] = []
    para_line = 0
    lead = ""
    table = 0
    row_no = 0

    def flush() -> None:
        nonlocal para, lead
        if para:
            doc.blocks.append(Block("".join(para), f"第{para_line}行", None, lead))
        para = []
        lead = ""

    in_table = False
    for n, raw in enumerate(lines[start:], start=start + 1):
        line = raw.strip()
        if line.startswith("|") and line.count("|") >= 2:
            flush()
            if not in_table:
                table += 1
                row_no = 0
                in_table = True
            if _PIPE_SEP.match(line):
                continue
            row_no += 1
            texts = _cells(line)
            where = f"第{n}行"
            cells = [Cell(t, f"{where}第{j + 1}列") for j, t in enumerate(texts)]
            doc.blocks.append(Block(" ".join(texts), where, cells))
            continue
        in_table = False
        if not line:
            flush()
            continue
        heading = bool(_HEADING.match(line)) or bool(_NUMBERED_LINE.match(line))
        if heading:
            flush()
            line = _HEADING.sub("", line)
        m = _BOLD_LEAD.match(line)
        if m and not para:
            lead = _unescape((m.group(1) or "") + m.group(2) + m.group(3))
            line = lead + line[m.end() :]
            if line == lead:  # a bold line on its own (a caption or a draft mark) is plain text
                lead = ""
        if not para:
            para_line = n
        para.append(_unescape(line))
        if heading:
            flush()
    flush()
    return doc

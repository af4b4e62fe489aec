"""HTML (a whole saved page or a fragment) -> Document, with lxml; scripts and styles are dropped, never run."""

from __future__ import annotations

import re
from typing import Any

from xlpy.errors import InputError
from xlpy.importing.document import Block, Cell, Document
from xlpy.importing.labels import knowledge

_DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head", "button", "select")
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "section", "article", "blockquote", "pre", "dd", "dt"}
_SPACE = re.compile(r"[ \t\r\n\xa0\u3000]+")
MAX_NODES = 200_000  # a page of more elements than this is not a report (bounded time and memory)


def _text(el: Any) -> str:
    """An element's text with <br> and block children as line breaks, &nbsp; runs as one space."""
    return _SPACE.sub(" ", "".join(el.itertext())).strip()


def read_html(data: bytes, name: str) -> Document:
    from lxml import etree

    try:
        # lxml's plain HTML parser (lxml.html's element classes cost a lookup per element visited, ~⅓ of the time).
        root = etree.fromstring(data, etree.HTMLParser())
        if root is None:
            raise ValueError("空文档")
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(f"{name}：无法解析 HTML（{exc}）。", code="not_report") from exc
    doc = Document(name, "html")
    metas = knowledge()["html_meta"]
    for meta in root.iter("meta"):
        key = meta.get("name")
        if key in metas and meta.get("content"):
            doc.hints[metas[key]] = meta.get("content").strip()
    if "title" not in doc.hints:
        t = root.find(".//title")
        if t is not None and t.text:
            doc.hints["title"] = t.text.strip()
    count = sum(1 for _ in root.iter())
    if count > MAX_NODES:
        raise InputError(f"{name}：网页过大（超过 {MAX_NODES} 个元素），不是一份年报。", code="too_large")
    # Scripts, styles and embedded objects are removed unread (their text never reaches the report data).
    etree.strip_elements(root, *_DROP, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    body = _report_container(root)
    _walk(body, doc, [0])
    return doc


def _report_container(root: Any) -> Any:
    """The element holding both the first and the last official heading: a page's article body, not its frame."""
    first = root.xpath("(//text()[contains(., '总体情况')])[1]")
    last = root.xpath("(//text()[contains(., '其他需要报告的事项')])[last()]")
    if not first or not last:
        return root
    ancestors = {id(a): a for a in first[0].getparent().iterancestors()}
    ancestors[id(first[0].getparent())] = first[0].getparent()
    node = last[0].getparent()
    while node is not None and id(node) not in ancestors:
        node = node.getparent()
    return node if node is not None else root


def _walk(el: Any, doc: Document, counter: list[int]) -> None:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if tag == "table":
        counter[0] += 1
        _table(el, doc, counter[0])
        return
    has_block_child = any(isinstance(c.tag, str) and (c.tag.lower() in _BLOCKS or c.tag.lower() == "table") for c in el)
    if tag in _BLOCKS and not has_block_child:
        text = _text(el)
        if text:
            lead = ""
            first = next((c for c in el if isinstance(c.tag, str)), None)
            if (
                first is not None
                and (first.get("class") or "").split().count("lead-in")
                and not (el.text or "").strip()
            ):
                lead = _text(first)
            doc.blocks.append(Block(text, f"第{len(doc.blocks) + 1}段", None, lead))
        return
    if el.text and el.text.strip() and tag in _BLOCKS:
        doc.blocks.append(Block(_SPACE.sub(" ", el.text).strip(), f"第{len(doc.blocks) + 1}段"))
    for child in el:
        _walk(child, doc, counter)
        if child.tail and child.tail.strip() and tag in _BLOCKS:
            doc.blocks.append(Block(_SPACE.sub(" ", child.tail).strip(), f"第{len(doc.blocks) + 1}段"))


def _table(table: Any, doc: Document, n: int) -> None:
    """Rows in order, each cell once (a rowspan/colspan label is not repeated: the mapper reads cells after a label)."""
    rows = [r for r in table.iter("tr") if _owner(r) is table]
    for i, tr in enumerate(rows, start=1):
        cells = []
        for j, td in enumerate([c for c in tr if isinstance(c.tag, str) and c.tag.lower() in ("td", "th")], start=1):
            # Header cells split over several <p> ("商业" / "企业") join without a space.
            parts = [_text(p) for p in td.iter("p")] if td.find(".//p") is not None else [_text(td)]
            cells.append(Cell("".join(parts), f"第{n}个表格第{i}行第{j}列"))
        if cells:
            doc.blocks.append(Block(" ".join(c.text for c in cells), f"第{n}个表格第{i}行", cells))


def _owner(tr: Any) -> Any:
    el = tr.getparent()
    while el is not None and el.tag != "table":
        el = el.getparent()
    return el

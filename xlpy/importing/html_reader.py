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
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.document_fromstring(data)
    except (etree.ParserError, ValueError) as exc:
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
    count = 0
    for el in list(root.iter()):
        count += 1
        if count > MAX_NODES:
            raise InputError(f"{name}：网页过大（超过 {MAX_NODES} 个元素），不是一份年报。", code="too_large")
        if isinstance(el.tag, str) and el.tag.lower() in _DROP:
            el.drop_tree()
        elif not isinstance(el.tag, str):  # comments, processing instructions
            el.drop_tree()
    body = _report_container(root)
    _walk(body, doc, [0])
    return doc


def _report_container(root: Any) -> Any:
    """The smallest element holding both the first and the last official heading (a page's article body)."""
    best = root
    for el in root.iter("div", "article", "section", "td", "body"):
        text = el.text_content()
        if "总体情况" in text and "其他需要报告的事项" in text:
            best = el  # iter is depth-first: later hits are deeper
    return best


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
            cells.append(Cell("".join(parts), f"表{n} 第{i}行第{j}列"))
        if cells:
            doc.blocks.append(Block(" ".join(c.text for c in cells), f"表{n} 第{i}行", cells))


def _owner(tr: Any) -> Any:
    el = tr.getparent()
    while el is not None and el.tag != "table":
        el = el.getparent()
    return el

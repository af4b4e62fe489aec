"""Sections of a published report: the official headings, the preamble, 一's parts, the texts of 二…六."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from xlpy import headings
from xlpy.importing import labels as lab
from xlpy.importing.document import Block
from xlpy.importing.meta import drop_tail_chrome, is_signature
from xlpy.importing.record import BLANK, READ, ImportRecord
from xlpy.importing.rows import row_matches

_PART_END = "。：:！!？?；;"

_TOP_NUMBERED = re.compile(f"^[{headings.NUMERALS}]+、[^。；;，,]{{1,28}}$")

MAX_TITLE_PART = 60  # a sub-heading longer than this is a paragraph that merely starts with （一）


@dataclass(slots=True)
class Line:
    """A block of the document with the section it falls in."""

    block: Block
    text: str
    section: str = ""  # s0 (before 一) | s1 … s6
    heading: bool = False


def split_sections(blocks: list[Block], version: str, late: list[dict[str, str]] | None = None) -> list[Line]:
    """Split paragraphs at official headings (a crawler puts the whole report on one line) and tag sections.

    An official heading opening a paragraph after a later one is kept as text and listed in `late` (out of order).
    """
    heads = lab.heading_regexes(version)
    tails = lab.heading_tails(version)
    lines: list[Line] = []
    seen: set[str] = set()
    section = "s0"
    order = ["s1", "s2", "s3", "s4", "s5", "s6"]
    for b in blocks:
        if b.is_row:
            lines.append(Line(b, b.text, section))
            continue
        text = b.text
        hits = []
        flat = re.sub(r"\s", "", text)
        for key, rx in heads.items():
            if key in seen or not any(t in flat for t in tails[key]):
                continue  # cheap test first: the heading's last two characters (情况, 事项) are not there
            m = rx.search(text)
            if m:
                hits.append((m.start(), m.end(), key))
        if not hits:
            lines.append(Line(b, text, section))
            continue
        hits.sort()
        pos = 0
        for start, end, key in hits:
            if key in seen or start < pos:
                continue
            # A heading of an earlier section after a later one is text (e.g. a list of the six parts).
            if order.index(key) < order.index(section) if section in order else False:
                if late is not None and start == 0:
                    late.append({"section": key, "text": text[start:end].strip(), "where": b.where})
                continue
            before = text[pos:start].strip()
            if before:
                lines.append(Line(sub_block(b, before), before, section))
            seen.add(key)
            section = key
            lines.append(Line(sub_block(b, text[start:end]), text[start:end], section, heading=True))
            pos = end
        rest = text[pos:].strip()
        if rest:
            lines.append(Line(sub_block(b, rest), rest, section))
    return lines


def sub_block(b: Block, text: str) -> Block:
    lead = b.lead if b.lead and text.startswith(b.lead) else ""
    return Block(text, b.where, None, lead)


def heading_title(version: str, key: str) -> str:
    from xlpy.render.context import headings

    return headings(version)[key]


def map_texts(
    lines: list[Line], inst: dict[str, Any], rec: ImportRecord, org: str, version: str, title_blocks: set[int]
) -> None:
    text = inst["text"]
    by: dict[str, list[Line]] = {}
    for ln in lines:
        if not ln.heading:
            by.setdefault(ln.section, []).append(ln)
    pre = [ln for ln in by.get("s0", []) if not ln.block.is_row]
    pre = [ln for ln in pre if id(ln.block) not in title_blocks and not _furniture_line(ln.text, org)]
    _set_text(rec, text, "preamble", "text.preamble", pre)
    _overview(by.get("s1", []), text, rec)
    for key, name in (("s2", "s2_lead"), ("s3", "s3_lead"), ("s4", "s4_lead")):
        lead = []
        for ln in by.get(key, []):
            if ln.block.is_row or _table_text(ln.text, version):
                break
            lead.append(ln)
        _set_text(rec, text, name, f"text.{name}", lead)
    _set_text(rec, text, "problems", "text.problems", [ln for ln in by.get("s5", []) if not ln.block.is_row])
    other = [ln for ln in by.get("s6", []) if not ln.block.is_row]
    if other:
        other[-1].text = drop_tail_chrome(other[-1].text)  # a crawled page's 附件下载 after the report
    while other and is_signature(other[-1].text, org):
        other.pop()  # signature and date line
    _set_text(rec, text, "other", "text.other", other)


def _furniture_line(text: str, org: str) -> bool:
    return is_signature(text, org)


def _table_text(text: str, version: str) -> bool:
    """A paragraph that is table content (a crawler's run-together table, a caption, a header fragment)."""
    if any(row_matches(text, version, key) for key in ("s2", "s3")):
        return True
    if not re.search(r"[。，；]", text) and sum(1 for t in _column_titles(version) if t in text) >= 2:
        return True  # header cells run together (no sentence punctuation), not a lead sentence
    return bool(re.search(r"第二十条\s*第|信息内容|勾稽关系|申请人情况", text))


def _column_titles(version: str) -> set[str]:
    return {t for s in lab.row_specs(version) for f in s.leaves for t in f.titles[1:] if len(t) >= 4}


def _set_text(rec: ImportRecord, text: dict[str, Any], key: str, path: str, lines: list[Line]) -> None:
    value = "\n".join(ln.text.strip() for ln in lines if ln.text.strip())
    text[key] = value
    if value:
        rec.set(path, READ, lines[0].block.where)
    else:
        rec.set(path, BLANK)


def _part_marker(n: int) -> re.Pattern[str]:
    return re.compile(rf"(?:^|(?<=[。；;！!？?\s]))#*\s*[（(]\s*{lab.cn_numeral(n)}\s*[）)]")


def _overview(lines: list[Line], text: dict[str, Any], rec: ImportRecord) -> None:
    """一、总体情况: the lead, then （一）（二）… parts (split inside a paragraph too: crawler text)."""
    pieces: list[tuple[Line, bool]] = []  # (line, starts a part)
    n = 1
    for ln in lines:
        if ln.block.is_row:
            continue
        t = ln.text
        pos = 0
        start_part = False
        while True:
            m = _part_marker(n).search(t, pos)
            if not m:
                break
            if m.start() > pos or (m.start() == pos and pos > 0):
                chunk = t[pos : m.start()].strip()
                if chunk:
                    pieces.append((Line(sub_block(ln.block, chunk), chunk, ln.section), start_part))
                start_part = False
            pos = m.start()
            start_part = True
            n += 1
            # The marker itself stays with its part; search for the next one after it.
            nxt = _part_marker(n).search(t, m.end())
            chunk = t[pos : nxt.start() if nxt else len(t)].strip()
            pieces.append((Line(sub_block(ln.block, chunk), chunk, ln.section), True))
            if not nxt:
                pos = len(t)
                break
            pos = nxt.start()
            start_part = False
            t_rest = t[pos:]
            if not _part_marker(n).match(t_rest.lstrip("# ")):
                break
        rest = t[pos:].strip()
        if rest:
            pieces.append((Line(sub_block(ln.block, rest), rest, ln.section), False))
    lead: list[str] = []
    parts: list[dict[str, Any]] = []
    for ln, starts in pieces:
        if not starts and _TOP_NUMBERED.match(ln.text.strip()):
            # 二、工作机制保障 as a sub-heading of 一: a part whose title keeps its numbering (N-14 reports it).
            parts.append({"title": ln.text.strip(), "body": [], "where": ln.block.where})
            rec.set(f"text.overview.parts.{len(parts) - 1}.title", READ, ln.block.where, ln.text.strip())
            continue
        if starts:
            title, body = _split_part(ln)
            parts.append({"title": title, "body": [body] if body else [], "where": ln.block.where})
            rec.set(f"text.overview.parts.{len(parts) - 1}.title", READ, ln.block.where, title)
            continue
        if parts:
            parts[-1]["body"].append(ln.text.strip())
        else:
            lead.append(ln.text.strip())
    for i, part in enumerate(parts):
        rec.set(f"text.overview.parts.{i}.body", READ if part["body"] else BLANK, part["where"])
    text["overview"] = {
        "lead": "\n".join(x for x in lead if x),
        "parts": [{"title": p["title"], "body": "\n".join(x for x in p["body"] if x)} for p in parts],
    }
    rec.set("text.overview.lead", READ if lead else BLANK, pieces[0][0].block.where if pieces else "")


def _split_part(ln: Line) -> tuple[str, str]:
    """（一）title。body -> (title, body); a bold lead-in (xlpy's own output) gives the exact split."""
    t = ln.text.strip().lstrip("#* ").strip()
    marker = re.match(f"[（(]\\s*[{headings.NUMERALS}]+\\s*[）)]\\s*", t)
    head = t[marker.end() :] if marker else t
    lead = ln.block.lead.strip().lstrip("#* ") if ln.block.lead else ""
    if lead and t.startswith(lead):
        title = lead[marker.end() :] if marker and len(lead) >= marker.end() else lead
        title = title.strip()
        if title.endswith("。"):
            title = title[:-1]
        return title, t[len(lead) :].strip()
    for i, ch in enumerate(head[:MAX_TITLE_PART]):
        if ch in _PART_END:
            title = head[:i] if ch == "。" else head[: i + 1]
            return title.strip(), head[i + 1 :].strip()
    if len(head) <= MAX_TITLE_PART:
        return head.strip(), ""
    return "", head.strip()


def strip_summaries(inst: dict[str, Any], rec: ImportRecord) -> None:
    """xlpy's own reports state 表三/表四 in a generated sentence before the table; it is not clerk text."""
    if not (inst["text"]["s3_lead"] or inst["text"]["s4_lead"]):
        return
    from xlpy.render.context import build
    from xlpy.render.env import environment

    try:
        ctx = build(copy.deepcopy(inst), environment())
    except Exception:  # noqa: BLE001 - a half-imported report may not render; then nothing is stripped
        return
    for key, name in (("s3", "s3_lead"), ("s4", "s4_lead")):
        summary = ctx[key].get("summary") or ""
        lead = inst["text"][name]
        if summary and (lead == summary or lead.startswith(summary + "\n")):
            inst["text"][name] = lead[len(summary) :].lstrip("\n")
            rec.notes.append(f"{name}：去掉了由表格生成的概述句")
            if not inst["text"][name]:
                rec.set(f"text.{name}", BLANK)

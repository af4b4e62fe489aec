"""The one mapper: a Document (any format) -> the schema instance and its import record, by the schema's labels."""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from xlpy import schema
from xlpy.errors import InputError
from xlpy.importing import labels as lab
from xlpy.importing.document import Block, Document
from xlpy.importing.record import BLANK, INFERRED, READ, SPLIT, ImportRecord
from xlpy.importing.split import Number, candidates, total_check, value

_TOKEN = re.compile(r"-?\d+(?:\.\d+)?")
_LEADING_NUMBERS = re.compile(r"^[\s:：]*((?:-?\d+(?:\.\d+)?[ \t\u3000\xa0]*)+)")
_DATE = re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_LINE = re.compile(r"^[\s（(]*(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日[\s）)]*$")
_ISO_DATE = re.compile(r"(20\d{2})-(\d{1,2})-(\d{1,2})")
_PART_END = "。：:！!？?；;"
_TOP_NUMBERED = re.compile(r"^[一二三四五六七八九十]+、[^。；;，,]{1,28}$")
MAX_TITLE_PART = 60  # a sub-heading longer than this is a paragraph that merely starts with （一）
_TABLE_NAMES = {"s2": "表二", "s3": "表三", "s4": "表四"}  # the official tables, as findings name them
COMBO_LIMIT = 4096  # rows still ambiguous after their own sums: at most this many combinations tried


@dataclass(slots=True)
class Line:
    """A block of the document with the section it falls in."""

    block: Block
    text: str
    section: str = ""  # s0 (before 一) | s1 … s6
    heading: bool = False


@dataclass(slots=True)
class Imported:
    """The result of an import: the schema instance, its record and the places of the fields."""

    instance: dict[str, Any]
    record: ImportRecord
    version: str

    @property
    def places(self) -> dict[str, str]:
        return self.record.places()


@dataclass(slots=True)
class _RowFound:
    where: str
    text: str
    options: list[list[Number]] = field(default_factory=list)  # candidate values (one: read or split)
    direct: bool = False  # every cell printed on its own (no split)
    blanks: list[bool] = field(default_factory=list)
    label: str = ""  # the label as printed, when it is a variant of the official one


def map_document(
    doc: Document, *, year: int | None = None, org: str | None = None, org_type: str | None = None
) -> Imported:
    """Map a read document to report data; raises InputError if it is not an annual report at all."""
    blocks = _drop_furniture(doc.blocks)
    if not any(b.text.strip() or b.is_row for b in blocks):
        raise InputError(f"{doc.name}：文件中没有文字内容，无法导入。", code="not_report")
    title_year, title_org, title_at, title_blocks, title_text = _title(blocks, doc)
    year = year if year is not None else title_year
    version = _version(blocks, year)
    late: list[dict[str, str]] = []
    lines = _sections(blocks, version, late)
    found = {ln.section for ln in lines if ln.heading}
    if len(found) < 2 and doc.table_rows == 0:
        raise InputError(
            f"{doc.name}：不是政府信息公开工作年度报告：没有找到年报的法定标题"
            "（一、总体情况 … 六、其他需要报告的事项），也没有找到表二、表三、表四。",
            code="not_report",
        )
    rec = ImportRecord(doc.name, doc.kind, version)
    rec.outline = {
        "title": {"text": title_text, "where": title_at, "year": title_year, "org": title_org},
        "headings": [
            {"section": ln.section, "text": ln.text.strip().lstrip("#* "), "where": ln.block.where}
            for ln in lines
            if ln.heading
        ],
        "late": late,
        "labels": [],
    }
    inst = _skeleton(version)
    meta = inst["meta"]
    if year is not None:
        meta["year"] = year
        rec.set("meta.year", READ if title_year == year else INFERRED, title_at, str(year))
    else:
        rec.set("meta.year", BLANK, note="标题中没有报告年度；请用 --year 指定")
    name = org or title_org
    if name:
        meta["org_name"] = name
        rec.set("meta.org_name", READ if org is None else INFERRED, title_at, name, "" if org is None else "--org")
    else:
        rec.set("meta.org_name", BLANK, note="标题中没有机关名称；请用 --org 指定")
    _texts(lines, inst, rec, name or "", version, title_blocks)
    _tables(lines, inst, rec, version)
    _org_type(inst, rec, org_type)
    _date(lines, inst, rec, doc)
    _strip_summaries(inst, rec)
    hybrid = _foreign_labels(blocks, version)
    if hybrid:
        rec.notes.append(f"混用格式：{version} 年版表格中出现了另一版本的标签：{'、'.join(hybrid)}")
    missing = [k for k in ("s1", "s2", "s3", "s4", "s5", "s6") if k not in found]
    rec.outline["missing"] = missing
    if missing:
        heads = lab.heading_regexes(version)
        rec.notes.append("没有找到法定标题：" + "、".join(_heading_title(version, k) for k in missing if k in heads))
    return Imported(inst, rec, version)


# --- structure ------------------------------------------------------------------------------


def _drop_furniture(blocks: list[Block]) -> list[Block]:
    pats = [re.compile(p) for p in lab.knowledge()["page_furniture"]]
    return [b for b in blocks if b.is_row or not any(p.match(b.text.strip()) for p in pats)]


def _title(blocks: list[Block], doc: Document) -> tuple[int | None, str, str, set[int], str]:
    """(year, agency, place, title blocks) from 「{机关}{年份}年(度)政府信息公开工作年度报告」 (or year first)."""
    suffix = lab.text_pattern(lab.knowledge()["title"]["suffix"])
    rx = re.compile(
        rf"(?P<a>[^\s。，,：:；;#*|]{{0,40}}?)\s*(?P<y>20\d{{2}})\s*年\s*度?\s*(?P<b>[^\s。，,：:；;#*|]{{0,40}}?)\s*{suffix}"
    )
    paras = [b for b in blocks[:40] if not b.is_row]
    for i, para in enumerate(paras):
        text = para.text.strip().lstrip("#* ")
        m = rx.search(text)
        if not m and i + 1 < len(paras) and len(text) <= 60:
            # A title wrapped over two lines ("2024 年上海市科委政府信息公开工作" / "年度报告").
            joined = text + paras[i + 1].text.strip()
            m2 = rx.search(joined)
            if m2 and len(joined) <= 80:
                org = (m2.group("a") or m2.group("b") or "").strip("*# ")
                return int(m2.group("y")), org, para.where, {id(para), id(paras[i + 1])}, m2.group(0)
        if not m:
            continue
        org = (m.group("a") or m.group("b") or "").strip("*# ")
        matched = m.group(0)
        used = {id(para)}
        if len(text) > 120:
            # The title inside a long line (a crawler's page text): the report starts after it.
            para.text = text[m.end() :].strip()
            used = set()
        elif (
            not org
            and i > 0
            and len(paras[i - 1].text.strip()) <= 40
            and not re.search(r"[。：:；;]$", paras[i - 1].text)
        ):
            org = paras[i - 1].text.strip().strip("*# ")  # the agency on the line above the title
            used.add(id(paras[i - 1]))
        return int(m.group("y")), org, para.where, used, matched
    hint = doc.hints.get("title", "")
    m = rx.search(hint)
    if m:
        return int(m.group("y")), (m.group("a") or m.group("b") or "").strip(), "网页标题", set(), m.group(0)
    return None, "", "", set(), ""


def _version(blocks: list[Block], year: int | None) -> str:
    text = re.sub(r"\s", "", "".join(b.text for b in blocks))
    scores = {v: sum(1 for t in ts if t in text) for v, ts in lab.version_markers().items()}
    best = max(scores.values()) if scores else 0
    by_labels = [v for v, s in scores.items() if s == best and s > 0]
    by_year = schema.version_for_year(year) if year is not None else None
    if len(by_labels) == 1:
        return by_labels[0]
    if by_year is not None:
        return by_year
    return schema.known_versions()[-1]


def _foreign_labels(blocks: list[Block], version: str) -> list[str]:
    text = re.sub(r"\s", "", "".join(b.text for b in blocks))
    return [t for v, ts in lab.version_markers().items() if v != version for t in ts if t in text]


def _sections(blocks: list[Block], version: str, late: list[dict[str, str]] | None = None) -> list[Line]:
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
                lines.append(Line(_sub(b, before), before, section))
            seen.add(key)
            section = key
            lines.append(Line(_sub(b, text[start:end]), text[start:end], section, heading=True))
            pos = end
        rest = text[pos:].strip()
        if rest:
            lines.append(Line(_sub(b, rest), rest, section))
    return lines


def _sub(b: Block, text: str) -> Block:
    lead = b.lead if b.lead and text.startswith(b.lead) else ""
    return Block(text, b.where, None, lead)


def _heading_title(version: str, key: str) -> str:
    from xlpy.render.context import headings

    return headings(version)[key]


def _skeleton(version: str) -> dict[str, Any]:
    """Every field present and blank (None for numbers, "" for text), constants set."""
    inst: dict[str, Any] = {}
    for f in schema.fields(version).values():
        node = inst
        parts = f.path.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        if f.kind == schema.CONST:
            node[parts[-1]] = f.schema["const"]
        elif f.kind == schema.TEXT:
            node[parts[-1]] = ""
        else:
            node[parts[-1]] = None
    inst["text"]["overview"] = {"lead": "", "parts": []}
    inst["explanations"] = []
    return inst


# --- text ------------------------------------------------------------------------------------


def _texts(
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
    while other and _signature(other[-1].text, org):
        other.pop()  # signature and date line
    _set_text(rec, text, "other", "text.other", other)


def _signature(text: str, org: str) -> bool:
    """The agency's name and/or the date on a line of their own (converters may join the two)."""
    t = text.strip().strip("#* ")
    if org and t.startswith(org):
        t = t[len(org) :].strip()
    return not t or bool(_DATE_LINE.match(t))


def _furniture_line(text: str, org: str) -> bool:
    return _signature(text, org)


def _table_text(text: str, version: str) -> bool:
    """A paragraph that is table content (a crawler's run-together table, a caption, a header fragment)."""
    if any(_matches(text, version, key) for key in ("s2", "s3")):
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
                    pieces.append((Line(_sub(ln.block, chunk), chunk, ln.section), start_part))
                start_part = False
            pos = m.start()
            start_part = True
            n += 1
            # The marker itself stays with its part; search for the next one after it.
            nxt = _part_marker(n).search(t, m.end())
            chunk = t[pos : nxt.start() if nxt else len(t)].strip()
            pieces.append((Line(_sub(ln.block, chunk), chunk, ln.section), True))
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
            pieces.append((Line(_sub(ln.block, rest), rest, ln.section), False))
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
    marker = re.match(r"[（(]\s*[一二三四五六七八九十]+\s*[）)]\s*", t)
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


# --- tables ------------------------------------------------------------------------------------


def _tables(lines: list[Line], inst: dict[str, Any], rec: ImportRecord, version: str) -> None:
    specs = lab.row_specs(version)
    found: dict[str, _RowFound | None] = {}
    by_section: dict[str, list[Line]] = {}
    for ln in lines:
        by_section.setdefault(ln.section, []).append(ln)
    for spec in specs:
        section_lines = by_section.get(spec.section, [])
        keys = [f.path.rsplit(".", 1)[1] for f in spec.leaves]
        kinds = [f.kind for f in spec.leaves]
        check = total_check(keys)
        if spec.regex is None:
            found[spec.path] = _unlabelled(section_lines, spec, kinds, check, version)
        else:
            found[spec.path] = _labelled(section_lines, spec, kinds, check, version, specs)
    _misplaced(found, by_section, specs, rec, version)
    _column_labels(by_section, rec)
    _resolve_columns(found, specs, version)
    for spec in specs:
        row = found[spec.path]
        label = spec.labels[0] if spec.labels else _heading_title(version, spec.section)
        paths = [f.path for f in spec.leaves]
        if row is None:
            for p in paths:
                rec.set(p, BLANK, note=f"没有找到“{label}”行")
            rec.ambiguous.append({"paths": paths, "where": "", "text": "", "reason": f"没有找到“{label}”行的数字"})
            continue
        if len(row.options) != 1:
            row.where = f"{_TABLE_NAMES.get(spec.section, '')}“{label}”行（{row.where}）" if row.where else ""
            has_total = any(f.path.endswith(".total") for f in spec.leaves)
            how = "都符合合计关系" if has_total else "（该行没有合计可以核对）"
            reason = (
                f"“{label}”行的数字 {row.text} 连在一起，可拆成 {len(row.options)} 种{how}，无法确定"
                if row.options
                else f"“{label}”行的数字 {row.text or '（无）'} 无法对应到 {len(paths)} 个单元格"
            )
            for p in paths:
                rec.set(p, BLANK, row.where, row.text, reason)
            rec.ambiguous.append({"paths": paths, "where": row.where, "text": row.text, "reason": reason})
            continue
        values = row.options[0]
        table = _TABLE_NAMES.get(spec.section, "")
        for f, v, blank in zip(spec.leaves, values, row.blanks or [False] * len(values), strict=False):
            # 表三“自然人”列（第4页第2个表格第7行）: the official column (the finding names the row), then the place.
            cell = f"“{f.title}”列" if len(paths) > 1 else f"“{label}”"
            if spec.regex is None:
                cell = f"“{' '.join(t for t in f.titles[1:] if t)}”"
            where = f"{table}{cell}（{row.where}）"
            _put(inst, f.path, None if blank else v)
            if blank:
                rec.set(f.path, BLANK, where, "", "印为空白")
            else:
                rec.set(f.path, READ if row.direct else SPLIT, where, _fmt(v))
    for spec in specs:
        row = found[spec.path]
        if row is not None and row.label:
            rec.notes.append(f"{row.where}：“{spec.labels[0]}”印作“{row.label}”（非本版格式的标签）")
            rec.outline.setdefault("labels", []).append(
                {"official": spec.labels[0], "printed": row.label, "where": row.where, "path": spec.path}
            )
    _foreign_rows(by_section, specs, rec, version)
    _units(lines, inst, rec, version)


def _column_labels(by_section: dict[str, list[Line]], rec: ImportRecord) -> None:
    """An official column header printed in an edited wording (“社会组织” for “社会公益组织”), for O-3."""
    for section, variants in lab.knowledge().get("column_variants", {}).items():
        if section.startswith("$"):
            continue
        section_lines = by_section.get(section, [])
        flat = re.sub(r"\s", "", "".join(ln.text for ln in section_lines))
        for official, printed in variants.items():
            if official.startswith("$") or official in flat:
                continue
            for variant in printed:
                at = next((ln.block.where for ln in section_lines if variant in re.sub(r"\s", "", ln.text)), None)
                if at is not None:
                    rec.outline.setdefault("labels", []).append(
                        {"official": official, "printed": variant, "where": at, "path": section, "kind": "列"}
                    )
                    break


def _misplaced(
    found: dict[str, _RowFound | None],
    by_section: dict[str, list[Line]],
    specs: tuple[lab.RowSpec, ...],
    rec: ImportRecord,
    version: str,
) -> None:
    """A table none of whose labelled rows is under its own heading but some are, as table rows, under another (O-5).

    Only reported: its figures stay blank (and listed), since a heading out of place may mean the table is too.
    """
    for table_section, table in _TABLE_NAMES.items():
        own = [sp for sp in specs if sp.section == table_section and sp.regex is not None]
        if not own or any(found.get(sp.path) is not None for sp in own):
            continue
        for section, section_lines in by_section.items():
            if section == table_section:
                continue
            rows = [ln for ln in section_lines if ln.block.is_row]
            hits = []
            for sp in own:
                keys = [f.path.rsplit(".", 1)[1] for f in sp.leaves]
                row = _labelled(rows, sp, [f.kind for f in sp.leaves], total_check(keys), version, specs)
                if row is not None:
                    hits.append(row)
            if len(hits) >= 2:  # one label alone may be a row of another table that shares its words
                rec.outline.setdefault("misplaced", []).append(
                    {"table": table, "section": table_section, "under": section, "where": hits[0].where}
                )
                break


def _foreign_rows(
    by_section: dict[str, list[Line]], specs: tuple[lab.RowSpec, ...], rec: ImportRecord, version: str
) -> None:
    """A row of another format version printed with figures (a 2019 （六）其他处理 row in 2021 tables): reported."""
    own = {s.path for s in specs}
    for other in schema.known_versions():
        if other == version:
            continue
        other_specs = lab.row_specs(other)
        for spec in other_specs:
            if spec.regex is None or spec.path in own:
                continue
            keys = [f.path.rsplit(".", 1)[1] for f in spec.leaves]
            kinds = [f.kind for f in spec.leaves]
            row = _labelled(by_section.get(spec.section, []), spec, kinds, total_check(keys), other, other_specs)
            if row is not None and row.options:
                reason = f"印有 {other} 年版格式的“{spec.labels[0]}”行（{row.text}），{version} 年版表格没有这一行，其数字未导入"
                rec.notes.append(f"混用格式：{row.where}：{reason}")
                rec.ambiguous.append({"paths": [], "where": row.where, "text": row.text, "reason": reason})


def _fmt(v: Any) -> str:
    return "" if v is None else str(v)


def _put(inst: dict[str, Any], path: str, v: Any) -> None:
    node = inst
    parts = path.split(".")
    for p in parts[:-1]:
        node = node[p]
    node[parts[-1]] = v


def _labelled(
    section_lines: list[Line],
    spec: lab.RowSpec,
    kinds: list[str],
    check: Any,
    version: str,
    specs: tuple[lab.RowSpec, ...],
) -> _RowFound | None:
    """The first place the row's label is printed with figures after it (a table row, or run-together text)."""
    first_seen: _RowFound | None = None
    cell_rx = lab.cell_regex(version, spec.path)
    # Table rows first: a sentence before the table ("其中予以公开1362件") names rows too.
    for ln in section_lines:
        b = ln.block
        if not b.is_row:
            continue
        assert b.cells is not None
        for j, cell in enumerate(b.cells):
            if not cell_rx.fullmatch(cell.text.strip()):
                continue
            data = b.cells[j + 1 :]
            got = _from_cells([c.text for c in data], kinds, check)
            row = _RowFound(f"{b.where}", " | ".join(c.text for c in data), *got)
            official = re.sub(r"\s", "", lab.strip_ordinal(spec.labels[0]))
            if official not in re.sub(r"\s", "", cell.text):
                row.label = cell.text.strip()
            if row.options or any(c.text.strip() for c in data):
                return row
            first_seen = first_seen or row
    for ln in section_lines:
        b = ln.block
        if b.is_row:
            continue
        for _start, end in _label_spans(ln.text, spec, version):
            nxt = _next_label(ln.text, end, version, spec.section)
            m = _LEADING_NUMBERS.match(ln.text[end:nxt])
            if not m:
                first_seen = first_seen or _RowFound(b.where, "")
                continue
            tokens = m.group(1).split()
            options = candidates(tokens, kinds, check if len(tokens) < len(kinds) else None)
            direct = len(tokens) == len(kinds)
            where = b.where if direct or len(kinds) == 1 else f"{b.where}（数字连写：{m.group(1).strip()}）"
            row = _RowFound(where, m.group(1).strip(), options, direct, [False] * len(kinds))
            if options:
                return row
            first_seen = first_seen or row
    return first_seen


@lru_cache(maxsize=256)
def _matches(text: str, version: str, section: str) -> tuple[tuple[int, int, str], ...]:
    """Every row label of a section in a paragraph, by position; a label inside a longer one is not a match."""
    found = [
        (m.start(), m.end(), spec.path)
        for spec in lab.row_specs(version)
        if spec.section == section and spec.regex is not None
        for m in spec.regex.finditer(text)
    ]
    kept = [(a, b, p) for a, b, p in found if not any(x <= a and b <= y and (y - x) > (b - a) for x, y, _ in found)]
    return tuple(sorted(kept))


def _label_spans(text: str, spec: lab.RowSpec, version: str) -> list[tuple[int, int]]:
    """Where this row's label occurs in a paragraph."""
    return [(a, b) for a, b, p in _matches(text, version, spec.section) if p == spec.path]


def _next_label(text: str, pos: int, version: str, section: str) -> int:
    return next((a for a, _, _ in _matches(text, version, section) if a >= pos), len(text))


def _from_cells(texts: list[str], kinds: list[str], check: Any) -> tuple[list[list[Number]], bool, list[bool]]:
    """Cells after a row label -> (options, direct, blank flags)."""
    blank_words = set(lab.knowledge()["blank_cells"])
    texts = [t.strip() for t in texts]
    while len(texts) > len(kinds) and texts and texts[-1] in blank_words:
        texts.pop()  # a converter's empty trailing column
    if len(texts) == len(kinds) and all(len(t.split()) <= 1 for t in texts):
        values: list[Number] = []
        blanks = []
        for t, kind in zip(texts, kinds, strict=True):
            if t in blank_words:
                values.append(0)
                blanks.append(True)
                continue
            v = value(t, kind)
            if v is None:
                return [], False, []
            values.append(v)
            blanks.append(False)
        return [values], True, blanks
    tokens = [tok for t in texts for tok in t.split() if t not in blank_words]
    if not tokens or not all(_TOKEN.fullmatch(t) for t in tokens) or len(tokens) > len(kinds):
        return [], False, []
    options = candidates(tokens, kinds, check if len(tokens) < len(kinds) else None)
    return options, len(tokens) == len(kinds), [False] * len(kinds)


def _unlabelled(
    section_lines: list[Line], spec: lab.RowSpec, kinds: list[str], check: Any, version: str
) -> _RowFound | None:
    """表四: one printed row of 15 figures under a header; rows of numbers in order, or the digits after the header."""
    rows = [ln.block for ln in section_lines if ln.block.is_row]
    if rows:
        texts: list[str] = []
        where = ""
        blank_words = set(lab.knowledge()["blank_cells"])
        for b in rows:
            assert b.cells is not None
            cells = [c.text.strip() for c in b.cells]
            if any(c and c not in blank_words for c in cells) and all(
                (not c or c in blank_words or _TOKEN.fullmatch(c) or all(_TOKEN.fullmatch(x) for x in c.split()))
                for c in cells
            ):
                while cells and not cells[-1]:
                    cells.pop()
                texts.extend(cells)
                where = where or b.where
        if not texts:
            return None
        options, direct, blanks = _from_cells(texts, kinds, check)
        return _RowFound(where, " | ".join(texts), options, direct, blanks)
    header = [lab.text_pattern(f.title) for f in spec.leaves]
    rx = re.compile("|".join(sorted(set(header), key=len, reverse=True)))
    for ln in section_lines:
        last = None
        for m in rx.finditer(ln.text):
            last = m
        if last is None:
            continue
        m2 = _LEADING_NUMBERS.match(ln.text[last.end() :])
        if not m2:
            continue
        tokens = m2.group(1).split()
        if len(tokens) > len(kinds):
            return _RowFound(ln.block.where, m2.group(1).strip())
        options = candidates(tokens, kinds, check if len(tokens) < len(kinds) else None)
        direct = len(tokens) == len(kinds)
        where = ln.block.where if direct else f"{ln.block.where}（数字连写：{m2.group(1).strip()}）"
        return _RowFound(where, m2.group(1).strip(), options, direct, [False] * len(kinds))
    return None


def _resolve_columns(found: dict[str, _RowFound | None], specs: tuple[lab.RowSpec, ...], version: str) -> None:
    """Rows whose own sums left several splits: keep the one combination the column sums allow, if unique."""
    equations = _column_equations(specs)
    in_sums = {p for lhs, rhs in equations for p in lhs + rhs}
    open_rows = [p for p, r in found.items() if r is not None and len(r.options) > 1 and p in in_sums]
    if not open_rows:
        return
    total = 1
    for p in open_rows:
        total *= len(found[p].options)  # type: ignore[union-attr]
    if total > COMBO_LIMIT:
        return
    keyed = {s.path: [f.path.rsplit(".", 1)[1] for f in s.leaves] for s in specs}
    valid = []
    for combo in itertools.product(*(found[p].options for p in open_rows)):  # type: ignore[union-attr]
        chosen = dict(zip(open_rows, combo, strict=True))

        def row_values(path: str, chosen: dict[str, list[Number]] = chosen) -> dict[str, Number] | None:
            if path in chosen:
                return dict(zip(keyed[path], chosen[path], strict=True))
            r = found.get(path)
            if r is None or len(r.options) != 1 or any(r.blanks or []):
                return None
            return dict(zip(keyed[path], r.options[0], strict=True))

        if all(_holds(eq, row_values) for eq in equations):
            valid.append(combo)
    for i, p in enumerate(open_rows):
        # A row is settled when every combination the column sums allow gives it the same split.
        kept = {tuple(combo[i]) for combo in valid}
        if len(kept) == 1:
            found[p].options = [list(kept.pop())]  # type: ignore[union-attr]


def _column_equations(specs: tuple[lab.RowSpec, ...]) -> list[tuple[list[str], list[str]]]:
    paths = [s.path for s in specs]
    out = []
    for eq in lab.knowledge()["column_sums"]:
        lhs = _expand(eq["lhs"], paths, eq["lhs"])
        rhs = _expand(eq["rhs"], paths, eq["lhs"])
        if all(p in paths for p in lhs + rhs):
            out.append((lhs, rhs))
    return out


def _expand(items: list[str], paths: list[str], exclude: list[str]) -> list[str]:
    """ "s3.results.*" -> every row under s3.results except those on the other side."""
    res: list[str] = []
    for it in items:
        if it.endswith(".*"):
            base = it[:-2] + "."
            res.extend(p for p in paths if p.startswith(base) and p not in exclude)
        else:
            res.append(it)
    return res


def _holds(eq: tuple[list[str], list[str]], row_values: Any) -> bool:
    lhs_rows = [row_values(p) for p in eq[0]]
    rhs_rows = [row_values(p) for p in eq[1]]
    if any(r is None for r in lhs_rows + rhs_rows):
        return True  # an unknown row cannot rule a combination out
    for col in lhs_rows[0]:
        if sum(r[col] for r in lhs_rows) != sum(r[col] for r in rhs_rows):
            return False
    return True


def _units(lines: list[Line], inst: dict[str, Any], rec: ImportRecord, version: str) -> None:
    """A choice of unit printed in a header (2019 采购总金额（单位：元/万元）)."""
    for f in schema.fields(version).values():
        if f.kind != schema.CHOICE or not f.path.startswith("s2."):
            continue
        text = "".join(ln.text for ln in lines if ln.section == "s2")
        options = sorted(f.schema["enum"], key=len, reverse=True)
        m = re.search(r"单位\s*[:：]\s*(" + "|".join(map(re.escape, options)) + ")", text)
        if m:
            _put(inst, f.path, m.group(1))
            rec.set(f.path, READ, "表二", m.group(0))
        else:
            amount = re.search(r"\d(" + "|".join(map(re.escape, options)) + r")(?!\w)", text)
            if amount:
                _put(inst, f.path, amount.group(1))
                rec.set(f.path, INFERRED, "表二", amount.group(0), "金额后的单位")
            else:
                rec.set(f.path, BLANK, note="表头没有印出单位")


# --- metadata ----------------------------------------------------------------------------------


def _org_type(inst: dict[str, Any], rec: ImportRecord, given: str | None) -> None:
    meta = inst["meta"]
    if given:
        meta["org_type"] = given
        rec.set("meta.org_type", INFERRED, note="--org-type")
        return
    name = meta.get("org_name") or ""
    k = lab.knowledge()["org_types"]
    types: list[str] = []
    for rule in k["suffixes"]:
        if name.endswith(rule["suffix"]):
            types = list(rule["types"])
            break
    if not types and name:
        if any(name.startswith(c) for c in k["provincial_cities"]) and not name.endswith("人民政府"):
            types = ["省级政府部门"]
        elif name.endswith("人民政府") and any(name == c + "人民政府" for c in k["provincial_cities"]):
            types = ["省级人民政府"]
    if len(types) > 1:
        # Only agencies that may make 规章 issue them: a report showing 规章 narrows the candidates.
        props = schema.org_types()
        shows_rules = any(
            isinstance(v, int | float) and v > 0
            for p in lab.knowledge()["rules_rows"]
            for v in (schema.lookup(inst, p) or {}).values()
        )
        if shows_rules:
            types = [t for t in types if props[t]["may_make_rules"]]
    if len(types) == 1:
        meta["org_type"] = types[0]
        rec.set("meta.org_type", INFERRED, "标题", name, "由机关名称推断")
    else:
        meta["org_type"] = None
        note = (
            "无法由机关名称确定机关类型"
            + (f"（可能是：{'、'.join(types)}）" if types else "")
            + "；请用 --org-type 指定"
        )
        rec.set("meta.org_type", BLANK, note=note)
        rec.ambiguous.append({"paths": ["meta.org_type"], "where": "标题", "text": name, "reason": note})


def _date(lines: list[Line], inst: dict[str, Any], rec: ImportRecord, doc: Document) -> None:
    """成文日期: the date line at the end (or under the title); else the page's publication date, inferred."""
    paras = [ln for ln in lines if not ln.block.is_row]
    org = inst["meta"].get("org_name") or ""
    for ln in paras:
        if org and ln.text.strip().startswith(org):
            ln.text = ln.text.strip()[len(org) :].strip() or ln.text
    for ln in reversed(paras[-4:]):
        m = _DATE_LINE.match(ln.text)
        if m:
            inst["meta"]["date"] = _iso(m.groups())
            rec.set("meta.date", READ, ln.block.where, ln.text.strip())
            return
    for ln in paras:
        if ln.section in ("s0",):
            m = _DATE_LINE.match(ln.text)
            if m:
                inst["meta"]["date"] = _iso(m.groups())
                rec.set("meta.date", READ, ln.block.where, ln.text.strip())
                return
    published = doc.hints.get("published", "")
    m2 = _ISO_DATE.search(published) or _DATE.search(published)
    if m2:
        inst["meta"]["date"] = _iso(m2.groups())
        rec.set("meta.date", INFERRED, "发布时间", published, "文中没有成文日期，取网页的发布时间")
        return
    inst["meta"]["date"] = None
    rec.set("meta.date", BLANK, note="没有找到成文日期")


def _iso(groups: tuple[str, ...]) -> str:
    y, m, d = (int(g) for g in groups)
    return f"{y:04d}-{m:02d}-{d:02d}"


def _strip_summaries(inst: dict[str, Any], rec: ImportRecord) -> None:
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

"""The one mapper: a Document (any format) -> the schema instance and its import record, by the schema's labels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from xlpy import schema
from xlpy.errors import InputError
from xlpy.importing import labels as lab
from xlpy.importing.document import Block, Document
from xlpy.importing.meta import full_name, infer_org_type, read_date, read_title
from xlpy.importing.record import BLANK, INFERRED, READ, ImportRecord
from xlpy.importing.sections import heading_title, map_texts, split_sections, strip_summaries
from xlpy.importing.tables import map_tables


@dataclass(slots=True)
class Imported:
    """The result of an import: the schema instance, its record and the places of the fields."""

    instance: dict[str, Any]
    record: ImportRecord
    version: str

    @property
    def places(self) -> dict[str, str]:
        return self.record.places()


def map_document(
    doc: Document,
    *,
    year: int | None = None,
    org: str | None = None,
    org_type: str | None = None,
    fallback_org_type: str | None = None,
) -> Imported:
    """Map a read document to report data; raises InputError if it is not an annual report at all."""
    blocks = _drop_furniture(doc.blocks)
    if not any(b.text.strip() or b.is_row for b in blocks):
        raise InputError(f"{doc.name}：文件中没有文字内容，无法导入。", code="not_report")
    title = read_title(blocks, doc)
    year = year if year is not None else title.year
    version = _version(blocks, year)
    late: list[dict[str, str]] = []
    lines = split_sections(blocks, version, late)
    found = {ln.section for ln in lines if ln.heading}
    if len(found) < 2 and doc.table_rows == 0:
        raise InputError(
            f"{doc.name}：不是政府信息公开工作年度报告：没有找到年报的法定标题"
            "（一、总体情况 … 六、其他需要报告的事项），也没有找到表二、表三、表四。",
            code="not_report",
        )
    rec = ImportRecord(doc.name, doc.kind, version)
    rec.outline = {
        "title": {"text": title.text, "where": title.where, "year": title.year, "org": title.org},
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
        rec.set("meta.year", READ if title.year == year else INFERRED, title.where, str(year))
    else:
        rec.set("meta.year", BLANK, note="标题中没有报告年度；请用 --year 指定")
    if org:
        meta["org_name"] = org
        rec.set("meta.org_name", INFERRED, title.where, org, "--org")
    elif title.org:
        meta["org_name"], how = full_name(title.org)
        rec.set("meta.org_name", INFERRED if how else READ, title.where, title.org, how)
    else:
        rec.set("meta.org_name", BLANK, note="标题中没有机关名称；请用 --org 指定")
    printed = org or title.org
    map_texts(lines, inst, rec, printed, version, title.blocks)
    map_tables(lines, inst, rec, version)
    infer_org_type(inst, rec, org_type, fallback_org_type)
    read_date(lines, inst, rec, doc, printed)
    strip_summaries(inst, rec)
    hybrid = _foreign_labels(blocks, version)
    if hybrid:
        rec.notes.append(f"混用格式：{version} 年版表格中出现了另一版本的标签：{'、'.join(hybrid)}")
    missing = [k for k in ("s1", "s2", "s3", "s4", "s5", "s6") if k not in found]
    rec.outline["missing"] = missing
    if missing:
        heads = lab.heading_regexes(version)
        rec.notes.append("没有找到法定标题：" + "、".join(heading_title(version, k) for k in missing if k in heads))
    return Imported(inst, rec, version)


def _drop_furniture(blocks: list[Block]) -> list[Block]:
    pats = [re.compile(p) for p in lab.knowledge()["page_furniture"]]
    return [b for b in blocks if b.is_row or not any(p.match(b.text.strip()) for p in pats)]


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

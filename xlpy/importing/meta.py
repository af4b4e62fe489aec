"""Metadata of a published report: the title (机关名称, 报告年度), 机关类型 from the name, the 成文日期."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from xlpy import schema
from xlpy.importing import labels as lab
from xlpy.importing.document import Block, Document
from xlpy.importing.record import BLANK, INFERRED, READ, ImportRecord

if TYPE_CHECKING:
    from xlpy.importing.sections import Line


_DATE = re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")

DATE_LINE = re.compile(r"^[\s（(]*(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日[\s）)]*$")

_ISO_DATE = re.compile(r"(20\d{2})-(\d{1,2})-(\d{1,2})")


@dataclass(slots=True)
class Title:
    """The report's title as printed: year, agency (as printed), place, the blocks it took, the title text."""

    year: int | None = None
    org: str = ""
    where: str = ""
    blocks: set[int] = field(default_factory=set)
    text: str = ""


def _title_regex() -> re.Pattern[str]:
    # The official suffix first, then edited wordings (工作 left out…): such a title is read, O-4 reports it.
    words = lab.knowledge()["title"]
    suffix = "(?:" + "|".join(lab.text_pattern(w) for w in [words["suffix"], *words["suffix_variants"]]) + ")"
    return re.compile(
        rf"(?P<a>[^\s。，,：:；;#*|]{{0,40}}?)\s*(?P<y>20\d{{2}})\s*年\s*度?\s*(?P<b>[^\s。，,：:；;#*|]{{0,40}}?)\s*{suffix}"
    )


def _org_and_text(m: re.Match[str]) -> tuple[str, str]:
    """「{机关}{年份}年…」 or 「{年份}年{机关}…」: in the year-first form what precedes the year is a page header (正文)."""
    after = (m.group("b") or "").strip("*# ")
    if after:
        return after, m.string[m.start("y") : m.end()]
    return (m.group("a") or "").strip("*# "), m.group(0).strip("*# ")


def read_title(blocks: list[Block], doc: Document) -> Title:
    """The title 「{机关}{年份}年(度)政府信息公开工作年度报告」 (or year first), else the page's title hint."""
    rx = _title_regex()
    paras = [b for b in blocks[:40] if not b.is_row]
    for i, para in enumerate(paras):
        text = para.text.strip().lstrip("#* ")
        m = rx.search(text)
        if not m and i + 1 < len(paras) and len(text) <= 60:
            # A title wrapped over two lines ("2024 年上海市科委政府信息公开工作" / "年度报告").
            joined = text + paras[i + 1].text.strip()
            m2 = rx.search(joined)
            if m2 and len(joined) <= 80:
                org, title = _org_and_text(m2)
                return Title(int(m2.group("y")), org, para.where, {id(para), id(paras[i + 1])}, title)
        if not m:
            continue
        org, title = _org_and_text(m)
        used = {id(para)}
        rest = _drop_chrome(text[m.end() :], "lead")
        if rest:
            # The title run into the text (a crawler's one-line page, a converter joining lines): the report
            # starts after it, once the page's own words (来源、时间、share buttons) are dropped.
            para.text = rest
            used = set()
        elif (
            not org
            and i > 0
            and len(paras[i - 1].text.strip()) <= 40
            and not re.search(r"[。：:；;]$", paras[i - 1].text)
        ):
            org = paras[i - 1].text.strip().strip("*# ")  # the agency on the line above the title
            used.add(id(paras[i - 1]))
        return Title(int(m.group("y")), org, para.where, used, title)
    m = rx.search(doc.hints.get("title", ""))
    if m:
        org, title = _org_and_text(m)
        return Title(int(m.group("y")), org, "网页标题", set(), title)
    return Title()


@cache
def _chrome(kind: str) -> re.Pattern[str]:
    return re.compile(lab.knowledge()["page_chrome"][kind])


def _drop_chrome(text: str, kind: str) -> str:
    """A crawled page's own words at the start ("lead") or end ("tail") of the report text, dropped."""
    return _chrome(kind).sub("", text).strip()


def drop_tail_chrome(text: str) -> str:
    return _drop_chrome(text, "tail")


def full_name(printed: str) -> tuple[str, str]:
    """(agency name, how): a short form printed in the title (上海市科委) spelled out by import-labels.json."""
    for short, full in lab.knowledge()["org_abbreviations"].items():
        if not short.startswith("$") and printed.endswith(short) and len(printed) > len(short):
            name = printed[: -len(short)] + full
            return name, f"标题印作简称“{printed}”，按简称表（schemas/import-labels.json）写作“{name}”"
    return printed, ""


def candidate_org_types(name: str) -> list[str]:
    """The 机关类型 the name allows, by the first matching rule of import-labels.json (none: not decided)."""
    known = schema.org_types()
    for rule in _org_type_rules():
        if rule[0].fullmatch(name):
            return [t for t in rule[1] if t in known]
    return []


@cache
def _org_type_rules() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    return tuple((re.compile(r["name"]), tuple(r["types"])) for r in lab.knowledge()["org_types"]["rules"])


def infer_org_type(inst: dict[str, Any], rec: ImportRecord, given: str | None, fallback: str | None = None) -> None:
    """机关类型: given (--org-type), else from the name (narrowed by 规章), else the fallback, else asked for."""
    meta = inst["meta"]
    if given:
        meta["org_type"] = given
        rec.set("meta.org_type", INFERRED, note="--org-type")
        return
    name = meta.get("org_name") or ""
    types = candidate_org_types(name)
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
    elif fallback:
        meta["org_type"] = fallback
        rec.set("meta.org_type", INFERRED, note="--org-type（机关名称无法确定机关类型时）")
    else:
        meta["org_type"] = None
        ask = lab.knowledge()["org_type_asked"]
        maybe = ask["candidates"].format(types="，".join(types)) if types else ""
        note = ask["message"].format(
            name=name, candidates=maybe if name else ask["no_name"], types="，".join(schema.org_types())
        )
        rec.set("meta.org_type", BLANK, note=note)
        rec.ambiguous.append({"paths": ["meta.org_type"], "where": "标题", "text": name, "reason": note})
        # `xlpy validate` puts this in place of the schema's wording for a workbook (下拉列表): one clear finding.
        rec.outline.setdefault("asked", {})["meta.org_type"] = note


def read_date(lines: list[Line], inst: dict[str, Any], rec: ImportRecord, doc: Document, printed: str = "") -> None:
    """成文日期: the date line at the end (or under the title); else the page's publication date, inferred."""
    paras = [ln for ln in lines if not ln.block.is_row]
    names = [n for n in (inst["meta"].get("org_name") or "", printed) if n]
    for ln in paras:
        for org in names:
            if ln.text.strip().startswith(org):
                ln.text = ln.text.strip()[len(org) :].strip() or ln.text
                break
    for ln in reversed(paras[-4:]):
        m = DATE_LINE.match(ln.text)
        if m:
            inst["meta"]["date"] = _iso(m.groups())
            rec.set("meta.date", READ, ln.block.where, ln.text.strip())
            return
    for ln in paras:
        if ln.section in ("s0",):
            m = DATE_LINE.match(ln.text)
            if m:
                inst["meta"]["date"] = _iso(m.groups())
                rec.set("meta.date", READ, ln.block.where, ln.text.strip())
                return
    published = doc.hints.get("published", "")
    m2 = _ISO_DATE.search(published) or _DATE.search(published)
    if m2:
        inst["meta"]["date"] = _iso(m2.groups())
        # A PDF's hint is the file's creation date (pdf_reader), a page's or a crawl's the 发布时间 it shows.
        source = "PDF 文件的创建日期" if doc.kind == "pdf" else "网页的发布时间"
        rec.set("meta.date", INFERRED, source, published, f"文中没有成文日期，取{source}")
        return
    inst["meta"]["date"] = None
    note = lab.knowledge()["date_asked"]["message"]
    rec.set("meta.date", BLANK, note=note)
    rec.outline.setdefault("asked", {})["meta.date"] = note


def _iso(groups: tuple[str, ...]) -> str:
    y, m, d = (int(g) for g in groups)
    return f"{y:04d}-{m:02d}-{d:02d}"


def is_signature(text: str, org: str) -> bool:
    """The agency's name and/or the date on a line of their own (converters may join the two)."""
    t = text.strip().strip("#* ")
    if org and t.startswith(org):
        t = t[len(org) :].strip()
    return not t or bool(DATE_LINE.match(t))

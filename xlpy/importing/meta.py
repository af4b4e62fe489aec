"""Metadata of a published report: the title (机关名称, 报告年度), 机关类型 from the name, the 成文日期."""

from __future__ import annotations

import re
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


def read_title(blocks: list[Block], doc: Document) -> tuple[int | None, str, str, set[int], str]:
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


def infer_org_type(inst: dict[str, Any], rec: ImportRecord, given: str | None) -> None:
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


def read_date(lines: list[Line], inst: dict[str, Any], rec: ImportRecord, doc: Document) -> None:
    """成文日期: the date line at the end (or under the title); else the page's publication date, inferred."""
    paras = [ln for ln in lines if not ln.block.is_row]
    org = inst["meta"].get("org_name") or ""
    for ln in paras:
        if org and ln.text.strip().startswith(org):
            ln.text = ln.text.strip()[len(org) :].strip() or ln.text
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
        rec.set("meta.date", INFERRED, "发布时间", published, "文中没有成文日期，取网页的发布时间")
        return
    inst["meta"]["date"] = None
    rec.set("meta.date", BLANK, note="没有找到成文日期")


def _iso(groups: tuple[str, ...]) -> str:
    y, m, d = (int(g) for g in groups)
    return f"{y:04d}-{m:02d}-{d:02d}"


def is_signature(text: str, org: str) -> bool:
    """The agency's name and/or the date on a line of their own (converters may join the two)."""
    t = text.strip().strip("#* ")
    if org and t.startswith(org):
        t = t[len(org) :].strip()
    return not t or bool(DATE_LINE.match(t))

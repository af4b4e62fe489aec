"""The outline audit of a published report (O-1…O-5): title, official headings and table labels as printed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from xlpy import headings
from xlpy.importing import labels as lab
from xlpy.importing.meta import full_name
from xlpy.model import Finding
from xlpy.rules.context import RuleContext, checker

_SECTIONS = {"s1": "一", "s2": "二", "s3": "三", "s4": "四", "s5": "五", "s6": "六"}
_TABLES = {"s2": "表二", "s3": "表三", "s4": "表四"}
_ORDINAL = re.compile(f"^\\s*([{headings.NUMERALS}]+)")
_NOISE = re.compile(r"[\s#*]")
_ROW_ORDINAL = re.compile(f"^\\s*(?:{headings.SUB}|{headings.ITEM})")
_NOT_CJK = re.compile(r"[^\u4e00-\u9fff]")


def _words(label: str) -> str:
    """A row label's words: no ordinal, punctuation or spacing (a converter's half-width 、， is no edit)."""
    return _NOT_CJK.sub("", _ROW_ORDINAL.sub("", label))


def _headings(version: str) -> dict[str, str]:
    from xlpy.render.context import headings

    return headings(version)


def _core(text: str) -> str:
    """A heading without its ordinal and spacing, for comparing wordings (full/half-width 、 alike)."""
    return _NOISE.sub("", lab.strip_ordinal(_NOISE.sub("", text))).rstrip("。.")


def _finding(rule: Any, message: str, where: str, section: str = "基本信息", **values: Any) -> Finding:
    # A published document has no cells: the place in it (第3页, 第23行) stands where a workbook cell would.
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        message=message,
        cells=[where] if where else [],
        section=section,
        values=values,
    )


@checker("O-1")
def missing_headings(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """Each official heading (一…六) the import did not find."""
    if ctx.outline is None:
        return
    official = _headings(ctx.version)
    late = {h["section"] for h in ctx.outline.get("late", [])}  # printed, only out of order: that is O-2
    for key in ctx.outline.get("missing", []):
        if key in official and key not in late:
            yield _finding(rule, rule.message.format(heading=official[key]), "", _SECTIONS[key], heading=official[key])


@checker("O-2")
def heading_form(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """Official headings printed with another ordinal or wording, or after a later heading."""
    if ctx.outline is None:
        return
    official = _headings(ctx.version)
    heads = ctx.outline.get("headings", [])
    for h in heads:
        key, printed = h["section"], h["text"]
        want = official[key]
        what = []
        m = _ORDINAL.match(printed)
        if m and m.group(1) != _SECTIONS[key]:
            what.append(f"编号应为“{_SECTIONS[key]}、”")
        if _core(printed) != _core(want):
            what.append(f"措辞应为“{lab.strip_ordinal(want)}”")
        if what:
            msg = rule.message.format(heading=want, printed=printed, where=h["where"], what="；".join(what))
            yield _finding(rule, msg, h["where"], _SECTIONS[key], printed=printed)
    for h in ctx.outline.get("late", []):
        after = next((official[x["section"]] for x in reversed(heads) if x["section"] > h["section"]), "")
        msg = rule.messages["late"].format(heading=official[h["section"]], after=after, where=h["where"])
        yield _finding(rule, msg, h["where"], _SECTIONS[h["section"]], printed=h["text"])


@checker("O-3")
def edited_labels(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """Table rows printed under a variant of their official label (the import read them by the synonym)."""
    if ctx.outline is None:
        return
    for item in ctx.outline.get("labels", []):
        if _words(item["printed"]) == _words(item["official"]):
            continue
        section = item["path"].split(".", 1)[0]
        other = _other_version_label(ctx.version, item["path"], item["printed"])
        why = (
            f"这是 {other} 年版格式的行名，{ctx.version} 年版格式为“{item['official']}”"
            if other
            else f"改动了年度报告格式规定的{'列名' if item.get('kind') == '列' else '行名'}，应为“{item['official']}”"
        )
        msg = rule.message.format(
            table=_TABLES.get(section, ""),
            official=item["official"],
            kind=item.get("kind", "行"),  # a row label, or a column header (表三 社会公益组织)
            printed=item["printed"],
            where=item["where"],
            why=why,
        )
        yield _finding(rule, msg, item["where"], _SECTIONS.get(section, "基本信息"), printed=item["printed"])


def _other_version_label(version: str, path: str, printed: str) -> str | None:
    """The other format version whose official label for this row is what was printed, if any."""
    from xlpy import schema

    flat = _NOISE.sub("", printed)
    for other in schema.known_versions():
        if other == version:
            continue
        for spec in lab.row_specs(other):
            if spec.path == path and spec.labels and _NOISE.sub("", spec.labels[0]) == flat:
                return other
    return None


@checker("O-4")
def title_wording(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """The title reads {机关名称}{年份}年政府信息公开工作年度报告: the full name, the report year, the official words."""
    if ctx.outline is None:
        return
    title = ctx.outline.get("title") or {}
    text = _NOISE.sub("", title.get("text") or "")
    if not text:
        yield _finding(rule, rule.messages["no_title"], "")
        return
    say = rule.messages
    org = _NOISE.sub("", title.get("org") or "")
    year = ctx.value("meta.year")
    what = []
    if not org:
        what.append(say["no_org"])
    else:
        full, how = full_name(org)
        if how:
            what.append(say["short_name"].format(printed=org, full=full))
        if text.startswith(str(title.get("year"))) and not text.startswith(org):
            what.append(say["year_first"].format(org=full, year=title.get("year")))
    if isinstance(year, int) and title.get("year") != year:
        what.append(say["year"].format(printed=title.get("year"), year=year))
    suffix = lab.knowledge()["title"]["suffix"]
    if not text.endswith(suffix):
        printed = next((w for w in lab.knowledge()["title"]["suffix_variants"] if text.endswith(w)), text)
        what.append(say["wording"].format(printed=printed))
    if what:
        msg = rule.message.format(title=text, where=title.get("where", ""), what="；".join(what))
        yield _finding(rule, msg, title.get("where", ""), title=text)


@checker("O-5")
def misplaced_tables(ctx: RuleContext, rule: Any) -> Iterator[Finding]:
    """A table printed under another heading than its own (表三 under 二)."""
    if ctx.outline is None:
        return
    official = _headings(ctx.version)
    for item in ctx.outline.get("misplaced", []):
        under = official.get(item["under"], "标题之前")
        msg = rule.message.format(
            table=item["table"], under=under, where=item["where"], heading=official[item["section"]]
        )
        yield _finding(rule, msg, item["where"], _SECTIONS[item["section"]], table=item["table"])

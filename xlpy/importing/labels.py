"""Label patterns: the schema's own titles (plus the variants in schemas/import-labels.json) as tolerant regexes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from xlpy import schema
from xlpy.headings import ITEM, NUMERALS, SUB, TOP
from xlpy.resources import load_json

# Characters printed interchangeably in published reports (full/half width, 、 for . after a number, …).
_EQUIV = ["（(", "）)", "，,、.．", "：:", '“”"＂', "；;", "／/"]
_CLASS = {ch: "[" + re.escape(group) + "]" for group in _EQUIV for ch in group}
# An official ordinal in front of a label: 一、 / （一） / 1. / 1、
_ORDINAL = re.compile(f"^(?:{TOP}|{SUB}|{ITEM})")
GAP = r"\s*"  # labels wrap over lines, and PDF text puts spaces between characters


@cache
def knowledge() -> dict[str, Any]:
    data: dict[str, Any] = load_json("import-labels.json")
    return data


def text_pattern(text: str) -> str:
    """A regex source for printed text: any spacing between characters, full/half-width variants."""
    parts = []
    for ch in text:
        if ch.isspace():
            continue
        parts.append(_CLASS.get(ch, re.escape(ch)))
    return GAP.join(parts)


def label_pattern(title: str, *, min_core: int = 4) -> str:
    """A regex source matching a printed label: spacing, width and 、/. variants; the ordinal optional if the rest is long."""
    title = title.strip()
    m = _ORDINAL.match(title)
    if not m:
        return text_pattern(title)
    ordinal, core = m.group(0), title[m.end() :]
    ordinal_re = text_pattern(ordinal)
    if len(core) >= min_core:
        return f"(?:{ordinal_re}{GAP})?{text_pattern(core)}"
    return f"{ordinal_re}{GAP}{text_pattern(core)}"


def strip_ordinal(title: str) -> str:
    return _ORDINAL.sub("", title.strip())


@dataclass(frozen=True, slots=True)
class RowSpec:
    """One printed table row: the schema object whose leaves are its cells, and the labels that name it."""

    path: str  # "s3.results.withheld.state_secret"; for an unlabelled table the section ("s4")
    leaves: tuple[schema.Field, ...]
    labels: tuple[str, ...]  # official title first, then variants
    regex: re.Pattern[str] | None  # None for an unlabelled table

    @property
    def section(self) -> str:
        return self.path.split(".")[0]


_NUMERIC = (schema.COUNT, schema.SIGNED, schema.MONEY)


@cache
def row_specs(version: str) -> tuple[RowSpec, ...]:
    """The printed rows of 表二/三/四 in schema order."""
    k = knowledge()
    synonyms = k["row_synonyms"].get(version, {})
    unlabelled = set(k["unlabelled_rows"])
    groups: dict[str, list[schema.Field]] = {}
    for f in schema.fields(version).values():
        if f.kind not in _NUMERIC or f.path.split(".")[0] not in ("s2", "s3", "s4"):
            continue
        section = f.path.split(".")[0]
        parent = section if section in unlabelled else f.path.rsplit(".", 1)[0]
        groups.setdefault(parent, []).append(f)
    out = []
    for parent, leaves in groups.items():
        if parent in unlabelled:
            out.append(RowSpec(parent, tuple(leaves), (), None))
            continue
        title = leaves[0].titles[-2]
        labels = (title, *synonyms.get(parent, []))
        source = "|".join(f"(?:{label_pattern(t)})" for t in sorted(labels, key=len, reverse=True))
        out.append(RowSpec(parent, tuple(leaves), labels, re.compile(source)))
    return tuple(out)


@cache
def cell_regex(version: str, path: str) -> re.Pattern[str]:
    """A table cell naming a row: the label at the end, anything before it set off (folded group labels)."""
    spec = next(s for s in row_specs(version) if s.path == path)
    assert spec.regex is not None
    return re.compile(rf"(?:.*?[\s)）、])?(?:{spec.regex.pattern})\s*[:：]?")


@cache
def heading_regexes(version: str) -> dict[str, re.Pattern[str]]:
    """The six official headings (any ordinal: published reports renumber them) by section key s1…s6."""
    from xlpy.render.context import headings

    official = headings(version)
    out = {}
    for key, words in knowledge()["headings"].items():
        cores = {strip_ordinal(official[key]), *words}
        alts = "|".join(text_pattern(c) for c in sorted(cores, key=len, reverse=True))
        out[key] = re.compile(rf"#*\s*(?<![{NUMERALS}])[{NUMERALS}]+\s*[、.．,，]\s*(?:{alts})")
    return out


@cache
def heading_tails(version: str) -> dict[str, tuple[str, ...]]:
    """The last two characters of each heading's wordings: a paragraph without them holds no heading."""
    from xlpy.render.context import headings

    official = headings(version)
    return {
        key: tuple({re.sub(r"\s", "", w)[-2:] for w in (strip_ordinal(official[key]), *words)})
        for key, words in knowledge()["headings"].items()
    }


@cache
def version_markers() -> dict[str, tuple[str, ...]]:
    """Labels printed only in one format version's tables (whitespace-free), from the schemas."""
    titles: dict[str, set[str]] = {}
    for v in schema.known_versions():
        titles[v] = {re.sub(r"\s", "", t) for f in schema.fields(v).values() for t in f.titles if t}
    out = {}
    for v, own in titles.items():
        others = set().union(*(t for w, t in titles.items() if w != v))
        out[v] = tuple(
            sorted(t for t in own - others if len(strip_ordinal(t)) >= 4 and not any(t in o for o in others))
        )
    return out


def cn_numeral(n: int) -> str:
    """1…99 as 一…九十九 (the （一）（二） of overview parts)."""
    from xlpy.render.env import cn_numeral as render_numeral

    return render_numeral(n)

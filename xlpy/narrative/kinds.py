"""Claim kinds as data (schemas/narrative/claims.json): which table figure a kind of claim states, its label (a
template filled with the schema's titles), the figures a claim may mean, and which rule checks it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from string import Formatter
from typing import Any

from xlpy import schema
from xlpy.resources import load_json

CLAIMS = "narrative/claims.json"
META = "meta/narrative-claims.schema.json"


@dataclass(frozen=True, slots=True)
class Quantity:
    """A table figure a claim can be compared with: a label for the clerk and the cells summed."""

    label: str
    paths: tuple[str, ...]


@cache
def _data() -> dict[str, Any]:
    return load_json(CLAIMS)  # type: ignore[no-any-return]  # checked by lexicon.check_files


def rule_ids() -> tuple[str, ...]:
    """The rules that compare claim kinds with the tables (claims.json "rules")."""
    return tuple(_data()["rules"])


def rule_kinds(rule_id: str) -> tuple[str, ...]:
    return tuple(_data()["rules"][rule_id])


def candidates(kind: str) -> tuple[str, ...]:
    return tuple(_data()["candidates"].get(kind, [kind]))


def triggers(family: str) -> dict[str, Any]:
    """The trigger word groups of a claim family (s2, s3, s4), read by grammar.py."""
    return _data()["triggers"][family]  # type: ignore[no-any-return]


@cache
def outcomes() -> dict[str, str]:
    """Outcome word as clerks write it (予以公开, 同意公开, …) → its claim kind (s3.granted, …)."""
    return {w: kind for kind, ws in _data()["outcomes"].items() if kind != "$comment" for w in ws}


@cache
def rows() -> dict[str, str]:
    """A row of 三、本年度办理结果 as clerks quote it (属于国家秘密) → the row under s3.results."""
    return {label: row for label, row in _data()["rows"].items() if label != "$comment"}


@cache
def quantities(version: str) -> dict[str, Quantity]:
    """表三 claim kinds (claims.json "quantities") → the figure each states in this format version."""
    return {kind: q for kind in _data()["quantities"] if (q := quantity(version, kind)) is not None}


@cache
def quantity(version: str, kind: str) -> Quantity | None:
    """The table figure any claim kind states in this format version (None when the version has no such cells):
    表三 kinds, "s3.row.<row>", "s3.combined.<kind>+<kind>", "s4.<topic>.<result>", "s2.<noun>.<column>"."""
    if kind.startswith("s3.combined."):
        parts = [quantities(version)[k] for k in kind[len("s3.combined.") :].split("+")]
        # A part that is itself a sum ("…各项总计之和") is named without its 之和: the template's one covers all.
        names: list[tuple[str, ...]] = [(q.label.removesuffix("之和"),) for q in parts]
        return Quantity(_label(kind, names), tuple(p for q in parts for p in q.paths))
    fields = schema.fields(version)
    paths = _paths(version, kind)
    if not paths or any(p not in fields for p in paths):
        return None
    return Quantity(_label(kind, [fields[p].titles for p in paths]), paths)


def _paths(version: str, kind: str) -> tuple[str, ...]:
    """The cells a claim kind sums (none when the version has no such column)."""
    family, _, rest = kind.partition(".")
    if (spec := _data()["quantities"].get(kind)) is not None:
        if "cells" in spec:
            return tuple(spec["cells"])
        prefix = spec["group"] + "."  # （六）其他处理: one row in 2019, three in 2021
        return tuple(p for p in schema.fields(version) if p.startswith(prefix) and p.endswith(".total"))
    if kind.startswith("s3.row."):
        return (f"s3.results.{rest[4:]}.total",)
    if family == "s4":
        topic, result = rest.split(".")
        return tuple(f"{p}.{result}" for p in _data()["s4_topics"][topic])
    if family == "s2":
        docs = _data()["documents"]
        noun, column = rest.split(".")
        leaf = docs["columns"].get(version, {}).get(column)
        return () if leaf is None else (f"{docs['nouns'][noun]}.{leaf}",)
    return ()


def _label(kind: str, titles: list[tuple[str, ...]]) -> str:
    """The kind's template (claims.json "labels": the kind or its longest listed prefix) filled with the cells'
    titles by position; titles that differ between the cells are joined by 与, each quoted inside “…”."""
    labels, names = _data()["labels"], kind.split(".")
    template = next(labels[k] for i in range(len(names), 0, -1) if (k := ".".join(names[:i])) in labels)
    if isinstance(template, list):
        template = template[len(titles) > 1]  # [one cell, several cells]
    out = []
    for literal, position, _, _ in Formatter().parse(template):
        out.append(literal)
        if position is not None:
            found = dict.fromkeys(t[int(position)] for t in titles)
            out.append(("”与“" if literal.endswith("“") else "与").join(found))
    return "".join(out)


@cache
def checked_by(rule_id: str, kind: str) -> bool:
    """Whether a rule checks claims of this kind: the kind, or a family of kinds ("s4", "s3.row"), is listed."""
    return any(kind == k or kind.startswith(k + ".") for k in rule_kinds(rule_id))


@cache
def figures(version: str, kind: str, also: tuple[str, ...]) -> tuple[Quantity, ...]:
    """The figures a claim may mean, the stated kind's first; empty when the version has no cells for it."""
    if quantity(version, kind) is None:
        return ()  # 2019: no 现行有效 column
    found: dict[tuple[str, ...], Quantity] = {}
    for k in (c for one in (kind, *also) for c in candidates(one)):
        if (q := quantity(version, k)) is not None:
            found.setdefault(q.paths, q)  # 2021 counts 新制作 and 新公开 in one column
    return tuple(found.values())

"""Claim kinds as data (schemas/narrative/claims.json): which table figure a kind of claim states, its label from
the schema's titles, the figures a claim may mean, and which rule checks it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from xlpy import schema
from xlpy.resources import load_json

CLAIMS = "narrative/claims.json"
META = "meta/narrative-claims.schema.json"
_TABLES = {"s2": "表二", "s3": "表三", "s4": "表四"}


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
    """Claim kind → the figure it states, labelled with the schema's own titles for this format version."""
    fields = schema.fields(version)
    out = {}
    for kind, spec in _data()["quantities"].items():
        if "group" in spec:
            prefix = spec["group"] + "."
            paths = tuple(p for p in fields if p.startswith(prefix) and p.endswith(".total"))
            group = fields[paths[0]].titles[2]  # （三）不予公开
            how = "各项总计之和" if len(paths) > 1 else "总计"  # （六）其他处理: one row in 2019, three in 2021
            out[kind] = Quantity(f"{_table(paths[0])}“{group}”{how}", paths)
        else:
            paths = tuple(spec["cells"])
            out[kind] = Quantity(_label(fields, paths), paths)
    return out


def _table(path: str) -> str:
    return _TABLES[path.split(".")[0]]


def _label(fields: dict[str, Any], paths: tuple[str, ...]) -> str:
    """表三“一、本年新收政府信息公开申请数量”总计; 表三“三、本年度办理结果”的“（七）总计”; A 与 B 之和."""
    rows = [fields[p].titles[-2] for p in paths]
    column = fields[paths[0]].titles[-1]
    if len(paths) > 1:
        return f"{_table(paths[0])}" + "与".join(f"“{r}”" for r in rows) + f"{column}之和"
    if rows[0].endswith(column):  # the 总计 row of a block: name the block
        return f"{_table(paths[0])}“{fields[paths[0]].titles[-3]}”的“{rows[0]}”"
    return f"{_table(paths[0])}“{rows[0]}”{column}"


@cache
def quantity(version: str, kind: str) -> Quantity | None:
    """The table figure any claim kind states in this format version (None when the version has no such cells):
    表三 kinds, "s3.row.<row>", "s3.combined.<kind>+<kind>", "s4.<topic>.<result>", "s2.<noun>.<column>"."""
    family, _, rest = kind.partition(".")
    if family == "s3" and kind in quantities(version):
        return quantities(version)[kind]
    if kind.startswith("s3.row."):
        return _titled(version, (f"s3.results.{rest[4:]}.total",))
    if kind.startswith("s3.combined."):
        parts = [quantities(version)[k] for k in rest[9:].split("+")]
        return Quantity("与".join(q.label for q in parts) + "之和", tuple(p for q in parts for p in q.paths))
    if family == "s4":
        topic, result = rest.split(".")
        return _titled(version, tuple(f"{p}.{result}" for p in _data()["s4_topics"][topic]))
    if family == "s2":
        docs = _data()["documents"]
        noun, column = rest.split(".")
        leaf = docs["columns"].get(version, {}).get(column)
        return None if leaf is None else _titled(version, (f"{docs['nouns'][noun]}.{leaf}",))
    return None


def _titled(version: str, paths: tuple[str, ...]) -> Quantity | None:
    """表三“三、本年度办理结果 1.属于国家秘密”总计; 表四行政复议“结果纠正”; 表四行政诉讼“未经复议直接起诉”与“复议后起诉”
    的“总计”之和; 表二“规章”的“本年制发件数”: labels from the schema's titles."""
    fields = schema.fields(version)
    if any(p not in fields for p in paths):
        return None
    titles = [fields[p].titles for p in paths]
    table, column = _table(paths[0]), titles[0][-1]
    if table == "表三":
        return Quantity(f"表三“{titles[0][-3]} {titles[0][-2]}”总计", paths)
    if table == "表二":
        return Quantity(f"表二“{titles[0][-2]}”的“{column}”", paths)
    groups = list(dict.fromkeys(t[1] for t in titles))
    if len(paths) == 1:
        return Quantity(f"表四{groups[0]}" + "".join(f"“{t}”" for t in titles[0][2:]), paths)
    if len(groups) == 1:
        return Quantity(f"表四{groups[0]}" + "与".join(f"“{t[2]}”" for t in titles) + f"的“{column}”之和", paths)
    return Quantity(f"表四{'与'.join(groups)}（两类起诉）的“{column}”之和", paths)


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

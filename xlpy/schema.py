"""The report schemas: loading (Draft 2020-12, cross-file $refs), the field index, and version lookup."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from xlpy.errors import RegisterError
from xlpy.resources import load_json, schemas_dir

COMMON_ID = "urn:xlpy:schema:common"

# The scalar kinds a leaf field can have; the workbook, reader and messages key on these.
COUNT, SIGNED, MONEY, TEXT, DATE, INTEGER, CHOICE, CONST = (
    "count",
    "signed_count",
    "money",
    "text",
    "date",
    "integer",
    "choice",
    "const",
)


@dataclass(frozen=True, slots=True)
class Field:
    """A leaf of the report data: one workbook cell."""

    path: str  # "s3.results.withheld.state_secret.total"
    title: str  # the official label of the leaf ("总计")
    titles: tuple[str, ...]  # labels from the section down to the leaf
    kind: str  # count | signed_count | money | text | date | integer | choice | const
    schema: dict[str, Any]  # the resolved leaf schema

    @property
    def label(self) -> str:
        """A readable label for messages: group labels joined, e.g. "（三）不予公开 1.属于国家秘密 / 总计"."""
        return " / ".join(t for t in self.titles if t)

    @property
    def is_number(self) -> bool:
        return self.kind in (COUNT, SIGNED, MONEY, INTEGER)


def versions() -> list[dict[str, Any]]:
    """The format versions and the report years each covers."""
    return list(load_json("versions.json")["versions"])


def version_for_year(year: int) -> str | None:
    """The format version a report year requires (F-0), or None for a year before 2019."""
    for v in versions():
        if year >= v["first_year"] and (v["last_year"] is None or year <= v["last_year"]):
            return str(v["id"])
    return None


def known_versions() -> list[str]:
    return [str(v["id"]) for v in versions()]


@cache
def registry() -> Any:
    """A referencing registry holding every schema of schemas/ by its $id."""
    from referencing import Registry, Resource

    resources = []
    for path in sorted(schemas_dir().glob("*.schema.json")):
        resources.append(Resource.from_contents(load_json(path.name)))
    return Registry().with_resources((r.contents["$id"], r) for r in resources)


@cache
def report_schema(version: str) -> dict[str, Any]:
    """The report schema of a format version, as data (the field index needs no validator library)."""
    name = f"report-{version}.schema.json"
    if not (schemas_dir() / name).is_file():
        raise RegisterError(f"缺少格式版本 {version} 的数据文件 schemas/{name}")
    schema: dict[str, Any] = load_json(name)
    return schema


@cache
def validator(version: str) -> Any:
    """A compiled Draft 2020-12 validator with the date format checked (an annotation otherwise).

    The schemas are checked against the 2020-12 metaschema here, when a validator is first built;
    jsonschema is imported only then — a clean workbook passes the fast path without it.
    """
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import SchemaError

    schema = report_schema(version)
    try:
        Draft202012Validator.check_schema(schema)
        Draft202012Validator.check_schema(load_json("common.schema.json"))
    except SchemaError as exc:
        raise RegisterError(f"schemas/report-{version}.schema.json 不是有效的 JSON Schema：{exc.message}") from exc
    return Draft202012Validator(schema, registry=registry(), format_checker=FormatChecker())


def _resolve(node: dict[str, Any], base: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Follow a $ref (local or to the common schema); sibling keywords (title) override the target's."""
    ref = node.get("$ref")
    if ref is None:
        return node, base
    doc_id, _, pointer = ref.partition("#")
    doc = load_json("common.schema.json") if doc_id == COMMON_ID else base
    target: Any = doc
    for part in pointer.strip("/").split("/") if pointer.strip("/") else []:
        target = target[part]
    merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    resolved, new_base = _resolve(merged, doc)
    return resolved, new_base


def _kind(node: dict[str, Any]) -> str:
    if "const" in node:
        return CONST
    if "enum" in node:
        return CHOICE
    t = node.get("type")
    if t == "integer":
        if node.get("minimum") == 0:
            return COUNT
        return INTEGER if "minimum" in node else SIGNED
    if t == "number":
        return MONEY
    if node.get("format") == "date":
        return DATE
    return TEXT


def _resolved_with_base(version: str, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    schema = report_schema(version)
    node, base = _resolve(schema, schema)
    for part in path.split(".") if path else []:
        if node.get("type") == "array":
            node, base = _resolve(node["items"], base)
            if part.isdigit():
                continue  # "parts.0" names an item
        node, base = _resolve(node["properties"][part], base)
    return node, base


def resolved(version: str, path: str) -> dict[str, Any]:
    """The resolved schema node at a dotted path (objects only; arrays by their item schema)."""
    return _resolved_with_base(version, path)[0]


def _walk(node: dict[str, Any], base: dict[str, Any], path: str, titles: tuple[str, ...]) -> Iterator[Field]:
    node, base = _resolve(node, base)
    title = node.get("title", "")
    if node.get("type") == "object":
        for key, child in node["properties"].items():
            sub = f"{path}.{key}" if path else key
            yield from _walk(child, base, sub, titles + ((title,) if path else ()))
    elif node.get("type") == "array":
        return  # repeated parts (overview parts, explanations) are laid out as slots by the layout
    else:
        yield Field(path, title, titles + (title,), _kind(node), node)


@cache
def fields(version: str) -> dict[str, Field]:
    """Every scalar leaf of the report data, in schema order, by dotted path."""
    schema = report_schema(version)
    return {f.path: f for f in _walk(schema, schema, "", ())}


def children(version: str, path: str) -> list[tuple[str, dict[str, Any]]]:
    """The (key, resolved schema) children of an object node, in order."""
    node, base = _resolved_with_base(version, path)
    return [(key, _resolve(child, base)[0]) for key, child in node.get("properties", {}).items()]


def lookup(instance: Any, path: str) -> Any:
    """The value at a dotted path of report data ("s3.results.granted.total"; list indexes as digits), or None."""
    node = instance
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
        if node is None:
            return None
    return node


def org_types() -> dict[str, dict[str, Any]]:
    """机关类型 → {may_make_rules, is_government, deadline}."""
    return dict(load_json("common.schema.json")["$defs"]["org_type"]["x-properties"])

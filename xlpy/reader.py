"""The one reader: any workbook source (file, xlwings payload, JSON) -> report data + field-to-cell map."""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from xlpy import schema
from xlpy.cell import format_cell
from xlpy.cellvalue import NUMERIC, coerce
from xlpy.errors import InputError, os_reason
from xlpy.layout import Layout, layout
from xlpy.safety import sniff
from xlpy.views import CalamineView, PayloadView, a1_to_rc, names_from_xml
from xlpy.zip_limits import DEFAULT_LIMITS, Limits


@dataclass(slots=True)
class ReadResult:
    """A workbook read into the schema's JSON instance, with the cell of every field."""

    instance: dict[str, Any]
    cells: dict[str, str]  # dotted path -> "表三!D8"
    version: str
    template_version: str | None
    source: str
    sheet_names: list[str] = field(default_factory=list)
    outline: dict[str, Any] | None = None  # a published document's outline (import record); None for workbooks


class WorkbookView(Protocol):
    """An abstract workbook: sheet names, values from A1, and defined names. Every source adapts to this."""

    name: str

    def sheet_names(self) -> list[str]: ...

    def values(self, sheet: str, max_row: int) -> list[list[Any]]: ...

    def names(self) -> dict[str, tuple[str, str]]: ...


# --- reading -------------------------------------------------------------------------------


def read_view(view: WorkbookView, *, by_layout: bool = False) -> ReadResult:
    """Read any workbook view into the report data. `by_layout` uses template coordinates (no names)."""
    names = view.names()
    sheets = view.sheet_names()
    version = _version(view, names, sheets, by_layout)
    lay = layout(version)
    cells, max_rows, refs = _locate(view.name, lay, names, tuple(sheets), by_layout, getattr(view, "cache_key", None))
    grids = {sheet: view.values(sheet, max_row) for sheet, max_row in max_rows.items()}
    raw: dict[str, Any] = {}
    blank_sheets: set[str] = set()
    numeric = _plan(version).numeric
    for path, (sheet, r, c, _) in cells.items():
        try:
            value = grids[sheet][r - 1][c - 1]  # r, c ≥ 1: an index error means beyond the sheet's data
        except IndexError:
            value = None
        raw[path] = value
        if value == "" and path in numeric:
            blank_sheets.add(sheet)
    errors = getattr(view, "errors", None)
    if errors is not None and blank_sheets:
        # Some readers deliver a formula error as "" — look for real error cells where a blank was read.
        found = {(s, r, c): e for s in blank_sheets for (r, c), e in errors(s).items()}
        if found:
            for path, (s, r, c, _) in cells.items():
                if (s, r, c) in found and raw[path] == "":
                    raw[path] = found[(s, r, c)]
    instance, found_refs = _assemble(lay, raw, refs)
    template_version = raw.get("template_version")
    return ReadResult(
        instance,
        found_refs,
        version,
        str(template_version) if template_version not in (None, "") else None,
        view.name,
        sheets,
    )


def _labels_in_place(view: WorkbookView, lay: Layout, sheets: list[str]) -> bool:
    """Without defined names, coordinates are trusted only if every label of the template is where it was
    (a row inserted in an .xls would otherwise shift every figure silently)."""
    for sheet in lay.sheets:
        if sheet.name not in sheets:
            return False
        grid = view.values(sheet.name, max((lb.row for lb in sheet.labels), default=1))
        for lb in sheet.labels:
            got = (
                grid[lb.row - 1][lb.col - 1] if lb.row - 1 < len(grid) and lb.col - 1 < len(grid[lb.row - 1]) else None
            )
            if lb.text and str(got or "").strip() != lb.text.strip():
                return False
    return True


def _version(view: WorkbookView, names: dict[str, tuple[str, str]], sheets: list[str], by_layout: bool) -> str:
    if by_layout:
        for v in schema.known_versions():
            inp = layout(v).inputs["format_version"]
            if inp.sheet in sheets:
                r, c = inp.row, inp.col
                grid = view.values(inp.sheet, r)
                version_cell = grid[r - 1][c - 1] if r - 1 < len(grid) and c - 1 < len(grid[r - 1]) else None
                if str(coerce("fixed", version_cell)) == v and _labels_in_place(view, layout(v), sheets):
                    return v
        raise InputError(
            f"{view.name}：无法识别为年报模板（旧版 .xls/.et 文件中模板结构已丢失）。"
            "请在 Excel/WPS 中“另存为” Excel 工作簿（*.xlsx）后再提交。",
            code="not_template",
        )
    prefix = layout(schema.known_versions()[-1]).name_prefix
    ref = names.get(prefix + "format_version")
    if ref is None:
        if not any(n.startswith(prefix) for n in names):
            raise InputError(
                f"{view.name}：不是年报模板（没有模板的定义名称）。请下载对应年度的空白年报模板填写后再提交。",
                code="not_template",
            )
        raise InputError(
            f"{view.name}：模板的定义名称 {prefix}format_version 缺失，无法确定格式版本。"
            "请用新模板重新填写（可复制粘贴数值）。",
            code="names_missing",
        )
    sheet, a1 = ref
    if sheet not in sheets:
        raise InputError(
            f"{view.name}：找不到工作表「{sheet}」（可能被重命名或删除）。请改回原名或使用新模板。",
            code="sheet_missing",
        )
    r, c = a1_to_rc(a1)
    grid = view.values(sheet, r)
    value = grid[r - 1][c - 1] if r - 1 < len(grid) and c - 1 < len(grid[r - 1]) else None
    version = str(coerce("fixed", value))
    if version not in schema.known_versions():
        raise InputError(f"{view.name}：未知的模板格式版本「{version}」。", code="not_template")
    return version


Located = dict[str, tuple[str, int, int, str]]  # path -> (sheet, row, col, "表三!D8")
# Workbooks filled from one template share workbook.xml byte for byte, so batch and HTTP runs
# locate the fields once per template. Keyed by that XML text (bounded; cleared when full).
_LOCATED: dict[tuple[str, str, tuple[str, ...]], tuple[Located, dict[str, int], dict[str, str]]] = {}


def _locate(
    label: str,
    lay: Layout,
    names: dict[str, tuple[str, str]],
    sheets: tuple[str, ...],
    by_layout: bool,
    cache_key: str | None = None,
) -> tuple[Located, dict[str, int], dict[str, str]]:
    """Every field's cell, how many rows of each sheet to read, and each field's cell as shown ("表三!D8")."""
    key = (cache_key, lay.version, sheets) if cache_key is not None else None
    if key is not None and key in _LOCATED:
        return _LOCATED[key]
    out: Located = {}
    if by_layout:
        out = {p: (i.sheet, i.row, i.col, i.ref) for p, i in lay.inputs.items()}
    else:
        missing_sheets = [s for s in lay.sheet_names if s not in sheets]
        if missing_sheets:
            raise InputError(
                f"{label}：缺少工作表「{'」「'.join(missing_sheets)}」（可能被重命名或删除）。"
                f"请把工作表名称改回「{'」「'.join(missing_sheets)}」，或用新模板重新填写。",
                code="sheet_missing",
            )
        missing: list[str] = []
        for path, inp in lay.inputs.items():
            ref = names.get(lay.name_prefix + path)
            if ref is None or ref[0] not in sheets:
                missing.append(f"{inp.sheet}!{inp.a1}（{inp.label}）")
            else:
                r, c = a1_to_rc(ref[1])
                out[path] = (ref[0], r, c, format_cell(ref[0], r, c))
        if missing:
            more = f" 等 {len(missing)} 处" if len(missing) > 3 else ""
            raise InputError(
                f"{label}：模板的定义名称缺失或失效：{'；'.join(missing[:3])}{more}。"
                "可能删除了行列或工作表。请用 `xlpy new` 生成新模板并把数据复制过去。",
                code="names_missing",
            )
    max_rows: dict[str, int] = {}
    for sheet, r, _, _ in out.values():
        max_rows[sheet] = max(r, max_rows.get(sheet, 0))
    refs = {p: c[3] for p, c in out.items()}
    if key is not None:
        if len(_LOCATED) >= 64:
            _LOCATED.clear()
        _LOCATED[key] = (out, max_rows, refs)
    return out, max_rows, refs


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to build the nested instance of a version from flat cell values, computed once."""

    containers: tuple[tuple[str, str, str], ...]  # (path, parent path, key), parents first
    leaves: tuple[tuple[str, str, str, str], ...]  # (path, parent path, key, kind)
    slots: tuple[tuple[str, str, str, int, tuple[str, ...]], ...]  # (group, parent, key, slots, item keys)
    numeric: frozenset[str]  # paths of number cells (where a formula error may hide behind a blank)
    slot_paths: tuple[tuple[tuple[str, ...], ...], ...]  # per slot group, per slot: its cells' paths by item key


@cache
def _plan(version: str) -> _Plan:
    lay = layout(version)
    fields = schema.fields(version)
    containers: dict[str, tuple[str, str, str]] = {}

    def parent_of(path: str) -> tuple[str, str]:
        parent, _, key = path.rpartition(".")
        if parent and parent not in containers:
            grand, gkey = parent_of(parent)
            containers[parent] = (parent, grand, gkey)
        return parent, key

    leaves = []
    slot_keys: dict[str, list[str]] = {g: [] for g in lay.slots}
    for path in lay.inputs:
        group = next((g for g in lay.slots if path.startswith(g + ".")), None)
        if group is not None:
            key = path.rsplit(".", 1)[1]
            if key not in slot_keys[group]:
                slot_keys[group].append(key)
        elif path != "template_version":
            parent, key = parent_of(path)
            leaves.append((path, parent, key, fields[path].kind if path in fields else schema.TEXT))
    for path in lay.implied:
        parent_of(path)  # its containers exist even if no cell shares them
    slots = tuple((group, *parent_of(group), lay.slots[group], tuple(keys)) for group, keys in slot_keys.items())
    numeric = frozenset(p for p, _, _, kind in leaves if kind in NUMERIC)
    slot_paths = tuple(
        tuple(tuple(f"{group}.{i}.{k}" for k in keys) for i in range(n)) for group, _, _, n, keys in slots
    )
    return _Plan(tuple(containers.values()), tuple(leaves), slots, numeric, slot_paths)


def _assemble(lay: Layout, raw: dict[str, Any], refs: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Nested instance from flat raw values; repeated slots are compacted (blank slots dropped)."""
    plan = _plan(lay.version)
    nodes: dict[str, dict[str, Any]] = {"": {}}
    for path, parent, key in plan.containers:
        nodes[path] = nodes[parent][key] = {}
    cells: dict[str, str] = {}
    for path, parent, key, kind in plan.leaves:
        nodes[parent][key] = coerce(kind, raw[path])
        cells[path] = refs[path]
    for path, value in lay.implied.items():
        # A constant the template prints in a header (no cell): the workbook states it by its layout.
        parent, _, key = path.rpartition(".")
        nodes[parent][key] = value
    for (_, parent, gkey, _, keys), by_slot in zip(plan.slots, plan.slot_paths, strict=True):
        items: list[dict[str, Any]] = []
        for paths in by_slot:
            values = [coerce(schema.TEXT, raw[p]) for p in paths]
            if any(values):
                for kept, path in zip(by_slot[len(items)], paths, strict=True):
                    cells[kept] = refs[path]
                items.append(dict(zip(keys, values, strict=True)))
        nodes[parent][gkey] = items
    return nodes[""], cells


# --- entry points ---------------------------------------------------------------------------


_KEEP = frozenset({"xl/workbook.xml", "xl/_rels/workbook.xml.rels"})  # read below and for formula errors


def read_workbook(
    source: str | Path | bytes, *, name: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> ReadResult:
    """Read a workbook file (or its bytes): sniff, check the zip directory, then read with calamine."""
    data, name = _load(source, name, limits)
    kind = sniff(data, name)
    if kind == "json":
        return read_json(_json(data, name), name=name)
    if kind == "ole":
        # .xls / WPS .et: calamine reads the values; without defined names, trust the template's
        # coordinates only if the format-version cell is where the template put it.
        return read_view(CalamineView(data, name, {}), by_layout=True)
    from xlpy.package import WORKBOOK, Package

    pkg = Package(data, name, limits)  # the zip directory checked
    pkg.verify(keep=_KEEP)  # every part inflated once, bounded, before calamine inflates or sizes anything
    try:
        xml = pkg.read(WORKBOOK).decode("utf-8")
    except (KeyError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{name}：工作簿结构损坏（xl/workbook.xml 无法读取）。请在 Excel/WPS 中打开后重新保存。",
            code="corrupt",
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    view = CalamineView(data, name, names_from_xml(xml), pkg)
    view.cache_key = xml
    return read_view(view)


def read_payload(payload: dict[str, Any]) -> ReadResult:
    """Read an xlwings remote-protocol payload."""
    if not isinstance(payload, dict):
        raise InputError("请求内容不是 xlwings 工作簿数据。", code="not_workbook")
    return read_view(PayloadView(payload))


def read_json(source: str | Path | dict[str, Any], *, name: str | None = None) -> ReadResult:
    """A JSON instance of the report schema (no cells: findings carry field paths instead)."""
    if isinstance(source, dict):
        data, label = source, name or "数据"
    else:
        raw, label = _load(source, name, DEFAULT_LIMITS)
        data = _json(raw, label)
    if not isinstance(data, dict):
        raise InputError(f"{label}：JSON 顶层应为对象。", code="not_json")
    version = data.get("format_version")
    if version not in schema.known_versions():
        year = data.get("meta", {}).get("year") if isinstance(data.get("meta"), dict) else None
        version = schema.version_for_year(year) if isinstance(year, int) else None
        if version is None:
            raise InputError(f"{label}：JSON 中没有有效的 format_version（2019 或 2021）。", code="not_json")
    return ReadResult(data, {}, str(version), None, label)


def read_any(source: str | Path | bytes, *, name: str | None = None, limits: Limits = DEFAULT_LIMITS) -> ReadResult:
    """Workbook or JSON, decided by content; a published report (.pdf/.html/.docx/.txt/.md) through the importer."""
    from xlpy.file_kinds import is_published

    if is_published(name or ("" if isinstance(source, bytes) else str(source))):
        from xlpy.importing import read_published  # only now: a workbook never pays for the importer

        return read_published(source, name=name)
    return read_workbook(source, name=name, limits=limits)


def _load(source: str | Path | bytes, name: str | None, limits: Limits) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        return source, name or "上传的文件"
    path = Path(source)
    label = name or str(path)
    try:
        # One open and one fstat (not exists + is_file + stat + read): a batch reads thousands of files.
        # O_NONBLOCK: a named pipe under a batch folder is refused below instead of waiting for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with open(fd, "rb") as fh:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise InputError(f"{label}：不是文件（是目录？）。", code="missing")
            if info.st_size > limits.max_file_bytes:
                raise InputError(
                    f"{label}：文件过大（{info.st_size // 1024 // 1024} MB），"
                    f"上限为 {limits.max_file_bytes // 1024 // 1024} MB。",
                    code="too_large",
                )
            return fh.read(), label
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise InputError(f"找不到文件：{label}。请检查路径和文件名。", code="missing") from exc
    except OSError as exc:
        raise InputError(f"{label}：无法读取（{os_reason(exc)}）。", code="missing") from exc


MAX_JSON_DEPTH = 64  # a report instance is 6 levels deep, an xlwings payload 5


def _json(data: bytes, name: str) -> Any:
    return parse_json(data, name)


def parse_json(data: bytes | str, name: str) -> Any:
    """Untrusted JSON (an upload, an xlwings payload): nesting bounded, lone surrogates replaced.

    Deep nesting overflowed the recursion limit (a 500) in json.loads or later in deepcopy and the
    schema check; a lone surrogate (\\ud800) cannot be encoded as UTF-8 by any writer downstream.
    """
    try:
        value = json.loads(data.decode("utf-8-sig") if isinstance(data, bytes) else data)
    except RecursionError as exc:
        raise InputError(f"{name}：JSON 嵌套过深，不是年报数据。", code="not_json") from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{name}：不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列有误）。"
            "请使用 xlpy export 导出的数据，或上传 Excel 工作簿（.xlsx）。",
            code="not_json",
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}：不是有效的 JSON（文字编码不是 UTF-8）。请用 UTF-8 编码保存后再提交。",
            code="not_json",
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InputError(f"{name}：JSON 嵌套超过 {MAX_JSON_DEPTH} 层，不是年报数据。", code="not_json")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    text = json.dumps(value, ensure_ascii=False)
    if _SURROGATE.search(text):
        value = json.loads(_SURROGATE.sub("\ufffd", text))
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")

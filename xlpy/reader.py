"""The one reader: any workbook source (file, xlwings payload, JSON) -> report data + field-to-cell map."""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from xlpy import schema
from xlpy.cellvalue import NUMERIC, coerce
from xlpy.errors import InputError
from xlpy.layout import Layout, layout
from xlpy.safety import DEFAULT_LIMITS, Limits, check_zip, sniff

_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)$")


@dataclass(slots=True)
class ReadResult:
    """A workbook read into the schema's JSON instance, with the cell of every field."""

    instance: dict[str, Any]
    cells: dict[str, str]  # dotted path -> "表三!D8"
    version: str
    template_version: str | None
    source: str
    sheet_names: list[str] = field(default_factory=list)


class WorkbookView(Protocol):
    """An abstract workbook: sheet names, values from A1, and defined names. Every source adapts to this."""

    name: str

    def sheet_names(self) -> list[str]: ...

    def values(self, sheet: str, max_row: int) -> list[list[Any]]: ...

    def names(self) -> dict[str, tuple[str, str]]: ...


def parse_ref(text: str) -> tuple[str, str] | None:
    """"'表三'!$D$8" -> ("表三", "D8"); None for #REF!, ranges and anything else."""
    m = _REF.match(text.strip())
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'") or (m.group(2) or "")
    return sheet, f"{m.group(3)}{m.group(4)}"


def a1_to_rc(a1: str) -> tuple[int, int]:
    """"D8" -> (8, 4)."""
    m = re.match(r"^\$?([A-Z]{1,3})\$?(\d+)$", a1.upper())
    if not m:
        raise ValueError(a1)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def _col_letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


# --- views ---------------------------------------------------------------------------------

class CalamineView:
    """An .xlsx/.xlsm (or, without names, an .xls) read with python-calamine; names from workbook.xml."""

    def __init__(self, data: bytes, name: str, defined: dict[str, tuple[str, str]], zf: Any = None) -> None:
        import python_calamine

        self.name = name
        self._defined = defined
        self._zf = zf
        self.cache_key: str | None = None  # workbook.xml text, when names came from it
        try:
            self._wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except Exception as exc:  # calamine raises several error types for broken parts
            raise InputError(f"{name}：工作簿内容损坏，无法读取（{type(exc).__name__}: {exc}）。请在 Excel/WPS 中打开后重新保存。",
                             code="corrupt") from exc

    def sheet_names(self) -> list[str]:
        return list(self._wb.sheet_names)

    def values(self, sheet: str, max_row: int) -> list[list[Any]]:
        try:
            # skip_empty_area=False keeps row 1/column A at index 0 whatever is empty.
            grid = list(self._wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=max_row))
        except Exception as exc:
            raise InputError(f"{self.name}：工作表「{sheet}」无法读取（{exc}）。", code="corrupt") from exc
        return grid

    def errors(self, sheet: str) -> dict[tuple[int, int], str]:
        """Formula-error cells of a sheet (only asked for when an input cell reads as blank)."""
        return error_cells(self._zf, sheet) if self._zf is not None else {}

    def names(self) -> dict[str, tuple[str, str]]:
        return self._defined


class PayloadView:
    """An xlwings remote-protocol payload (what the Excel clients POST)."""

    def __init__(self, payload: dict[str, Any]) -> None:
        try:
            self.name = str(payload.get("book", {}).get("name") or "工作簿")
            sheets = payload["sheets"]
            self._sheets = {str(s["name"]): s.get("values") or [] for s in sheets}
            order = [str(s["name"]) for s in sheets]
            self._names = {}
            for n in payload.get("names", []) or []:
                idx = n.get("sheet_index")
                if isinstance(idx, int) and 0 <= idx < len(order) and n.get("address"):
                    self._names[str(n["name"])] = (order[idx], str(n["address"]).replace("$", "").split(":")[0])
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError("请求内容不是 xlwings 工作簿数据（缺少 sheets/names）。", code="not_workbook") from exc

    def sheet_names(self) -> list[str]:
        return list(self._sheets)

    def values(self, sheet: str, max_row: int) -> list[list[Any]]:
        return [list(r) for r in self._sheets[sheet][:max_row]]

    def names(self) -> dict[str, tuple[str, str]]:
        return self._names


_DEFINED_NAME = re.compile(r"<(?:\w+:)?definedName\b([^>]*)>([^<]*)</(?:\w+:)?definedName>")
_NAME_ATTR = re.compile(r'\bname="([^"]*)"')


@lru_cache(maxsize=64)
def _names_from_xml(text: str) -> dict[str, tuple[str, str]]:
    """Workbook-scoped defined names of workbook.xml (python-calamine does not expose them).

    A regular-expression scan, not an XML parser: it expands no entities (so no XML bomb can
    reach it) and is ~20x faster than ElementTree on the ~400 names of a template. Cached per
    text: workbooks filled from one template share it. Callers never mutate the result.
    """
    out: dict[str, tuple[str, str]] = {}
    for attrs, body in _DEFINED_NAME.findall(text):
        if "localSheetId=" in attrs:
            continue
        m = _NAME_ATTR.search(attrs)
        ref = parse_ref(html.unescape(body)) if m else None
        if ref:
            out[html.unescape(m.group(1))] = ref
    return out


_SHEET = re.compile(r'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"')
_REL2 = re.compile(r'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"')
_ERROR_CELL = re.compile(r'<c r="([A-Z]{1,3})(\d+)"[^>]*?t="e"[^>]*>(?:<f[^>]*>[^<]*</f>|<f[^>]*/>)?<v>([^<]*)</v>')


def error_cells(zf: Any, sheet: str) -> dict[tuple[int, int], str]:
    """Cells holding a formula error (#REF!, #DIV/0! …) in a sheet.

    python-calamine returns such cells as "" — indistinguishable from a blank — so the error
    values are recovered from the sheet XML (only when the part contains an error cell at all).
    """
    try:
        book = zf.read("xl/workbook.xml").decode("utf-8")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return {}
    targets = dict(_REL.findall(rels)) | {i: t for t, i in _REL2.findall(rels)}
    rid = next((r for n, r in _SHEET.findall(book) if html.unescape(n) == sheet), None)
    if rid is None or rid not in targets:
        return {}
    target = targets[rid].lstrip("/")
    part = target if target.startswith("xl/") else f"xl/{target}"
    try:
        xml = zf.read(part).decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return {}
    if 't="e"' not in xml:
        return {}
    out = {}
    for col, row, value in _ERROR_CELL.findall(xml):
        out[(int(row), a1_to_rc(f"{col}1")[1])] = html.unescape(value)
    return out


# --- reading -------------------------------------------------------------------------------

def read_view(view: WorkbookView, *, by_layout: bool = False) -> ReadResult:
    """Read any workbook view into the report data. `by_layout` uses template coordinates (no names)."""
    names = view.names()
    sheets = view.sheet_names()
    version = _version(view, names, sheets, by_layout)
    lay = layout(version)
    cells, max_rows = _locate(view.name, lay, names, tuple(sheets), by_layout, getattr(view, "cache_key", None))
    grids = {sheet: view.values(sheet, max_row) for sheet, max_row in max_rows.items()}
    raw: dict[str, Any] = {}
    blank_sheets: set[str] = set()
    numeric = _plan(version).numeric
    for path, (sheet, r, c, _) in cells.items():
        grid = grids[sheet]
        value = grid[r - 1][c - 1] if r - 1 < len(grid) and c - 1 < len(grid[r - 1]) else None
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
    instance, refs = _assemble(lay, raw, {p: c[3] for p, c in cells.items()})
    template_version = raw.get("template_version")
    return ReadResult(instance, refs, version, str(template_version) if template_version not in (None, "") else None,
                      view.name, sheets)


def _version(view: WorkbookView, names: dict[str, tuple[str, str]], sheets: list[str], by_layout: bool) -> str:
    if by_layout:
        for v in schema.known_versions():
            inp = layout(v).inputs["format_version"]
            if inp.sheet in sheets:
                r, c = inp.row, inp.col
                grid = view.values(inp.sheet, r)
                if r - 1 < len(grid) and c - 1 < len(grid[r - 1]) and str(coerce("fixed", grid[r - 1][c - 1])) == v:
                    return v
        raise InputError(f"{view.name}：无法识别为 xlpy 年报模板（旧版 .xls/.et 文件中模板结构已丢失）。"
                         "请在 Excel/WPS 中“另存为” Excel 工作簿（*.xlsx）后再提交。", code="not_template")
    prefix = layout(schema.known_versions()[-1]).name_prefix
    ref = names.get(prefix + "format_version")
    if ref is None:
        if not any(n.startswith(prefix) for n in names):
            raise InputError(f"{view.name}：不是 xlpy 年报模板（没有模板的定义名称）。"
                             "请用 `xlpy new --year 年份` 或上传页面下载对应年度的模板填写。", code="not_template")
        raise InputError(f"{view.name}：模板的定义名称 {prefix}format_version 缺失，无法确定格式版本。"
                         "请用新模板重新填写（可复制粘贴数值）。", code="names_missing")
    sheet, a1 = ref
    if sheet not in sheets:
        raise InputError(f"{view.name}：找不到工作表「{sheet}」（可能被重命名或删除）。请改回原名或使用新模板。",
                         code="sheet_missing")
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
_LOCATED: dict[tuple[str, str, tuple[str, ...]], tuple[Located, dict[str, int]]] = {}


def _locate(label: str, lay: Layout, names: dict[str, tuple[str, str]], sheets: tuple[str, ...],
            by_layout: bool, cache_key: str | None = None) -> tuple[Located, dict[str, int]]:
    """Every field's cell, and how many rows of each sheet to read."""
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
                f"请把工作表名称改回「{'」「'.join(missing_sheets)}」，或用新模板重新填写。", code="sheet_missing")
        missing: list[str] = []
        for path, inp in lay.inputs.items():
            ref = names.get(lay.name_prefix + path)
            if ref is None or ref[0] not in sheets:
                missing.append(f"{inp.sheet}!{inp.a1}（{inp.label}）")
            else:
                r, c = a1_to_rc(ref[1])
                out[path] = (ref[0], r, c, f"{ref[0]}!{ref[1]}")
        if missing:
            more = f" 等 {len(missing)} 处" if len(missing) > 3 else ""
            raise InputError(
                f"{label}：模板的定义名称缺失或失效：{'；'.join(missing[:3])}{more}。"
                "可能删除了行列或工作表。请用 `xlpy new` 生成新模板并把数据复制过去。", code="names_missing")
    max_rows: dict[str, int] = {}
    for sheet, r, _, _ in out.values():
        max_rows[sheet] = max(r, max_rows.get(sheet, 0))
    if key is not None:
        if len(_LOCATED) >= 64:
            _LOCATED.clear()
        _LOCATED[key] = (out, max_rows)
    return out, max_rows


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to build the nested instance of a version from flat cell values, computed once."""

    containers: tuple[tuple[str, str, str], ...]  # (path, parent path, key), parents first
    leaves: tuple[tuple[str, str, str, str], ...]  # (path, parent path, key, kind)
    slots: tuple[tuple[str, str, str, int, tuple[str, ...]], ...]  # (group, parent, key, slots, item keys)
    numeric: frozenset[str]  # paths of number cells (where a formula error may hide behind a blank)


@lru_cache(maxsize=None)
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
    slots = tuple((group, *parent_of(group), lay.slots[group], tuple(keys)) for group, keys in slot_keys.items())
    numeric = frozenset(p for p, _, _, kind in leaves if kind in NUMERIC)
    return _Plan(tuple(containers.values()), tuple(leaves), slots, numeric)


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
    for group, parent, gkey, n, keys in plan.slots:
        items = []
        for i in range(n):
            item = {k: coerce(schema.TEXT, raw[f"{group}.{i}.{k}"]) for k in keys}
            if any(item.values()):
                for k in keys:
                    cells[f"{group}.{len(items)}.{k}"] = refs[f"{group}.{i}.{k}"]
                items.append(item)
        nodes[parent][gkey] = items
    return nodes[""], cells


# --- entry points ---------------------------------------------------------------------------

def read_workbook(source: str | Path | bytes, *, name: str | None = None, limits: Limits = DEFAULT_LIMITS) -> ReadResult:
    """Read a workbook file (or its bytes): sniff, check the zip directory, then read with calamine."""
    data, name = _load(source, name, limits)
    kind = sniff(data, name)
    if kind == "json":
        return read_json(_json(data, name), name=name)
    if kind == "ole":
        # .xls / WPS .et: calamine reads the values; without defined names, trust the template's
        # coordinates only if the format-version cell is where the template put it.
        return read_view(CalamineView(data, name, {}), by_layout=True)
    zf = check_zip(data, name, limits)
    try:
        xml = zf.read("xl/workbook.xml").decode("utf-8")
    except Exception as exc:
        raise InputError(f"{name}：工作簿结构损坏（xl/workbook.xml 无法读取）。", code="corrupt") from exc
    view = CalamineView(data, name, _names_from_xml(xml), zf)
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
    """Workbook or JSON, decided by content."""
    return read_workbook(source, name=name, limits=limits)


def _load(source: str | Path | bytes, name: str | None, limits: Limits) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        return source, name or "上传的文件"
    path = Path(source)
    label = name or str(path)
    if not path.exists():
        raise InputError(f"找不到文件：{label}。请检查路径和文件名。", code="missing")
    if not path.is_file():
        raise InputError(f"{label}：不是文件（是目录？）。", code="missing")
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise InputError(f"{label}：文件过大（{size // 1024 // 1024} MB），上限为 {limits.max_file_bytes // 1024 // 1024} MB。",
                         code="too_large")
    try:
        return path.read_bytes(), label
    except OSError as exc:
        raise InputError(f"{label}：无法读取（{exc.strerror}）。", code="missing") from exc


def _json(data: bytes, name: str) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{name}：不是有效的 JSON（{exc}）。", code="not_json") from exc

"""The table model of sections 二, 三 and 四: merged header cells, group labels and figures for every format."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from xlpy import schema
from xlpy.errors import RegisterError
from xlpy.render.env import fmt_number
from xlpy.resources import load_json

TYPE_AREA_TWIPS = 8844  # 156 mm 版心 width (GB/T 9704) in twentieths of a point
MM = 1440 / 25.4  # twips per millimetre


@dataclass(slots=True)
class Cell:
    """One cell as the reader sees it; `rowspan`/`colspan` > 1 for merged cells.

    The label and header cells of 表三 are built once per version and shared by every report: no one
    changes a cell after it is made (not frozen: a frozen dataclass is slower to create, and a report
    creates ~250 figure cells)."""

    text: str
    kind: str  # corner | caption | col (column header) | group (merged row label) | row (row label) | value
    rowspan: int = 1
    colspan: int = 1
    path: str | None = None  # data path of a figure (kind "value")

    @property
    def header(self) -> bool:
        return self.kind != "value"

    @property
    def scope(self) -> str:
        """The HTML `scope` of a header cell, so screen readers announce a figure with its labels."""
        if self.kind in ("row", "group"):
            return "rowgroup" if self.rowspan > 1 else "row"
        return "colgroup" if self.colspan > 1 else "col"


@dataclass(slots=True)
class Slot:
    """One `w:tc` of the Word grid: Word repeats a vertically merged cell in every row it covers."""

    cell: Cell
    cont: bool  # continuation of a vertical merge (w:vMerge without restart)
    width: int  # twips over the cell's grid columns


@dataclass(slots=True)
class MdTable:
    """A pipe table: merged group labels folded into the row and column labels."""

    caption: str
    header: list[str]
    rows: list[list[str]]


@dataclass(slots=True)
class Table:
    key: str  # s2 | s3 | s4
    ncols: int
    head: list[list[Cell]]  # header rows (repeated on each printed page)
    body: list[list[Cell]]
    widths: list[int]  # twips per grid column, summing to the type area
    md: list[MdTable] = field(default_factory=list)
    # Per row of head + body: keep on the page of the next row (w:keepNext). A page may break only after
    # a row marked False: never after a caption or header row, nor inside a group of 表三.
    keep: list[bool] = field(default_factory=list)

    @property
    def percents(self) -> list[str]:
        """Column widths as percentages of the table, for HTML <col> elements."""
        total = sum(self.widths)
        return [f"{100 * w / total:.2f}" for w in self.widths]

    def grid(self) -> list[list[Slot]]:
        """Head and body rows as Word needs them: covered cells of vertical merges made explicit."""
        out: list[list[Slot]] = []
        pending: dict[int, list[Any]] = {}  # column -> [cell, rows still covered]
        for row in self.head + self.body:
            slots: list[Slot] = []
            cells = iter(row)
            col = 0
            while col < self.ncols:
                held = pending.get(col)
                if held and held[1] > 0:
                    cell = held[0]
                    held[1] -= 1
                    slots.append(Slot(cell, True, sum(self.widths[col : col + cell.colspan])))
                    col += cell.colspan
                    continue
                cell = next(cells, None)
                if cell is None:
                    break
                if cell.rowspan > 1:
                    pending[col] = [cell, cell.rowspan - 1]
                slots.append(Slot(cell, False, sum(self.widths[col : col + cell.colspan])))
                col += cell.colspan
            out.append(slots)
        return out


_SPEC_KEYS = {
    "s2": ("corner", "unit_suffix", "ncols", "label_mm"),
    "s3": ("corner", "columns", "column_titles_from", "label_mm"),
    "s4": ("label_mm",),
}


@cache
def _spec(key: str) -> dict[str, Any]:
    """A table's entry of schemas/report-tables.json, checked on first use."""
    try:
        spec = dict(load_json("report-tables.json")["tables"][key])
    except (OSError, KeyError, ValueError) as exc:
        raise RegisterError(f"数据文件 schemas/report-tables.json 缺少表 {key} 的定义：{exc}") from exc
    missing = [k for k in _SPEC_KEYS[key] if k not in spec]
    if missing:
        raise RegisterError(f"数据文件 schemas/report-tables.json 中表 {key} 缺少：{'、'.join(missing)}")
    return spec


@cache
def kids(version: str, path: str) -> tuple[tuple[str, str, bool], ...]:
    """(key, title, is_object) of each child of a schema object."""
    return tuple((k, str(n.get("title", "")), n.get("type") == "object") for k, n in schema.children(version, path))


def _is_row(version: str, path: str) -> bool:
    """A data row is an object whose children are all figures."""
    return not any(is_obj for _, _, is_obj in kids(version, path))


@cache
def _row_plan(version: str, path: str) -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
    """(row path, row title, ancestor groups (path, title)) of every data row under a section, in order."""
    out: list[tuple[str, str, tuple[tuple[str, str], ...]]] = []

    def walk(p: str, chain: tuple[tuple[str, str], ...]) -> None:
        for key, title, is_obj in kids(version, p):
            sub = f"{p}.{key}"
            if not is_obj:
                continue
            if _is_row(version, sub):
                out.append((sub, title, chain))
            else:
                walk(sub, chain + ((sub, title),))

    walk(path, ())
    return tuple(out)


def _get(instance: dict[str, Any], path: str) -> Any:
    node: Any = instance
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _widths(label_mm: list[float], ncols: int) -> list[int]:
    labels = [round(mm * MM) for mm in label_mm]
    ndata = ncols - len(labels)
    rest = TYPE_AREA_TWIPS - sum(labels)
    data = [rest // ndata] * ndata if ndata else []
    if data:
        data[-1] += rest - sum(data)
    return labels + data


def _value(instance: dict[str, Any], path: str, colspan: int = 1) -> Cell:
    return Cell(fmt_number(_get(instance, path)), "value", colspan=colspan, path=path)


# -- column headers -------------------------------------------------------------------------


def _col_tree_from_spec(version: str, nodes: list[Any], source: str) -> list[dict[str, Any]]:
    titles = {k: t for k, t, _ in kids(version, source)}
    out: list[dict[str, Any]] = []
    for n in nodes:
        if isinstance(n, str):
            if n not in titles:
                raise RegisterError(
                    f"数据文件 schemas/report-tables.json：表三的栏目 {n} 不在格式版本 {version} 的数据结构中"
                )
            out.append({"title": titles[n], "key": n})
        else:
            out.append({"title": n["title"], "children": _col_tree_from_spec(version, n["children"], source)})
    return out


def _col_tree_from_schema(version: str, path: str, rel: str = "") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key, title, is_obj in kids(version, path):
        sub_rel = f"{rel}.{key}" if rel else key
        if is_obj:
            out.append({"title": title, "children": _col_tree_from_schema(version, f"{path}.{key}", sub_rel)})
        else:
            out.append({"title": title, "key": sub_rel})
    return out


def _depth(nodes: list[dict[str, Any]]) -> int:
    return max((1 + _depth(n["children"]) if "children" in n else 1) for n in nodes)


def _leaves(nodes: list[dict[str, Any]], chain: tuple[str, ...] = ()) -> list[tuple[str, tuple[str, ...]]]:
    """(key, titles from the top group to the leaf) of every column, left to right."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for n in nodes:
        if "children" in n:
            out.extend(_leaves(n["children"], chain + (n["title"],)))
        else:
            out.append((n["key"], chain + (n["title"],)))
    return out


def _header_rows(nodes: list[dict[str, Any]]) -> list[list[Cell]]:
    depth = _depth(nodes)
    rows: list[list[Cell]] = [[] for _ in range(depth)]

    def walk(ns: list[dict[str, Any]], level: int) -> None:
        for n in ns:
            if "children" in n:
                rows[level].append(Cell(n["title"], "col", colspan=len(_leaves(n["children"]))))
                walk(n["children"], level + 1)
            else:
                rows[level].append(Cell(n["title"], "col", rowspan=depth - level))

    walk(nodes, 0)
    return rows


def _md_col_labels(nodes: list[dict[str, Any]]) -> list[str]:
    """Column labels with every group above them folded in, as the row labels fold theirs."""
    return [" ".join(chain) for _, chain in _leaves(nodes)]


# -- the three tables ----------------------------------------------------------------------


def section2(version: str, instance: dict[str, Any]) -> Table:
    """二: one grid of `ncols` columns with a caption row and a header row per 第二十条 item."""
    spec = _spec("s2")
    ncols = int(spec["ncols"])
    units = spec.get("units", {}).get(version, {})
    body: list[list[Cell]] = []
    md: list[MdTable] = []
    keep: list[bool] = []
    for block, caption, is_obj in kids(version, "s2"):
        if not is_obj:
            continue
        rows = [(k, t) for k, t, o in kids(version, f"s2.{block}") if o]
        cols = list(kids(version, f"s2.{block}.{rows[0][0]}"))
        col_titles = []
        for key, title, _ in cols:
            unit_path = units.get(f"{block}.{rows[0][0]}.{key}")
            unit = _get(instance, f"s2.{unit_path}") if unit_path else None
            col_titles.append(title + (spec["unit_suffix"].format(unit=unit) if unit else ""))
        spans = [1] * (len(cols) - 1) + [ncols - len(cols)]  # the last column fills the grid
        keep.extend([True] * (len(rows) + 1) + [False])  # a 第二十条 item stays on one page
        body.append([Cell(caption, "caption", colspan=ncols)])
        body.append(
            [Cell(spec["corner"], "col")] + [Cell(t, "col", colspan=s) for t, s in zip(col_titles, spans, strict=False)]
        )
        md_rows = []
        for key, title in rows:
            paths = [f"s2.{block}.{key}.{c}" for c, _, _ in cols]
            body.append([Cell(title, "row")] + [_value(instance, p, s) for p, s in zip(paths, spans, strict=False)])
            md_rows.append([title] + [fmt_number(_get(instance, p)) for p in paths])
        md.append(MdTable(caption, [spec["corner"]] + col_titles, md_rows))
    return Table("s2", ncols, [], body, _widths(spec["label_mm"], ncols), md, keep)


@dataclass(frozen=True, slots=True)
class _Shape:
    """What 表三 looks like for a format version, independent of any report: built once (see section3)."""

    head: list[list[Cell]]
    labels: list[list[Cell]]  # per data row: the group cells that start on it, then its row label
    rows: list[tuple[tuple[str, ...], list[tuple[str, str]]]]  # per data row: its path split, (key, path) per figure
    md_labels: list[str]
    md_header: list[str]
    ncols: int
    widths: list[int]
    keep: list[bool]


@cache
def _s3_shape(version: str) -> _Shape:
    spec = _spec("s3")
    nodes = _col_tree_from_spec(version, spec["columns"], f"s3.{spec['column_titles_from']}")
    leaves = [k for k, _ in _leaves(nodes)]
    plan = _row_plan(version, "s3")
    nlabels = 1 + max(len(chain) for _, _, chain in plan)
    head = _header_rows(nodes)
    head[0].insert(0, Cell(spec["corner"], "corner", rowspan=len(head), colspan=nlabels))
    group_rows: dict[str, int] = {}
    for _, _, chain in plan:
        for gpath, _ in chain:
            group_rows[gpath] = group_rows.get(gpath, 0) + 1
    labels: list[list[Cell]] = []
    rows: list[tuple[tuple[str, ...], list[tuple[str, str]]]] = []
    md_labels: list[str] = []
    started: set[str] = set()
    for path, title, chain in plan:
        row: list[Cell] = []
        for gpath, gtitle in chain:
            if gpath not in started:
                started.add(gpath)
                row.append(Cell(gtitle, "group", rowspan=group_rows[gpath]))
        row.append(Cell(title, "row", colspan=nlabels - len(chain)))
        labels.append(row)
        rows.append((tuple(path.split(".")), [(k, f"{path}.{k}") for k in leaves]))
        md_labels.append(" ".join([t for _, t in chain] + [title]))
    ncols = nlabels + len(leaves)
    # Page breaks only before the rows and groups the data file names: a row keeps with the next unless
    # the next row is the first row of one of them.
    starts = [f"s3.{key}" for key in spec.get("page_breaks_before", [])]
    paths = [path for path, _, _ in plan]

    def opens(i: int) -> bool:
        return any(
            (paths[i] == s or paths[i].startswith(s + "."))
            and not (paths[i - 1] == s or paths[i - 1].startswith(s + "."))
            for s in starts
        )

    keep = [True] * len(head) + [i + 1 < len(paths) and not opens(i + 1) for i in range(len(paths))]
    md_header = [spec["corner"]] + _md_col_labels(nodes)
    return _Shape(head, labels, rows, md_labels, md_header, ncols, _widths(spec["label_mm"], ncols), keep)


def section3(version: str, instance: dict[str, Any]) -> Table:
    """三: the corner note over three label columns, 申请人情况 over 7 figure columns, grouped rows.

    Everything but the figures is the version's (_s3_shape, cached): a report only reads its ~180
    figures. The shared rows and cells are never changed."""
    shape = _s3_shape(version)
    body: list[list[Cell]] = []
    md_rows: list[list[str]] = []
    for labels, (row_parts, figures), md_label in zip(shape.labels, shape.rows, shape.md_labels, strict=True):
        node = _get_parts(instance, row_parts)
        row = node if isinstance(node, dict) else {}
        values = [Cell(fmt_number(row.get(key)), "value", 1, 1, path) for key, path in figures]
        body.append(labels + values)
        md_rows.append([md_label] + [v.text for v in values])
    md = [MdTable("", shape.md_header, md_rows)]
    return Table("s3", shape.ncols, shape.head, body, shape.widths, md, shape.keep)


def _get_parts(instance: dict[str, Any], parts: tuple[str, ...]) -> Any:
    node: Any = instance
    for part in parts:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def section4(version: str, instance: dict[str, Any]) -> Table:
    """四: one row of figures under the three-level 行政复议 / 行政诉讼 header."""
    spec = _spec("s4")
    nodes = _col_tree_from_schema(version, "s4")
    leaves = [k for k, _ in _leaves(nodes)]
    values = [_value(instance, f"s4.{k}") for k in leaves]
    md = [MdTable("", _md_col_labels(nodes), [[v.text for v in values]])]
    ncols = len(leaves)
    head = _header_rows(nodes)
    return Table("s4", ncols, head, [values], _widths(spec["label_mm"], ncols), md, [True] * len(head) + [False])


def tables(version: str, instance: dict[str, Any]) -> dict[str, Table]:
    """The three tables of a report, filled with its figures."""
    return {"s2": section2(version, instance), "s3": section3(version, instance), "s4": section4(version, instance)}

"""The clerk workbook's geometry: which label and which input cell goes where, derived from layout + schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from xlpy import schema
from xlpy.cell import column_letter, format_cell
from xlpy.errors import RegisterError
from xlpy.headings import NUMERALS
from xlpy.resources import load_json

TABLE_TOP = 5  # tables start below title (1), hint (2), optional lead sentence (3) and a spacer (4)


@dataclass(frozen=True, slots=True)
class Label:
    """A locked cell (or merged range) showing fixed text."""

    row: int
    col: int
    text: str
    style: str  # title | hint | header | label | caption
    end_row: int = 0
    end_col: int = 0


@dataclass(frozen=True, slots=True)
class Input:
    """An input cell: a field of the report data (or a repeated slot such as an overview part)."""

    sheet: str
    row: int
    col: int
    path: str
    kind: str  # schema kinds (count, money, text …); "fixed" cells are locked and prefilled
    label: str  # what the clerk reads in the input message
    fixed: Any = None  # prefilled value for locked cells (format version, units)
    end_col: int = 0  # merged to this column (wide text cells)

    @property
    def a1(self) -> str:
        return f"{col_letter(self.col)}{self.row}"

    @property
    def ref(self) -> str:
        """The cell as findings show it: 表三!D7."""
        return format_cell(self.sheet, self.row, self.col)


@dataclass(slots=True)
class SheetLayout:
    name: str
    kind: str
    labels: list[Label] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    header_rows: tuple[int, int] | None = None  # a table's header rows: repeated on every printed page


@dataclass(slots=True)
class Layout:
    """The whole workbook of one format version."""

    version: str
    template_version: str
    name_prefix: str
    styles: dict[str, Any]
    sheets: list[SheetLayout]
    inputs: dict[str, Input]  # by path, in reading order
    slots: dict[str, int]  # repeated groups: "text.overview.parts" -> number of slots
    # Constant fields the official table shows in a header instead of a row of their own
    # (2021 表二's 收费金额单位 is printed as 「本年收费金额（单位：万元）」): path -> value.
    implied: dict[str, Any] = field(default_factory=dict)

    @property
    def cells(self) -> dict[str, str]:
        """Every field path -> "表三!D7" as laid out by the template."""
        return {p: i.ref for p, i in self.inputs.items()}

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    @property
    def input_fill(self) -> str:
        return str(self.styles["input_fill"])


col_letter = column_letter  # 1 -> A, 27 -> AA (xlpy.cell, the one cell-reference module)


def text_width(text: str) -> float:
    """Width in Excel column units: a CJK character takes about two, other characters one."""
    return sum(2.0 if ord(ch) > 0x2E7F else 1.1 for ch in text)


def span_for(widths: dict[int, float], first: int, text: str, last: int) -> int:
    """The last column a one-line label starting at `first` needs (at most `last`)."""
    need, col = text_width(text) + 1, first
    room = widths.get(col, DEFAULT_WIDTH)
    while room < need and col < last:
        col += 1
        room += widths.get(col, DEFAULT_WIDTH)
    return col


DEFAULT_WIDTH = 8.43  # Excel's default column width


def cn_ordinal(i: int) -> str:
    """0 -> （一）, 10 -> （十一）: the numbering of overview parts."""
    n = i + 1
    if n <= 10:
        word = NUMERALS[n - 1]
    elif n < 20:
        word = "十" + NUMERALS[n - 11]
    else:
        word = NUMERALS[n // 10 - 1] + "十" + (NUMERALS[n % 10 - 1] if n % 10 else "")
    return f"（{word}）"


def _is_row(version: str, path: str) -> bool:
    """A row object: all its (resolved) properties are scalars — the table's columns."""
    kids = schema.children(version, path)
    return bool(kids) and all(_scalar(n) for _, n in kids)


def _scalar(node: dict[str, Any]) -> bool:
    return "properties" not in node and node.get("type") != "object"


class _Builder:
    """Lays out one sheet at a time; keeps the schema access in one place."""

    def __init__(self, version: str, spec: dict[str, Any]) -> None:
        self.version = version
        self.spec = spec
        self.fields = schema.fields(version)
        self.implied: dict[str, Any] = {}

    def kind(self, path: str) -> str:
        return self.fields[path].kind

    def title(self, path: str) -> str:
        return str(schema.resolved(self.version, path).get("title", ""))

    def input(self, sheet: SheetLayout, row: int, col: int, path: str, label: str, end_col: int = 0) -> None:
        f = self.fields.get(path)
        if f is not None and f.kind == schema.CONST:
            sheet.inputs.append(Input(sheet.name, row, col, path, "fixed", label, f.schema["const"], end_col))
        else:
            sheet.inputs.append(Input(sheet.name, row, col, path, f.kind if f else "text", label, None, end_col))

    def head(self, sheet: SheetLayout, sd: dict[str, Any], width: int) -> None:
        sheet.labels.append(Label(1, 1, sd["title"], "title", 1, width))
        if sd.get("hint"):
            sheet.labels.append(Label(2, 1, sd["hint"], "hint", 2, width))
        lead = sd.get("lead")
        if lead:
            # The label takes as many narrow columns as it needs to stay on one line (表三's are 9 wide).
            text = "表前文字（可空）"
            last = span_for(sheet.widths, 1, text, width - 1)
            sheet.labels.append(Label(3, 1, text, "label", 3, last))
            self.input(sheet, 3, last + 1, lead, f"{sd['title']}：表前文字", end_col=width)

    # --- sheet kinds -------------------------------------------------------------------
    def form(self, sd: dict[str, Any]) -> SheetLayout:
        sheet = SheetLayout(sd["name"], "form", widths={1: 22, 2: 44})
        self.head(sheet, sd, 2)
        row = 4
        for path in sd["fields"]:
            title = self.fields[path].title
            sheet.labels.append(Label(row, 1, title, "label"))
            self.input(sheet, row, 2, path, title)
            row += 1
        sheet.labels.append(Label(row, 1, sd.get("template_version_label", "模板版本"), "label"))
        sheet.inputs.append(Input(sheet.name, row, 2, "template_version", "fixed", "模板版本", None))
        return sheet

    def text(self, sd: dict[str, Any]) -> SheetLayout:
        has_parts = "parts" in sd
        sheet = SheetLayout(sd["name"], "text", widths={1: 10, 2: 28, 3: 90} if has_parts else {1: 16, 2: 100})
        width = 3 if has_parts else 2
        self.head(sheet, sd, width)
        row = 4
        for path in sd["fields"]:
            title = self.fields[path].title
            sheet.labels.append(
                Label(row, 1, title, "label", row, width - 1) if has_parts else Label(row, 1, "正文", "label")
            )
            self.input(sheet, row, width, path, title)
            row += 1
        if has_parts:
            parts = sd["parts"]
            row += 1
            for i, h in enumerate(parts["headers"]):
                sheet.labels.append(Label(row, 1 + i, h, "header"))
            for i in range(parts["slots"]):
                r = row + 1 + i
                sheet.labels.append(Label(r, 1, cn_ordinal(i), "label"))
                base = f"{parts['path']}.{i}"
                self.input(sheet, r, 2, f"{base}.title", f"分项{cn_ordinal(i)}小标题")
                self.input(sheet, r, 3, f"{base}.body", f"分项{cn_ordinal(i)}正文")
        return sheet

    def explanations(self, sd: dict[str, Any]) -> SheetLayout:
        sheet = SheetLayout(sd["name"], "explanations", widths={1: 12, 2: 22, 3: 90})
        self.head(sheet, sd, 3)
        for i, h in enumerate(sd["headers"]):
            sheet.labels.append(Label(4, 1 + i, h, "header"))
        for i in range(sd["slots"]):
            base = f"{sd['path']}.{i}"
            for col, key in enumerate(("rule", "location", "text"), start=1):
                self.input(sheet, 5 + i, col, f"{base}.{key}", f"说明第{i + 1}行：{sd['headers'][col - 1]}")
        return sheet

    def subtables(self, sd: dict[str, Any]) -> SheetLayout:
        root = sd["root"]
        tables = schema.children(self.version, root)
        # The widest row of any table decides the sheet's width: captions, title and hint span it all.
        ncols = max(
            len(_row_columns(self.version, f"{root}.{t}.{r}"))
            for t, _ in tables
            for r, rn in schema.children(self.version, f"{root}.{t}")
            if not _scalar(rn)
        )
        width = 1 + ncols
        sheet = SheetLayout(sd["name"], "subtables", widths={1: 26, **{c: 16 for c in range(2, width + 1)}})
        self.head(sheet, sd, width)
        row = TABLE_TOP
        for key, node in tables:
            tpath = f"{root}.{key}"
            sheet.labels.append(Label(row, 1, node.get("title", ""), "caption", row, width))
            kids = schema.children(self.version, tpath)
            rows = [(k, n) for k, n in kids if not _scalar(n) and _is_row(self.version, f"{tpath}.{k}")]
            extras = [(k, n) for k, n in kids if _scalar(n)]
            columns = _row_columns(self.version, f"{tpath}.{rows[0][0]}")
            sheet.labels.append(Label(row + 1, 1, sd["label_header"], "header"))
            for c, (_ckey, ctitle) in enumerate(columns, start=2):
                sheet.labels.append(Label(row + 1, c, ctitle, "header"))
            row += 2
            for rkey, rnode in rows:
                sheet.labels.append(Label(row, 1, rnode.get("title", ""), "label"))
                for c, (ckey, ctitle) in enumerate(_row_columns(self.version, f"{tpath}.{rkey}"), start=2):
                    self.input(sheet, row, c, f"{tpath}.{rkey}.{ckey}", f"{rnode.get('title', '')}：{ctitle}")
                row += 1
            headers = "".join(title for _, title in columns)
            for xkey, xnode in extras:
                if "const" in xnode and str(xnode["const"]) in headers:
                    self.implied[f"{tpath}.{xkey}"] = xnode["const"]  # the column header already says it
                    continue
                sheet.labels.append(Label(row, 1, xnode.get("title", ""), "label"))
                self.input(sheet, row, 2, f"{tpath}.{xkey}", xnode.get("title", ""))
                row += 1
            row += 1
        return sheet

    def row_table(self, sd: dict[str, Any]) -> SheetLayout:
        root = sd["root"]
        rows: list[tuple[str, list[tuple[str, str]]]] = []  # (row path, [(group path, title) from top])

        def walk(path: str, chain: list[tuple[str, str]]) -> None:
            for key, node in schema.children(self.version, path):
                sub = f"{path}.{key}"
                if _is_row(self.version, sub):
                    rows.append((sub, chain + [(sub, node.get("title", ""))]))
                else:
                    walk(sub, chain + [(sub, node.get("title", ""))])

        walk(root, [])
        depth = max(len(chain) for _, chain in rows)
        columns = _row_columns(self.version, rows[0][0])
        keys = [k for k, _ in columns]
        # The header structure above the columns is shared with the rendered report's tables.
        header = load_json(sd["headers_from"])["tables"][root] if "headers_from" in sd else {}
        groups = _column_groups(header.get("columns", []))
        levels = max((g["level"] for g in groups), default=-1) + 1
        header_rows = levels + 1
        width = depth + len(columns)
        sheet = SheetLayout(
            sd["name"],
            "row_table",
            widths={
                **{c: 9 for c in range(1, depth)},
                depth: 46,
                **{depth + i: 11 for i in range(1, len(columns) + 1)},
            },
        )
        self.head(sheet, sd, width)
        top = TABLE_TOP
        sheet.labels.append(Label(top, 1, header.get("corner", ""), "header", top + header_rows - 1, depth))
        deepest = {k: -1 for k in keys}
        for g in groups:
            first, last = depth + 1 + keys.index(g["first"]), depth + 1 + keys.index(g["last"])
            sheet.labels.append(Label(top + g["level"], first, g["title"], "header", top + g["level"], last))
            for k in keys[keys.index(g["first"]) : keys.index(g["last"]) + 1]:
                deepest[k] = max(deepest[k], g["level"])
        for i, (ckey, ctitle) in enumerate(columns):
            sheet.labels.append(
                Label(top + deepest[ckey] + 1, depth + 1 + i, ctitle, "header", top + header_rows - 1, depth + 1 + i)
            )
        first_row = top + header_rows
        sheet.header_rows = (top, first_row - 1)
        # Group labels: each group spans the rows of its descendants, in its own label column.
        spans: dict[str, list[int]] = {}
        titles: dict[str, tuple[int, str]] = {}
        for r, (_rpath, chain) in enumerate(rows):
            for d, (gpath, gtitle) in enumerate(chain[:-1]):
                spans.setdefault(gpath, []).append(first_row + r)
                titles[gpath] = (d, gtitle)
        for gpath, rws in spans.items():
            d, gtitle = titles[gpath]
            sheet.labels.append(Label(min(rws), d + 1, gtitle, "label", max(rws), d + 1))
        for r, (rpath, chain) in enumerate(rows):
            row = first_row + r
            d = len(chain) - 1
            sheet.labels.append(Label(row, d + 1, chain[-1][1], "label", row, depth))
            for i, (ckey, ctitle) in enumerate(columns):
                self.input(sheet, row, depth + 1 + i, f"{rpath}.{ckey}", f"{chain[-1][1]}：{ctitle}")
        return sheet

    def column_table(self, sd: dict[str, Any]) -> SheetLayout:
        root = sd["root"]
        leaves: list[tuple[str, int, str]] = []  # (path, depth, title)
        groups: list[tuple[str, int, str]] = []

        def walk(path: str, d: int) -> None:
            for key, node in schema.children(self.version, path):
                sub = f"{path}.{key}"
                if _scalar(node):
                    leaves.append((sub, d, node.get("title", "")))
                else:
                    groups.append((sub, d, node.get("title", "")))
                    walk(sub, d + 1)

        walk(root, 0)
        height = max(d for _, d, _ in leaves) + 1
        width = len(leaves)
        sheet = SheetLayout(sd["name"], "column_table", widths={c: 10 for c in range(1, width + 1)})
        self.head(sheet, sd, width)
        top = TABLE_TOP
        col_of = {p: i + 1 for i, (p, _, _) in enumerate(leaves)}
        sheet.header_rows = (top, top + height - 1)
        for gpath, d, gtitle in groups:
            cols = [c for p, c in col_of.items() if p.startswith(gpath + ".")]
            sheet.labels.append(Label(top + d, min(cols), gtitle, "header", top + d, max(cols)))
        for p, d, title in leaves:
            sheet.labels.append(Label(top + d, col_of[p], title, "header", top + height - 1, col_of[p]))
            group_title = next((t for g, _, t in reversed(groups) if p.startswith(g + ".")), "")
            self.input(sheet, top + height, col_of[p], p, f"{group_title}：{title}")
        return sheet


def _column_groups(tree: list[Any], level: int = 0) -> list[dict[str, Any]]:
    """Header groups ({title, first, last, level}) from report-tables.json's nested column tree."""
    out: list[dict[str, Any]] = []
    for node in tree:
        if isinstance(node, dict):
            leaves = _tree_leaves(node["children"])
            out.append({"title": node["title"], "first": leaves[0], "last": leaves[-1], "level": level})
            out.extend(_column_groups(node["children"], level + 1))
    return out


def _tree_leaves(tree: list[Any]) -> list[str]:
    return [x for node in tree for x in ([node] if isinstance(node, str) else _tree_leaves(node["children"]))]


def _row_columns(version: str, row_path: str) -> list[tuple[str, str]]:
    return [(k, str(n.get("title", ""))) for k, n in schema.children(version, row_path)]


@cache
def layout(version: str) -> Layout:
    """The laid-out workbook of a format version (computed once per process)."""
    name = f"layout-{version}.json"
    try:
        spec = load_json(name)
    except FileNotFoundError as exc:
        raise RegisterError(f"缺少格式版本 {version} 的版式文件 schemas/{name}") from exc
    sheets = []
    implied: dict[str, Any] = {}
    for sd in spec["sheets"]:
        builder = _Builder(version, sd)
        build = getattr(builder, sd["kind"], None)
        if build is None:
            raise RegisterError(f"schemas/{name}：未知的工作表类型 {sd['kind']!r}（工作表 {sd['name']}）")
        sheets.append(build(sd))
        implied.update(builder.implied)
    inputs = {i.path: i for s in sheets for i in s.inputs}
    missing = [p for p in schema.fields(version) if p not in inputs and p not in implied]
    if missing:
        raise RegisterError(f"schemas/{name} 没有为这些字段安排单元格：{', '.join(missing[:5])}")
    slots = {s["parts"]["path"]: s["parts"]["slots"] for s in spec["sheets"] if "parts" in s}
    slots.update({s["path"]: s["slots"] for s in spec["sheets"] if s["kind"] == "explanations"})
    return Layout(
        version, spec["template_version"], spec["name_prefix"], spec["styles"], sheets, inputs, slots, implied
    )

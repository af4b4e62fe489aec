"""Helpers for the render tests: example instances, figure-unique instances, HTML and DOCX table grids."""

from __future__ import annotations

import copy
import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "workbook" / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"
VERSIONS = {"2019": "beigou-2020.json", "2021": "huaian-2024.json"}

# The official header structure (report-format.md §4), typed here independently of the package's data.
S3_COLUMNS = {
    "natural_person": ("申请人情况", "自然人"),
    "commercial": ("申请人情况", "法人或其他组织", "商业企业"),
    "research": ("申请人情况", "法人或其他组织", "科研机构"),
    "public_interest": ("申请人情况", "法人或其他组织", "社会公益组织"),
    "legal_service": ("申请人情况", "法人或其他组织", "法律服务机构"),
    "other": ("申请人情况", "法人或其他组织", "其他"),
    "total": ("申请人情况", "总计"),
}
S4_OUTCOMES = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}
S4_GROUPS = {
    "review": ("行政复议",),
    "litigation.direct": ("行政诉讼", "未经复议直接起诉"),
    "litigation.after_review": ("行政诉讼", "复议后起诉"),
}
S3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def load(version: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / VERSIONS[version]).read_text(encoding="utf-8"))


def s3_rows(node: dict[str, Any], path: str = "s3") -> list[tuple[str, dict[str, Any]]]:
    """Every data row of 表三 (a dict holding the seven columns)."""
    if "total" in node and not isinstance(node["total"], dict):
        return [(path, node)]
    out = []
    for key, child in node.items():
        if isinstance(child, dict):
            out.extend(s3_rows(child, f"{path}.{key}"))
    return out


def unique_figures(version: str) -> dict[str, Any]:
    """The example with every 表三/表四 cell set to a different number, so a misplaced cell shows."""
    inst = copy.deepcopy(load(version))
    n = 1000
    for _, row in s3_rows(inst["s3"]):
        for key in row:
            n += 1
            row[key] = n
    for group in ("review", "litigation.direct", "litigation.after_review"):
        node = inst["s4"]
        for part in group.split("."):
            node = node[part]
        for key in node:
            n += 1
            node[key] = n
    return inst


def row_labels(version: str, path: str) -> tuple[str, ...]:
    """The printed label chain of a 表三 row, from the schema titles (group labels, then the row's own)."""
    from xlpy import schema

    titles: list[str] = []
    parts = path.split(".")
    for i in range(2, len(parts) + 1):
        titles.append(str(schema.resolved(version, ".".join(parts[:i]))["title"]))
    return tuple(titles)


def dedupe(chain: list[str]) -> tuple[str, ...]:
    """Merged cells repeat their text over the grid; consecutive repeats collapse to one label."""
    out: list[str] = []
    for t in chain:
        if t and (not out or out[-1] != t):
            out.append(t)
    return tuple(out)


class _TableGrid(HTMLParser):
    """Every <table> of a page as a dense grid (rowspan/colspan resolved); header rows counted."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, Any]] = []
        self._cell: dict[str, Any] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.tables.append({"rows": [], "head": 0, "cls": a.get("class")})
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
            if self._in_head:
                self.tables[-1]["head"] += 1
        elif tag in ("td", "th"):
            self._cell = {
                "text": "",
                "rowspan": int(a.get("rowspan") or 1),
                "colspan": int(a.get("colspan") or 1),
                "tag": tag,
            }

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(self._cell)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data


def html_tables(html: str) -> list[dict[str, Any]]:
    """Tables as {"grid": [[text]], "head": n, "cls": class}; a merged cell's text fills its whole area."""
    parser = _TableGrid()
    parser.feed(html)
    out = []
    for t in parser.tables:
        grid: dict[tuple[int, int], str] = {}
        for r, row in enumerate(t["rows"]):
            c = 0
            for cell in row:
                while (r, c) in grid:
                    c += 1
                for dr in range(cell["rowspan"]):
                    for dc in range(cell["colspan"]):
                        assert (r + dr, c + dc) not in grid, "overlapping cells"
                        grid[(r + dr, c + dc)] = cell["text"].strip()
                c += cell["colspan"]
        nrows = len(t["rows"])
        ncols = max(c for _, c in grid) + 1
        dense = [[grid.get((r, c)) for c in range(ncols)] for r in range(nrows)]
        assert all(v is not None for row in dense for v in row), "holes in the table grid"
        out.append({"grid": dense, "head": t["head"], "cls": t["cls"]})
    return out


def docx_tables(data: bytes) -> list[dict[str, Any]]:
    """Tables read back with python-docx: text grid (merged cells repeated) and the header-row count."""
    import docx
    from docx.oxml.ns import qn

    doc = docx.Document(io.BytesIO(data))
    out = []
    for table in doc.tables:
        grid = [[cell.text for cell in row.cells] for row in table.rows]
        head = sum(1 for row in table.rows if row._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None)
        out.append({"grid": grid, "head": head, "table": table})
    return out


def check_s3_grid(grid: list[list[str]], head: int, version: str, instance: dict[str, Any]) -> int:
    """Every 表三 figure sits at its official row and column; returns the number of cells checked."""
    nlabels = 3
    columns = {dedupe([grid[r][c] for r in range(head)]): c for c in range(nlabels, len(grid[0]))}
    rows = {dedupe([grid[r][c] for c in range(nlabels)]): r for r in range(head, len(grid))}
    assert grid[0][0] == S3_NOTE
    checked = 0
    for path, row in s3_rows(instance["s3"]):
        r = rows[row_labels(version, path)]
        for key, value in row.items():
            c = columns[S3_COLUMNS[key]]
            assert grid[r][c] == str(value), (path, key)
            checked += 1
    return checked


def check_s4_grid(grid: list[list[str]], head: int, instance: dict[str, Any]) -> int:
    """Every 表四 figure sits under its three-level header; returns the number of cells checked."""
    columns = {dedupe([grid[r][c] for r in range(head)]): c for c in range(len(grid[0]))}
    assert len(grid) == head + 1
    checked = 0
    for group, labels in S4_GROUPS.items():
        node = instance["s4"]
        for part in group.split("."):
            node = node[part]
        for key, value in node.items():
            c = columns[labels + (S4_OUTCOMES[key],)]
            assert grid[head][c] == str(value), (group, key)
            checked += 1
    return checked

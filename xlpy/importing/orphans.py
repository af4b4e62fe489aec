"""Figure rows printed without their label (a PDF-to-Markdown conversion moved it away), placed by reading order.

Between two labelled rows of a table, the rows the schema puts between them and that were not found are matched,
in order, with the unlabelled rows of figures printed between them — only where the counts are equal, the
labelled rows come in the schema's order, and afterwards every column sum of the table holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlpy.importing import labels as lab
from xlpy.importing.rows import RowFound, figures_only, from_cells
from xlpy.importing.split import Number, total_check
from xlpy.importing.sums import column_equations

if TYPE_CHECKING:
    from xlpy.importing.document import Block
    from xlpy.importing.sections import Line


def place_orphans(
    found: dict[str, RowFound | None], by_section: dict[str, list[Line]], specs: tuple[lab.RowSpec, ...]
) -> None:
    """Fill rows not found from unlabelled figure rows in the gaps between labelled ones (see the module text)."""
    for section in ("s2", "s3"):
        own = [sp for sp in specs if sp.section == section and sp.regex is not None]
        order = {sp.path: i for i, sp in enumerate(own)}
        anchors = {r.block: p for p, r in found.items() if p in order and r is not None and r.block and _known(r)}
        items: list[tuple[str, Block]] = []  # ("anchor", block) | ("orphan", block), in reading order
        for ln in by_section.get(section, []):
            b = ln.block
            if id(b) in anchors:
                items.append(("anchor", b))
            elif b.is_row and figures_only(b):
                items.append(("orphan", b))
        placed = _fill_gaps(items, anchors, own, order, found)
        if placed and _sums_hold(found, specs, placed):
            for path, row in placed.items():
                found[path] = row


def _known(row: RowFound) -> bool:
    return len(row.options) == 1


def _fill_gaps(
    items: list[tuple[str, Block]],
    anchors: dict[int, str],
    own: list[lab.RowSpec],
    order: dict[str, int],
    found: dict[str, RowFound | None],
) -> dict[str, RowFound]:
    positions = [order[anchors[id(b)]] for kind, b in items if kind == "anchor"]
    if not positions or positions != sorted(positions):
        return {}  # labelled rows out of the schema's order: the reading order cannot be trusted
    placed: dict[str, RowFound] = {}
    previous = -1
    orphans: list[Block] = []
    for kind, b in [*items, ("end", None)]:
        if kind == "orphan":
            assert b is not None
            orphans.append(b)
            continue
        upto = order[anchors[id(b)]] if kind == "anchor" else len(own)
        gap = [sp for sp in own[previous + 1 : upto] if found.get(sp.path) is None or not _known(found[sp.path])]  # type: ignore[arg-type]
        if orphans and len(gap) == len(orphans):
            for sp, orphan in zip(gap, orphans, strict=True):
                row = _row(sp, orphan, own[previous].labels[0] if previous >= 0 else "", _label(own, upto))
                if row is None:
                    return {}  # a figure row that does not fit its place: leave the whole table as read
                placed[sp.path] = row
        previous = upto
        orphans = []
    return placed


def _label(own: list[lab.RowSpec], index: int) -> str:
    return own[index].labels[0] if index < len(own) else ""


def _row(spec: lab.RowSpec, block: Block, before: str, after: str) -> RowFound | None:
    assert block.cells is not None
    kinds = [f.kind for f in spec.leaves]
    options, direct, blanks = from_cells([c.text for c in block.cells], kinds, None)
    if len(options) != 1 or not direct:
        return None
    values = options[0]
    for total, parts in (total_check([f.path.rsplit(".", 1)[1] for f in spec.leaves]) or {}).items():
        if not blanks[total] and sum(values[i] for i in parts) != values[total]:
            return None  # its own 总计 does not add up: not this row's figures
    between = "、".join(f"“{x}”" for x in (before, after) if x)
    note = (
        f"这一行数字没有印出行名（转换时行名与数字错开），按表格行序对应到“{spec.labels[0]}”"
        + (f"（在{between}{'两行之间' if before and after else '一行旁'}）" if between else "")
        + "，表三列合计核对无误"
    )
    return RowFound(
        block.where, " | ".join(c.text for c in block.cells), options, True, blanks, block=id(block), note=note
    )


def _sums_hold(found: dict[str, RowFound | None], specs: tuple[lab.RowSpec, ...], placed: dict[str, RowFound]) -> bool:
    """Every column sum that involves a placed row is fully known (blank cells aside) and holds."""
    keyed = {s.path: [f.path.rsplit(".", 1)[1] for f in s.leaves] for s in specs}

    def cells(path: str) -> dict[str, Number | None] | None:
        r = placed.get(path) or found.get(path)
        if r is None or not _known(r):
            return None
        flags = r.blanks or [False] * len(r.options[0])
        return {k: (None if blank else v) for k, v, blank in zip(keyed[path], r.options[0], flags, strict=True)}

    involved = [eq for eq in column_equations(specs) if any(p in placed for p in eq[0] + eq[1])]
    if {p for p in placed} - {p for eq in involved for p in eq[0] + eq[1]}:
        return False  # a placed row no sum checks (表二): the reading order alone is not enough
    for lhs, rhs in involved:
        rows = [cells(p) for p in lhs + rhs]
        if any(r is None for r in rows):
            return False
        left, right = rows[: len(lhs)], rows[len(lhs) :]
        checked = 0
        for col in keyed[lhs[0]]:
            values = [r[col] for r in left + right]  # type: ignore[index]
            if any(v is None for v in values):
                continue  # a cell printed blank (四 结转下年度 总计): this column cannot be checked
            checked += 1
            if sum(left_v[col] for left_v in left) != sum(right_v[col] for right_v in right):  # type: ignore[index,misc]
                return False
        if not checked:
            return False
    return True

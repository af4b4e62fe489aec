"""表二/三/四 of a published report: every row found, settled by the sums, put into the instance and the record."""

from __future__ import annotations

import itertools
import re
from typing import Any

from xlpy import schema
from xlpy.importing import labels as lab
from xlpy.importing.orphans import place_orphans
from xlpy.importing.record import BLANK, INFERRED, READ, SPLIT, ImportRecord
from xlpy.importing.rows import RowFound, label_cells, labelled_row, unlabelled_row
from xlpy.importing.sections import Line, heading_title
from xlpy.importing.split import Number, total_check
from xlpy.importing.sums import column_equations, holds

TABLE_NAMES = {"s2": "表二", "s3": "表三", "s4": "表四"}  # the official tables, as findings name them

SPLITS_LISTED = 50  # an ambiguous row's splits listed in the record (all of them, up to this many)
COMBO_LIMIT = 4096  # rows still ambiguous after their own sums: at most this many combinations tried


def map_tables(lines: list[Line], inst: dict[str, Any], rec: ImportRecord, version: str) -> None:
    specs = lab.row_specs(version)
    found: dict[str, RowFound | None] = {}
    by_section: dict[str, list[Line]] = {}
    for ln in lines:
        by_section.setdefault(ln.section, []).append(ln)
    cells = {section: label_cells(section_lines) for section, section_lines in by_section.items()}
    for spec in specs:
        section_lines = by_section.get(spec.section, [])
        keys = [f.path.rsplit(".", 1)[1] for f in spec.leaves]
        kinds = [f.kind for f in spec.leaves]
        check = total_check(keys)
        if spec.regex is None:
            found[spec.path] = unlabelled_row(section_lines, spec, kinds, check, version)
        else:
            found[spec.path] = labelled_row(
                section_lines, spec, kinds, check, version, specs, cells.get(spec.section, [])
            )
    _misplaced(found, by_section, specs, rec, version)
    _column_labels(by_section, rec)
    place_orphans(found, by_section, specs)
    _resolve_columns(found, specs, version)
    for spec in specs:
        row = found[spec.path]
        label = spec.labels[0] if spec.labels else heading_title(version, spec.section)
        paths = [f.path for f in spec.leaves]
        if row is None:
            for p in paths:
                rec.set(p, BLANK, note=f"没有找到“{label}”行")
            rec.ambiguous.append({"paths": paths, "where": "", "text": "", "reason": f"没有找到“{label}”行的数字"})
            continue
        if len(row.options) != 1:
            row.where = f"{TABLE_NAMES.get(spec.section, '')}“{label}”行（{row.where}）" if row.where else ""
            has_total = any(f.path.endswith(".total") for f in spec.leaves)
            how = "都符合合计关系" if has_total else "（该行没有合计可以核对）"
            reason = (
                f"“{label}”行的数字 {row.text} 连在一起，可拆成 {len(row.options)} 种{how}，无法确定"
                if row.options
                else f"“{label}”行的数字 {row.text or '（无）'} 无法对应到 {len(paths)} 个单元格"
            )
            for p in paths:
                rec.set(p, BLANK, row.where, row.text, reason)
            entry: dict[str, Any] = {"paths": paths, "where": row.where, "text": row.text, "reason": reason}
            if len(row.options) > 1:
                # The proof that the digits are ambiguous: every split that satisfies the row's own sums and the
                # table's column sums (those the import could check), as printed cell texts.
                entry["splits"] = [[_fmt(v) for v in option] for option in row.options[:SPLITS_LISTED]]
                entry["split_count"] = len(row.options)
            rec.ambiguous.append(entry)
            continue
        values = row.options[0]
        table = TABLE_NAMES.get(spec.section, "")
        for f, v, blank in zip(spec.leaves, values, row.blanks or [False] * len(values), strict=False):
            # 表三“自然人”列（第4页第2个表格第7行）: the official column (the finding names the row), then the place.
            cell = f"“{f.title}”列" if len(paths) > 1 else f"“{label}”"
            if spec.regex is None:
                cell = f"“{' '.join(t for t in f.titles[1:] if t)}”"
            where = f"{table}{cell}（{row.where}）"
            put(inst, f.path, None if blank else v)
            if blank:
                rec.set(f.path, BLANK, where, "", "印为空白")
            elif row.note:
                rec.set(f.path, INFERRED, where, _fmt(v), row.note)
            else:
                rec.set(f.path, READ if row.direct else SPLIT, where, _fmt(v))
    for spec in specs:
        row = found[spec.path]
        if row is not None and row.label:
            rec.notes.append(f"{row.where}：“{spec.labels[0]}”印作“{row.label}”（非本版格式的标签）")
            rec.outline.setdefault("labels", []).append(
                {"official": spec.labels[0], "printed": row.label, "where": row.where, "path": spec.path}
            )
    _foreign_rows(by_section, specs, rec, version)
    _units(lines, inst, rec, version)


def _column_labels(by_section: dict[str, list[Line]], rec: ImportRecord) -> None:
    """An official column header printed in an edited wording (“社会组织” for “社会公益组织”), for O-3."""
    for section, variants in lab.knowledge().get("column_variants", {}).items():
        if section.startswith("$"):
            continue
        section_lines = by_section.get(section, [])
        flat = re.sub(r"\s", "", "".join(ln.text for ln in section_lines))
        for official, printed in variants.items():
            if official.startswith("$") or official in flat:
                continue
            for variant in printed:
                at = next((ln.block.where for ln in section_lines if variant in re.sub(r"\s", "", ln.text)), None)
                if at is not None:
                    rec.outline.setdefault("labels", []).append(
                        {"official": official, "printed": variant, "where": at, "path": section, "kind": "列"}
                    )
                    break


def _misplaced(
    found: dict[str, RowFound | None],
    by_section: dict[str, list[Line]],
    specs: tuple[lab.RowSpec, ...],
    rec: ImportRecord,
    version: str,
) -> None:
    """A table none of whose labelled rows is under its own heading but some are, as table rows, under another (O-5).

    Only reported: its figures stay blank (and listed), since a heading out of place may mean the table is too.
    """
    for table_section, table in TABLE_NAMES.items():
        own = [sp for sp in specs if sp.section == table_section and sp.regex is not None]
        if not own or any(found.get(sp.path) is not None for sp in own):
            continue
        for section, section_lines in by_section.items():
            if section == table_section:
                continue
            rows = [ln for ln in section_lines if ln.block.is_row]
            hits = []
            for sp in own:
                keys = [f.path.rsplit(".", 1)[1] for f in sp.leaves]
                row = labelled_row(rows, sp, [f.kind for f in sp.leaves], total_check(keys), version, specs)
                if row is not None:
                    hits.append(row)
            if len(hits) >= 2:  # one label alone may be a row of another table that shares its words
                rec.outline.setdefault("misplaced", []).append(
                    {"table": table, "section": table_section, "under": section, "where": hits[0].where}
                )
                break


def _foreign_rows(
    by_section: dict[str, list[Line]], specs: tuple[lab.RowSpec, ...], rec: ImportRecord, version: str
) -> None:
    """A row of another format version printed with figures (a 2019 （六）其他处理 row in 2021 tables): reported."""
    own = {s.path for s in specs}
    for other in schema.known_versions():
        if other == version:
            continue
        other_specs = lab.row_specs(other)
        for spec in other_specs:
            if spec.regex is None or spec.path in own:
                continue
            keys = [f.path.rsplit(".", 1)[1] for f in spec.leaves]
            kinds = [f.kind for f in spec.leaves]
            row = labelled_row(by_section.get(spec.section, []), spec, kinds, total_check(keys), other, other_specs)
            if row is not None and row.options:
                reason = f"印有 {other} 年版格式的“{spec.labels[0]}”行（{row.text}），{version} 年版表格没有这一行，其数字未导入"
                rec.notes.append(f"混用格式：{row.where}：{reason}")
                rec.ambiguous.append({"paths": [], "where": row.where, "text": row.text, "reason": reason})


def _fmt(v: Any) -> str:
    return "" if v is None else str(v)


def put(inst: dict[str, Any], path: str, v: Any) -> None:
    node = inst
    parts = path.split(".")
    for p in parts[:-1]:
        node = node[p]
    node[parts[-1]] = v


def _resolve_columns(found: dict[str, RowFound | None], specs: tuple[lab.RowSpec, ...], version: str) -> None:
    """Rows whose own sums left several splits: keep the one combination the column sums allow, if unique."""
    equations = column_equations(specs)
    in_sums = {p for lhs, rhs in equations for p in lhs + rhs}
    open_rows = [p for p, r in found.items() if r is not None and len(r.options) > 1 and p in in_sums]
    if not open_rows:
        return
    total = 1
    for p in open_rows:
        total *= len(found[p].options)  # type: ignore[union-attr]
    if total > COMBO_LIMIT:
        return
    keyed = {s.path: [f.path.rsplit(".", 1)[1] for f in s.leaves] for s in specs}
    valid = []
    for combo in itertools.product(*(found[p].options for p in open_rows)):  # type: ignore[union-attr]
        chosen = dict(zip(open_rows, combo, strict=True))

        def row_values(path: str, chosen: dict[str, list[Number]] = chosen) -> dict[str, Number] | None:
            if path in chosen:
                return dict(zip(keyed[path], chosen[path], strict=True))
            r = found.get(path)
            if r is None or len(r.options) != 1 or any(r.blanks or []):
                return None
            return dict(zip(keyed[path], r.options[0], strict=True))

        if all(holds(eq, row_values) for eq in equations):
            valid.append(combo)
    for i, p in enumerate(open_rows):
        # A row is settled when every combination the column sums allow gives it the same split.
        kept = {tuple(combo[i]) for combo in valid}
        if kept:  # left ambiguous, the record lists only the splits some valid combination uses
            found[p].options = [o for o in found[p].options if tuple(o) in kept]  # type: ignore[union-attr]


def _units(lines: list[Line], inst: dict[str, Any], rec: ImportRecord, version: str) -> None:
    """A choice of unit printed in a header (2019 采购总金额（单位：元/万元）)."""
    for f in schema.fields(version).values():
        if f.kind != schema.CHOICE or not f.path.startswith("s2."):
            continue
        text = "".join(ln.text for ln in lines if ln.section == "s2")
        options = sorted(f.schema["enum"], key=len, reverse=True)
        m = re.search(r"单位\s*[:：]\s*(" + "|".join(map(re.escape, options)) + ")", text)
        if m:
            put(inst, f.path, m.group(1))
            rec.set(f.path, READ, "表二", m.group(0))
        else:
            amount = re.search(r"\d(" + "|".join(map(re.escape, options)) + r")(?!\w)", text)
            if amount:
                put(inst, f.path, amount.group(1))
                rec.set(f.path, INFERRED, "表二", amount.group(0), "金额后的单位")
            else:
                rec.set(f.path, BLANK, note="表头没有印出单位")

"""The roll-up (汇总) and indicators of a batch: xlpy.workspace's sums and rates over the batch's workbooks, no database.

Each worker keeps, per readable workbook, only what these need (the 表二/三/四 vector in plan order and the
figures the indicators read); the run writes, beside summary.xlsx, one 汇总-<年度>.json/.xlsx per report year
and 指标.xlsx/.csv (one row per workbook, ranked per 年度 and 机关类型). A file is a roll-up member by
its path, so two workbooks of one agency are both summed — the roll-up lists them under `duplicates`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from xlpy.resources import load_json

ROLLUP_NAME = "本批工作簿"  # the summed report's 机关名称 stem: a batch has no parent agency of its own
INDICATOR_FILE = "指标"  # a Chinese file name, like 汇总-<年度>: the supervisor reads the folder
_SUMMED = ("ok", "blocked", "incomplete")  # read and checked; an unusable or failed file has no figures


def figures(instance: dict[str, Any]) -> dict[str, Any] | None:
    """What a Row keeps of one readable workbook for the roll-up and the indicators (None: no report year)."""
    from xlpy.schema import lookup
    from xlpy.workspace.rollup import member

    meta = instance.get("meta") or {}
    version = instance.get("format_version")
    if not isinstance(meta.get("year"), int) or not isinstance(version, str):
        return None
    _, _, vector, units = member("", instance, version)
    paths = _measure_paths()
    return {
        "version": version,
        "org_type": meta.get("org_type") if isinstance(meta.get("org_type"), str) else "",
        "vector": vector,
        "units": units,
        "measures": {p: lookup(instance, p) for p in paths},
    }


@cache
def _measure_paths() -> tuple[str, ...]:
    """The fields the indicators read (workspace.json), once per process rather than once per workbook."""
    return tuple(
        sorted({p for s in load_json("workspace.json")["indicators"] for p in s["numerator"] + s["denominator"]})
    )


def write(
    rows: Iterable[Any],
    outdir: Path,
    *,
    duplicates: Sequence[Sequence[str]] = (),
    specs: Any = None,
    config: Any = None,
) -> list[Path]:
    """Write every year's 汇总 JSON/workbook and the indicators table; returns the files written."""
    from xlpy.workspace.indicators import compute, rank
    from xlpy.workspace.options import Options

    specs = specs if specs is not None else Options().indicator_specs()
    members: dict[int, list[Any]] = {}
    org_types: dict[int, set[str]] = {}
    table: list[dict[str, Any]] = []
    for row in rows:
        got = row.rollup
        if not got or row.status not in _SUMMED:
            continue
        members.setdefault(row.year, []).append((row.file, got["version"], got["vector"], got["units"]))
        org_types.setdefault(row.year, set()).add(got["org_type"])
        table.append(
            {
                "file": row.file,
                "agency": row.agency,
                "org_type": f"{row.year}|{got['org_type']}",  # rank() groups by this key: per year and 机关类型
                "year": row.year,
                "indicators": compute(got["measures"], specs),
            }
        )
    written = [
        _write_rollup(year, found, org_types[year], outdir, duplicates, config)
        for year, found in sorted(members.items())
    ]
    for year in {r["year"] for r in table}:
        rank([r for r in table if r["year"] == year], specs)
    return [p for pair in written for p in pair] + _write_indicators(table, specs, outdir)


def _write_rollup(
    year: int, found: list[Any], types: set[str], outdir: Path, duplicates: Sequence[Sequence[str]], config: Any
) -> tuple[Path, Path]:
    from xlpy.schema import version_for_year
    from xlpy.workbook import build_workbook
    from xlpy.workspace.rollup import build, graded

    version = version_for_year(year) or found[0][1]
    # One 机关类型 across the batch is the summed report's; a mix leaves it blank (the rules on 表二/三/四 that
    # depend on it, e.g. R-S2-2, then see no type rather than a wrong one).
    known = sorted(types - {""})
    parent = {"id": "batch", "name": ROLLUP_NAME, "org_type": known[0] if len(known) == 1 else ""}
    result = build(parent, year, version, found)
    files = {m[0] for m in found}
    groups = [list(g) for g in duplicates if set(g) & files]
    body = {**result.to_dict(), "duplicates": groups}
    # H-3: one agency's year summed twice (graded by the config's [rules], as the workspace's are)
    body["hierarchy"] = graded([_h3(group, year, version) for group in groups], version, config)
    body.pop("agency_id")
    json_path = outdir / f"汇总-{year}.json"
    json_path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    xlsx_path = outdir / f"汇总-{year}.xlsx"
    build_workbook(year, data=result.instance).save(xlsx_path)
    return json_path, xlsx_path


def _h3(group: list[str], year: int, version: str) -> dict[str, Any]:
    from xlpy.workspace.rollup import finding

    listed = "、".join(Path(f).name for f in group)
    return finding("H-3", version, {"names": listed, "reason": f"机关名称和年度（{year}）相同的工作簿"}, group)


def header(specs: list[dict[str, Any]]) -> list[str]:
    cols = ["文件", "机关名称", "机关类型", "年度"]
    for s in specs:
        cols += [f"{s['label']}（%）", f"{s['label']}等级", f"{s['label']}排名"]
    return cols


def records(table: list[dict[str, Any]], specs: list[dict[str, Any]]) -> Iterable[list[Any]]:
    """One list per workbook: percentages with one decimal (blank when not computable), 等级, 名次/同类数."""
    from xlpy.formula_text import neutralise
    from xlpy.workspace.indicators import LEVEL_ZH

    for r in table:
        out: list[Any] = [r["file"], r["agency"], r["org_type"].split("|", 1)[1], r["year"]]
        for s in specs:
            ind = r["indicators"].get(s["id"]) or {}
            value = ind.get("value")
            out.append(round(100 * value, 1) if value is not None else "")
            out.append(LEVEL_ZH.get(ind.get("level") or "", ""))
            out.append(f"{ind['rank']}/{ind['of']}" if "rank" in ind else "")
        yield [neutralise(v) for v in out]


def _write_indicators(table: list[dict[str, Any]], specs: list[dict[str, Any]], outdir: Path) -> list[Path]:
    from xlpy.sheet_stream import write_sheet

    cols = header(specs)
    csv_path = outdir / f"{INDICATOR_FILE}.csv"
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(cols)
        writer.writerows(records(table, specs))
    xlsx_path = outdir / f"{INDICATOR_FILE}.xlsx"
    widths = [40, 28, 16, 8] + [12, 10, 10] * len(specs)
    write_sheet(xlsx_path, "指标", cols, records(table, specs), widths=widths)
    return [csv_path, xlsx_path]

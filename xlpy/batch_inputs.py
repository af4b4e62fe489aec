"""A batch's inputs: the workbooks under the given files, folders and globs, their output names, and last year's files.

Last-year matching (上年度对应): each workbook is matched to a file under --last-year-dir by the agency
name (基本信息 机关名称, compared by xlpy.agency_names.agency_key) whose report year is the workbook's
year − 1; when no agency name matches, by file name with every 4-digit year and the words 年度/年报
removed (``北沟镇-2020.xlsx`` ↔ ``北沟镇-2019.xlsx``). Two last-year files claiming the same key make
that key ambiguous: no match, and the row says so.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from xlpy import file_kinds
from xlpy.agency_names import agency_key

# What a folder contributes: every workbook xlpy reads and every spreadsheet it refuses (.ods …), so
# each appears in the summary — checked, or with the reason it was not (xlpy.file_kinds, one list).
WORKBOOK_SUFFIXES = file_kinds.workbook_suffixes() + file_kinds.refused_suffixes()


def published_suffixes() -> tuple[str, ...]:
    return file_kinds.published_in_folders()


def collect(inputs: Iterable[str]) -> tuple[list[Path], list[str]]:
    """Every workbook under the inputs (files, directories, globs), sorted, plus inputs that matched nothing."""
    found: dict[str, Path] = {}
    missing: list[str] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            kinds = (*WORKBOOK_SUFFIXES, *published_suffixes())  # workbooks and published reports (PDF, HTML …)
            candidates: Iterable[Path] = (p for p in path.rglob("*") if p.suffix.lower() in kinds)
        elif path.exists():
            candidates = [path]  # named explicitly: processed even if it is not a workbook
        elif glob.has_magic(item):
            candidates = [Path(p) for p in glob.glob(item, recursive=True) if Path(p).is_file()]
        else:
            candidates = []
        before = len(found)
        for p in candidates:
            # Skip Excel/WPS lock files (~$x.xlsx) and hidden files; they are never reports.
            if p.name.startswith(("~$", ".")) or not p.is_file():
                continue
            found.setdefault(os.path.normcase(str(p.resolve())), p)
        if len(found) == before:
            missing.append(item)
    return sorted(found.values(), key=lambda p: str(p)), missing


def output_stems(paths: list[Path]) -> dict[Path, str]:
    """A unique output name per input (same file names in different folders get -2, -3 …)."""
    used: set[str] = set()
    stems: dict[Path, str] = {}
    for p in paths:
        base = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", p.stem) or "workbook"
        stem, n = base, 1
        while stem.lower() in used:
            n += 1
            stem = f"{base}-{n}"
        used.add(stem.lower())
        stems[p] = stem
    return stems


def name_key(path: Path) -> str:
    """A file name for matching: years and the words 年度/年报/年 removed."""
    stem = re.sub(r"(19|20)\d{2}", "", path.stem)
    stem = re.sub(r"年度|年报|年", "", stem)
    return re.sub(r"[\s_\-－—·.]+", "", stem).lower()


def index_last_year(paths: list[Path], limits: Any = None) -> dict[str, Any]:
    """Last year's files by agency name (with year) and by file-name key; ambiguous keys map to None."""
    from xlpy.errors import InputError
    from xlpy.reader import read_any

    by_org: dict[str, str | None] = {}
    by_name: dict[str, str | None] = {}
    for p in paths:
        try:
            meta = read_any(p, **({"limits": limits} if limits else {})).instance.get("meta") or {}
            org, year = agency_key(meta.get("org_name")), meta.get("year")
            if org:
                key = f"{org}|{year}"
                by_org[key] = None if key in by_org else str(p)
        except InputError:
            pass  # an unreadable last-year file can still be matched by name; the row reports the error
        key = name_key(p)
        if key:
            by_name[key] = None if key in by_name else str(p)
    return {"by_org": by_org, "by_name": by_name}


def match_last_year(index: dict[str, Any], path: Path, org: Any, year: Any) -> tuple[str | None, str]:
    """(last-year file, note) for a workbook, by agency name first, then file name."""
    if not index:
        return None, ""
    if isinstance(year, int):
        key = f"{agency_key(org)}|{year - 1}"
        if key in index["by_org"]:
            found = index["by_org"][key]
            return (found, "") if found else (None, "上年度文件中有多个同名机关，未做跨年度核对")
    key = name_key(path)
    if key in index["by_name"]:
        found = index["by_name"][key]
        return (found, "") if found else (None, "上年度文件名不唯一，未做跨年度核对")
    return None, "未找到上年度文件"

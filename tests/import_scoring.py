"""Scoring an import of a published report against figures read off the document by hand (tests/cases/import)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.shared_files import shared_dir
from xlpy import schema
from xlpy.importing import Imported
from xlpy.importing import labels as lab

CASES = Path(__file__).resolve().parent / "cases" / "import"


def published_dir() -> Path | None:
    """../shared/examples/published beside the repository (tests/shared_files.py finds ../shared).

    Absent, the corpus tests skip on a developer machine; in CI (CI=1) collecting them fails, as shared_file does.
    """
    base = shared_dir()
    path = base / "examples" / "published" if base else None
    if path is not None and path.is_dir():
        return path
    if os.environ.get("CI"):
        raise RuntimeError(
            "../shared/examples/published/ is missing — CI must check the shared material out beside the repository"
        )
    return None


def cases() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(CASES.glob("*.json"))]


@dataclass
class Score:
    file: str
    printed: int = 0  # cells printed (not blank) in the document
    exact: int = 0  # imported with exactly the printed value
    blank_listed: int = 0  # left blank and listed as ambiguous/unread in the import record
    wrong: int = 0  # a value that is not the printed one (or any value where none can be known)
    unlisted: int = 0  # left blank without saying so
    determinable: int = 0  # printed cells this document ties to their row and column
    problems: list[str] = field(default_factory=list)


def score(case: dict[str, Any], imported: Imported) -> Score:
    s = Score(case["file"])
    specs = {sp.path: sp for sp in lab.row_specs(case["format_version"])}
    listed = {p for a in imported.record.ambiguous for p in a["paths"]}
    for row, cells in case["rows"].items():
        tokens = cells.split()
        leaves = specs[row].leaves
        assert len(tokens) == len(leaves), (case["file"], row)
        for f, token in zip(leaves, tokens, strict=True):
            got = schema.lookup(imported.instance, f.path)
            if token == "_":
                if got is not None:
                    s.wrong += 1
                    s.problems.append(f"{f.path}: printed blank, imported {got}")
                continue
            s.printed += 1
            fuzzy = token.startswith("~")
            want = None if token == "?" else float(token.lstrip("~"))
            if want is not None and not fuzzy:
                s.determinable += 1
            if got is None:
                if f.path in listed:
                    s.blank_listed += 1
                else:
                    s.unlisted += 1
                    s.problems.append(f"{f.path}: blank and not listed")
            elif want is not None and float(got) == want:
                s.exact += 1
            else:
                s.wrong += 1
                s.problems.append(f"{f.path}: printed {token}, imported {got}")
    return s

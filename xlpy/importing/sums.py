"""The 表三 column sums of import-labels.json (一+二 = （七）+四; （七）= the outcomes) as equations over table rows."""

from __future__ import annotations

from typing import Any

from xlpy.importing import labels as lab


def column_equations(specs: tuple[lab.RowSpec, ...]) -> list[tuple[list[str], list[str]]]:
    """(left rows, right rows) per equation whose rows this version has; the sums hold column by column."""
    paths = [s.path for s in specs]
    out = []
    for eq in lab.knowledge()["column_sums"]:
        lhs = expand(eq["lhs"], paths, eq["lhs"])
        rhs = expand(eq["rhs"], paths, eq["lhs"])
        if all(p in paths for p in lhs + rhs):
            out.append((lhs, rhs))
    return out


def expand(items: list[str], paths: list[str], exclude: list[str]) -> list[str]:
    """ "s3.results.*" -> every row under s3.results except those on the other side."""
    res: list[str] = []
    for it in items:
        if it.endswith(".*"):
            base = it[:-2] + "."
            res.extend(p for p in paths if p.startswith(base) and p not in exclude)
        else:
            res.append(it)
    return res


def holds(eq: tuple[list[str], list[str]], row_values: Any) -> bool:
    """Every column sums up; `row_values(path)` gives a row's cells by column key, or None when not known."""
    lhs_rows = [row_values(p) for p in eq[0]]
    rhs_rows = [row_values(p) for p in eq[1]]
    if any(r is None for r in lhs_rows + rhs_rows):
        return True  # an unknown row cannot rule a combination out
    for col in lhs_rows[0]:
        if sum(r[col] for r in lhs_rows) != sum(r[col] for r in rhs_rows):
            return False
    return True

"""The findings model: Finding, Report and severities — rendered to terminal, JSON and workbook alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xlpy.cell import Cell

ERROR, WARNING, HINT = "error", "warning", "hint"
SEVERITIES = (ERROR, WARNING, HINT)
SEVERITY_ZH = {ERROR: "错误", WARNING: "警告", HINT: "提示"}
# Why a rule did not run (Report.skipped[…]["kind"]): switched off or lacking last year's data;
# the data cannot answer it (another format version's fields); the checker raised.
NOT_RUN, NOT_ASSESSABLE, CRASHED = "not_run", "not_assessable", "crashed"
SKIP_KINDS = (NOT_RUN, NOT_ASSESSABLE, CRASHED)


@dataclass(slots=True)
class Finding:
    """One thing wrong (or worth knowing) about a report, tied to a rule of the register and to cells."""

    rule: str  # stable ID from rules.md, e.g. "R-S3-1"
    severity: str  # error | warning | hint
    message: str  # Chinese, understandable without the register
    cells: list[str] = field(default_factory=list)  # "表三!D7", first one is the primary location
    paths: list[str] = field(default_factory=list)  # JSON paths of the fields involved
    lhs: Decimal | int | None = None  # arithmetic rules: computed left side
    rhs: Decimal | int | None = None  # … right side
    diff: Decimal | int | None = None  # lhs - rhs
    last_year: Any = None  # cross-year rules: last year's value
    section: str = ""  # 基本信息 | 一 | 二 | 三 | 四 | 五 | 六 | 跨年度 …, for grouping
    explained: bool = False  # a warning the clerk explained (说明)
    explanation: str | None = None
    values: dict[str, Any] = field(default_factory=dict)  # the arguments the message was built from

    @property
    def location(self) -> str:
        """The key a clerk uses to explain this finding: its primary cell, or '-'."""
        return self.cells[0] if self.cells else "-"

    @property
    def cell_refs(self) -> list[Cell]:
        """The cells as values (sheet, coordinate); JSON keeps the "表三!D7" strings of `cells`."""
        return [c for c in map(Cell.parse, self.cells) if c is not None]

    @property
    def blocks(self) -> bool:
        """Whether this finding stops the final report (errors always; warnings unless explained)."""
        return self.severity == ERROR or (self.severity == WARNING and not self.explained)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (Decimals as numbers, None fields kept for a stable shape)."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "cells": list(self.cells),
            "paths": list(self.paths),
            "section": self.section,
            "lhs": _num(self.lhs),
            "rhs": _num(self.rhs),
            "diff": _num(self.diff),
            "last_year": _num(self.last_year),
            "explained": self.explained,
            "explanation": self.explanation,
            "values": {k: _num(v) for k, v in self.values.items()},
        }


def _num(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@dataclass(slots=True)
class Report:
    """The result of validating one workbook: findings, counts and whether the final report may be produced."""

    file: str
    format_version: str | None
    year: int | None
    org: str | None
    findings: list[Finding] = field(default_factory=list)
    # Rules not run, each {"rule", "reason", "kind"}; kind is one of SKIP_KINDS.
    skipped: list[dict[str, str]] = field(default_factory=list)
    # Rules that ran but could not decide part of their check (e.g. the text states a figure whose cell is blank).
    not_assessable: list[dict[str, str]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)  # the active configuration
    unusable: bool = False  # input could not be used (exit 2), e.g. F-0
    error: dict[str, str] | None = None  # {"code", "message"} when the input is unusable
    crashed: list[str] = field(default_factory=list)  # rules whose checker raised (a defect of xlpy)

    @property
    def incomplete(self) -> bool:
        """A rule crashed: the result must not read as "passed"."""
        return bool(self.crashed)

    @property
    def summary(self) -> dict[str, int]:
        """Counts by severity; explained warnings are counted apart."""
        out = {"errors": 0, "warnings": 0, "hints": 0, "explained": 0}
        for f in self.findings:
            if f.severity == ERROR:
                out["errors"] += 1
            elif f.severity == WARNING:
                out["explained" if f.explained else "warnings"] += 1
            else:
                out["hints"] += 1
        return out

    @property
    def final_ok(self) -> bool:
        """True when nothing blocks the final report."""
        return not self.unusable and not self.incomplete and not any(f.blocks for f in self.findings)

    def to_dict(self, checklist: Sequence[str] = ()) -> dict[str, Any]:
        """The JSON of the findings; `checklist` (schemas/checklist.json, loaded once by the caller) is shown
        unless the input is unusable. The verdict adds its status (xlpy.verdict.Verdict.to_dict)."""
        return {
            "file": self.file,
            "format_version": self.format_version,
            "year": self.year,
            "org": self.org,
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary,
            "final_ok": self.final_ok,
            "skipped": list(self.skipped),
            "not_assessable": list(self.not_assessable),
            "config": self.config,
            "error": self.error,
            "incomplete": self.incomplete,
            "crashed": list(self.crashed),
            "checklist": list(checklist) if not self.unusable else [],
        }

    def flatten(self, *keys: str) -> list[tuple[Any, ...]]:
        """(rule, cell, …) tuples for compact test assertions, e.g. flatten("rule", "cell")."""
        rows = []
        for f in self.findings:
            row = []
            for k in keys:
                row.append(f.location if k == "cell" else getattr(f, k))
            rows.append(tuple(row))
        return rows

"""What a rule sees: this year's data, last year's (if given), the cell map, options — and the checker registry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from xlpy.model import Finding
from xlpy.schema import lookup


@dataclass(slots=True)
class RuleContext:
    """Everything a rule may read. Rules never touch the workbook itself."""

    instance: dict[str, Any]  # the report data (schema instance) of this year
    cells: dict[str, str]  # dotted field path -> "表三!D7"
    version: str  # format version of this year's data ("2019" | "2021")
    last: dict[str, Any] | None = None  # last year's report data, if given (--last-year)
    last_cells: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)  # locality options from the configuration
    # A published document's outline as imported (title, headings, labels as printed); None for a workbook or JSON,
    # whose headings and labels come from the template — the O- rules run only when it is set.
    outline: dict[str, Any] | None = None
    memo: dict[Any, Any] = field(default_factory=dict)  # per-report results checkers share (parsed text …)
    # Rules that ran but could not decide part of what they check (a blank cell the text speaks of), with why.
    not_assessable: list[dict[str, str]] = field(default_factory=list)

    def cannot_decide(self, rule_id: str, reason: str) -> None:
        """Record that a rule could not decide something (shown as 无法判断 with the reason); once per reason."""
        entry = {"rule": rule_id, "reason": reason}
        if entry not in self.not_assessable:
            self.not_assessable.append(entry)

    def memoized(self, key: Any, compute: Callable[[], Any]) -> Any:
        """Compute once per report what several rules need (e.g. the claims read from the text)."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def value(self, path: str, *, last: bool = False) -> Any:
        """The value at a dotted path, or None when absent."""
        return lookup(self.last if last else self.instance, path)

    def cell(self, path: str) -> str | None:
        """The workbook cell of a field ("表三!D7"), or None for JSON input without a layout."""
        return self.cells.get(path)


# A checker implements a rule that the expression form cannot express (narrative number
# extraction, text similarity …). The register names it with `checker: <name>`; `rule` is the
# loaded register entry (id, severity, message template, params). Checkers yield Findings.
Checker = Callable[[RuleContext, Any], Iterator[Finding]]
CHECKERS: dict[str, Checker] = {}


def checker(name: str) -> Callable[[Checker], Checker]:
    """Register a checker function under the name the register uses."""

    def deco(fn: Checker) -> Checker:
        if name in CHECKERS:
            raise ValueError(f"checker {name!r} registered twice")
        CHECKERS[name] = fn
        return fn

    return deco

"""What the narrative checkers share: the text fields, table figures by claim kind, and finding construction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from xlpy.cell import Cell
from xlpy.model import Finding
from xlpy.narrative import cases as cs
from xlpy.narrative import claims as cl
from xlpy.narrative import documents as dc
from xlpy.narrative import grammar, kinds, lexicon
from xlpy.narrative.grammar import Claim
from xlpy.narrative.kinds import Quantity
from xlpy.rules.context import RuleContext
from xlpy.rules.expr import fmt  # a number as a clerk writes it (also for narrative.py)
from xlpy.schema_check import section_of

_section = lru_cache(maxsize=64)(section_of)  # the same few paths in every report


@dataclass(frozen=True, slots=True)
class TextField:
    """One free-text slot of the report."""

    path: str  # "text.overview.parts.2.body"
    text: str
    section: str  # 一 … 六, for grouping findings


def text_fields(ctx: RuleContext, *, titles: bool = True) -> tuple[TextField, ...]:
    """Every text field with content, in report order (computed once per report)."""
    return ctx.memoized(("text_fields", titles), lambda: _text_fields(ctx, titles))  # type: ignore[no-any-return]


def _text_fields(ctx: RuleContext, titles: bool) -> tuple[TextField, ...]:
    text = ctx.value("text")
    if not isinstance(text, dict):
        return ()
    # The same fields and paths as ctx.value("text.…") each, read from the one dict.
    overview: dict[str, Any] = text["overview"] if isinstance(text.get("overview"), dict) else {}
    parts = overview["parts"] if isinstance(overview.get("parts"), list) else []
    keys = ("title", "body") if titles else ("body",)
    slots = [("text.preamble", text.get("preamble")), ("text.overview.lead", overview.get("lead"))]
    slots += [
        (f"text.overview.parts.{i}.{k}", p.get(k)) for i, p in enumerate(parts) if isinstance(p, dict) for k in keys
    ]
    slots += [(f"text.{key}", text.get(key)) for key in ("s2_lead", "s3_lead", "s4_lead", "problems", "other")]
    return tuple(TextField(p, v, _section(p)) for p, v in slots if isinstance(v, str) and v.strip())


def report_year(ctx: RuleContext) -> int | None:
    year = ctx.value("meta.year")
    return year if type(year) is int else None


def table_value(ctx: RuleContext, paths: tuple[str, ...]) -> int | None:
    """The sum of the cells, or None when any is blank or not an integer (the schema check reports those)."""
    # Every claim of a kind reads the same cells: look them up once per report.
    return ctx.memoized(("table_value", paths), lambda: _sum([ctx.value(p) for p in paths]))  # type: ignore[no-any-return]


def _sum(values: list[Any]) -> int | None:
    return sum(values) if all(type(v) is int for v in values) else None


_CASE_HINT = lexicon.pattern("case_hints")


def case_fields(ctx: RuleContext) -> tuple[TextField, ...]:
    """The fields that may state a 表四 figure: skipping those naming no case hint saves most of N-5/N-6's time."""
    return ctx.memoized("case_fields", lambda: tuple(f for f in text_fields(ctx) if _CASE_HINT.search(f.text)))  # type: ignore[no-any-return]


def report_claims(ctx: RuleContext) -> tuple[tuple[TextField, Claim], ...]:
    """Every claim of the report's text about 表三, 表四 and 表二, read once per report and shared by all rules."""

    def read() -> tuple[tuple[TextField, Claim], ...]:
        year = report_year(ctx)
        cased = {f.path for f in case_fields(ctx)}
        out: list[tuple[TextField, Claim]] = []
        for field in text_fields(ctx):
            found = [*cl.s3_claims(field.text, year, field.path == "text.s3_lead")]
            if field.path in cased:
                found += cs.case_claims(field.text, year, field.path == "text.s4_lead")
            found += dc.document_claims(field.text, year)
            out += ((field, c) for c in found)
        return tuple(out)

    return ctx.memoized("claims", read)  # type: ignore[no-any-return]


def compare(ctx: RuleContext, rule: Any, skip: Callable[[RuleContext, Claim], bool] | None = None) -> Iterator[Finding]:
    """The one claim checker: every claim of the rule's kinds (claims.json "rules") against the figures it may
    mean — its kind's, its candidates' and those its words make plausible; the first is the one cited."""
    for field, claim in report_claims(ctx):
        if not kinds.checked_by(rule.id, claim.kind) or (skip is not None and skip(ctx, claim)):
            continue
        found = kinds.figures(ctx.version, claim.kind, claim.also)
        if found and (f := mismatch(ctx, rule, field, claim, list(found))):
            yield f


def cells_text(ctx: RuleContext, paths: tuple[str, ...]) -> str:
    """The cells for a message: "表三!J7", "表三!J11、表三!J12" or "表三!J11…J18"; empty for JSON input."""
    cells = [c for c in (ctx.cell(p) for p in paths) if c]
    if len(cells) <= 3:
        return "、".join(cells)
    first, last = Cell.parse(cells[0]), Cell.parse(cells[-1])
    same_sheet = first is not None and last is not None and first.sheet == last.sheet
    return f"{cells[0]}…{last.coordinate}" if same_sheet and last is not None else f"{cells[0]}…{cells[-1]}"


def located(ctx: RuleContext, paths: tuple[str, ...]) -> str:
    """ "（表三!J7）" or "" when there are no cells."""
    where = cells_text(ctx, paths)
    return f"（{where}）" if where else ""


def exact(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value


def finding(
    ctx: RuleContext, rule: Any, field: TextField, message: str, table_paths: tuple[str, ...] = (), **figures: Any
) -> Finding:
    """A finding located first at the text cell, then at the table cells it disagrees with; figures are the
    Finding's lhs, rhs and diff."""
    paths = [field.path, *table_paths]
    cells = [c for c in (ctx.cell(p) for p in paths) if c]
    return Finding(rule.id, rule.severity, message, cells, paths, section=field.section, **figures)


def blank_reason(ctx: RuleContext, rule: Any, fragment: str, q: Quantity) -> str:
    """Why a statement could not be checked: the figure it speaks of has a blank (or non-numeric) cell (the
    register's "blank" template, shared by the rules of narrative.yaml)."""
    blank = [p for p in q.paths if type(ctx.value(p)) is not int]
    where = cells_text(ctx, tuple(blank)) or "、".join(blank)
    return str(rule.messages["blank"].format(fragment=fragment, label=q.label, cells=where))


def mismatch(ctx: RuleContext, rule: Any, field: TextField, claim: Claim, candidates: list[Quantity]) -> Finding | None:
    """A finding when the stated number equals none of the candidate figures (the first one is cited)."""
    values = [(q, table_value(ctx, q.paths)) for q in candidates]
    q, v = values[0]
    if any(other is not None and Decimal(other) == claim.value for _, other in values):
        return None  # a known figure the claim may mean agrees: decided even if another is blank
    if v is None:
        ctx.cannot_decide(rule.id, blank_reason(ctx, rule, claim.fragment, q))
        return None  # the blank cell itself is the schema check's finding
    stated = exact(claim.value)
    message = rule.message.format(
        fragment=claim.fragment,
        value=fmt(claim.value),
        unit=claim.number.unit or "",
        label=q.label,
        table=v,
        cells=located(ctx, q.paths) or " ",
        diff=fmt(claim.value - v),
    )
    return finding(ctx, rule, field, message, q.paths, lhs=stated, rhs=v, diff=stated - v)


def zero_figures(ctx: RuleContext, rule: Any, fragment: str, quantities: list[Quantity]) -> list[tuple[Quantity, int]]:
    """The known figures of quantities a statement says are 0 ("未收到申请", "均获维持") when any of them holds
    more — the statement is wrong whatever the blank ones hold; else [], not assessable when some cell is blank."""
    found = [(q, table_value(ctx, q.paths)) for q in quantities]
    known = [(q, v) for q, v in found if v is not None]
    if any(v for _, v in known):
        return known
    if blank := next((q for q, v in found if v is None), None):
        ctx.cannot_decide(rule.id, blank_reason(ctx, rule, fragment, blank))
    return []


def zero_statements(
    ctx: RuleContext,
    rule: Any,
    name: str,
    fields: Iterable[TextField] | None = None,
    lead: str | None = None,
    message: str | None = None,
) -> Iterator[Finding]:
    """Every statement of claims.json "statements" (name) in the text fields (all, titles too, by default) against
    the figures it says are 0: a finding for each that holds more. No text is read when they all are 0; the
    lead field (e.g. text.s4_lead) is on the statement's topic throughout."""
    if all(table_value(ctx, q.paths) == 0 for q in quantities_of(ctx, grammar.zeros(name))):
        return  # nothing to contradict
    year = report_year(ctx)
    for field in text_fields(ctx) if fields is None else fields:
        for st in grammar.statements(name, field.text, year, field.path == lead):
            for q, v in zero_figures(ctx, rule, st.fragment, quantities_of(ctx, grammar.zeros(name, st.words))):
                if v:
                    where = located(ctx, q.paths)
                    text = (message or rule.message).format(fragment=st.fragment, label=q.label, value=v, cells=where)
                    yield finding(ctx, rule, field, text, q.paths, lhs=0, rhs=v, diff=-v)


def quantities_of(ctx: RuleContext, claimed: tuple[str, ...]) -> list[Quantity]:
    """The table figures of these claim kinds in the report's format version."""
    return [q for k in claimed if (q := kinds.quantity(ctx.version, k)) is not None]

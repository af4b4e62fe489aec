"""The register's tiny arithmetic language: parse, expand over the schema, linearise, evaluate — never eval()."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

Number = int | Decimal
OPS = ("==", "<=", ">=")


class ExprError(ValueError):
    """An expression of the register cannot be parsed or refers to something that does not exist."""


# ---------------------------------------------------------------- values


def number(value: Any) -> Number | None:
    """A cell value as an exact number: int stays int, float becomes Decimal(str(x)); anything else None.

    None means "not evaluable": blank cells, text such as "三" or "12件", booleans. The schema check
    reports those (R-S3-4 …); an arithmetic rule touching one is skipped, so one blank cell does not
    produce a cascade of 勾稽 findings.
    """
    t = type(value)
    if t is int:
        return value  # type: ignore[no-any-return]
    if t is float:
        if not math.isfinite(value):
            return None
        return Decimal(str(value))
    if t is Decimal:
        return value if value.is_finite() else None
    return None


def fmt(value: Number | None) -> str:
    """A number as a clerk writes it: 15, 96171.6, -3 (no exponent, no grouping)."""
    if value is None:
        return "（空）"
    if isinstance(value, Decimal):
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text or "0"
    return str(value)


# ---------------------------------------------------------------- syntax tree


@dataclass(frozen=True, slots=True)
class Num:
    value: Number


@dataclass(frozen=True, slots=True)
class Path:
    segments: tuple[str, ...]  # may contain "*" wildcards
    last: bool  # `last.` prefix: last year's report

    @property
    def dotted(self) -> str:
        return ".".join(self.segments)


@dataclass(frozen=True, slots=True)
class Group:
    """A parenthesised or `sum(...)` sub-expression: a side in its own right."""

    side: Side


@dataclass(frozen=True, slots=True)
class Term:
    sign: int  # +1 | -1
    node: Num | Path | Group
    label: str | None  # the Chinese short label written as [本年新收]


Side = tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    lhs: Side
    op: str
    rhs: Side


_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<op>==|<=|>=)|(?P<path>(?:[A-Za-z_][A-Za-z0-9_]*|\*)(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|\d+|\*))*)"
    r"|(?P<label>\[[^\[\]]+\])|(?P<punct>[-+()]))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExprError(f"表达式第 {pos + 1} 个字符无法识别：{text[pos : pos + 12]!r}（{text}）")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise ExprError(f"表达式不完整：{self.text}")
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        tok = self.take()
        if tok[1] != value:
            raise ExprError(f"表达式此处应为 {value!r}，实为 {tok[1]!r}：{self.text}")

    def side(self) -> Side:
        terms = [self.term(+1)]
        while (tok := self.peek()) is not None and tok[1] in "+-" and tok[0] == "punct":
            self.take()
            terms.append(self.term(+1 if tok[1] == "+" else -1))
        return tuple(terms)

    def term(self, sign: int) -> Term:
        tok = self.peek()
        if tok is not None and tok == ("punct", "-"):
            self.take()
            sign = -sign
        node = self.atom()
        label = None
        tok = self.peek()
        if tok is not None and tok[0] == "label":
            label = self.take()[1][1:-1].strip()
        return Term(sign, node, label)

    def atom(self) -> Num | Path | Group:
        kind, value = self.take()
        if kind == "num":
            return Num(Decimal(value) if "." in value else int(value))
        if kind == "punct" and value == "(":
            side = self.side()
            self.expect(")")
            return Group(side)
        if kind == "path":
            if value == "sum":
                self.expect("(")
                side = self.side()
                self.expect(")")
                return Group(side)
            segments = tuple(value.split("."))
            last = segments[0] == "last"
            if last:
                segments = segments[1:]
                if not segments:
                    raise ExprError(f"“last.”之后缺少字段路径：{self.text}")
            return Path(segments, last)
        raise ExprError(f"表达式此处不应出现 {value!r}：{self.text}")


def parse(text: str) -> Comparison:
    """Parse `side OP side` (OP one of ==, <=, >=) into a syntax tree."""
    p = _Parser(text)
    lhs = p.side()
    tok = p.peek()
    if tok is None or tok[0] != "op":
        raise ExprError(f"表达式缺少比较运算符（==、<=、>=）：{text}")
    op = p.take()[1]
    rhs = p.side()
    if p.peek() is not None:
        raise ExprError(f"表达式结尾有多余内容 {p.peek()[1]!r}：{text}")  # type: ignore[index]
    return Comparison(lhs, op, rhs)


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def substitute(text: str, binding: dict[str, str]) -> str:
    """Replace {var} placeholders (from a rule's for_each) by their values."""

    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in binding:
            raise ExprError(f"表达式中的占位符 {{{name}}} 未在 for_each 中定义：{text}")
        return binding[name]

    return _PLACEHOLDER.sub(repl, text)


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


# ---------------------------------------------------------------- linear form

Ref = tuple[int, str, bool]  # (coefficient ±1, concrete dotted path, last year?)


@dataclass(frozen=True, slots=True)
class LinearTerm:
    """One top-level term of a side, flattened: sign × (const + Σ coef·value(path))."""

    sign: int
    label: str
    const: Number
    refs: tuple[Ref, ...]

    def value(self, get: Callable[[str, bool], Number | None]) -> Number | None:
        total: Number = self.const
        for coef, path, last in self.refs:
            v = get(path, last)
            if v is None:
                return None
            total = total + v if coef > 0 else total - v
        return total


@dataclass(frozen=True, slots=True)
class Linear:
    """A compiled comparison: each side a tuple of linear terms."""

    lhs: tuple[LinearTerm, ...]
    op: str
    rhs: tuple[LinearTerm, ...]

    def refs(self) -> list[Ref]:
        return [r for t in self.lhs + self.rhs for r in t.refs]

    def evaluate(self, get: Callable[[str, bool], Any]) -> Outcome | None:
        """Evaluate with a value getter; None when any referenced value is not a number."""

        def num(path: str, last: bool) -> Number | None:
            return number(get(path, last))

        lhs_vals = [t.value(num) for t in self.lhs]
        rhs_vals = [t.value(num) for t in self.rhs]
        if any(v is None for v in lhs_vals) or any(v is None for v in rhs_vals):
            return None
        lhs = _signed_sum(self.lhs, lhs_vals)  # type: ignore[arg-type]
        rhs = _signed_sum(self.rhs, rhs_vals)  # type: ignore[arg-type]
        return Outcome(lhs, rhs, compare(lhs, self.op, rhs), tuple(lhs_vals), tuple(rhs_vals))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Outcome:
    lhs: Number
    rhs: Number
    ok: bool
    lhs_terms: tuple[Number, ...]
    rhs_terms: tuple[Number, ...]

    @property
    def diff(self) -> Number:
        return self.lhs - self.rhs


def _signed_sum(terms: Iterable[LinearTerm], values: Iterable[Number]) -> Number:
    total: Number = 0
    for t, v in zip(terms, values, strict=False):
        total = total + v if t.sign > 0 else total - v
    return total


def compare(lhs: Number, op: str, rhs: Number) -> bool:
    if op == "==":
        return lhs == rhs
    if op == "<=":
        return lhs <= rhs
    return lhs >= rhs


def terms_text(terms: Iterable[LinearTerm], values: Iterable[Number]) -> str:
    """Each term with its label and value, signs between: 本年新收 15 + 上年结转 5."""
    out = []
    for i, (t, v) in enumerate(zip(terms, values, strict=False)):
        piece = f"{t.label} {fmt(v)}"
        if i == 0:
            out.append(piece if t.sign > 0 else f"- {piece}")
        else:
            out.append(f"{'+' if t.sign > 0 else '-'} {piece}")
    return " ".join(out)


Resolver = Callable[[Path], list[str]]  # a path (maybe with wildcards) -> concrete leaf paths
Labeller = Callable[[Term, list[Ref]], str]  # default label of an unlabelled term


def linearize(cmp: Comparison, resolve: Resolver, default_label: Labeller) -> Linear:
    """Flatten both sides into linear terms, expanding wildcards through `resolve`."""

    def flatten(side: Side, sign: int, refs: list[Ref]) -> Number:
        const: Number = 0
        for term in side:
            s = sign * term.sign
            node = term.node
            if isinstance(node, Num):
                const = const + node.value if s > 0 else const - node.value
            elif isinstance(node, Path):
                for concrete in resolve(node):
                    refs.append((s, concrete, node.last))
            else:
                inner = flatten(node.side, s, refs)
                const = const + inner
        return const

    def side(terms: Side) -> tuple[LinearTerm, ...]:
        out = []
        for term in terms:
            refs: list[Ref] = []
            const = flatten((Term(+1, term.node, None),), +1, refs)
            label = term.label or default_label(term, refs)
            out.append(LinearTerm(term.sign, label, const, tuple(refs)))
        return tuple(out)

    return Linear(side(cmp.lhs), cmp.op, side(cmp.rhs))


def parse_number(text: str) -> Number:
    """A literal number of a config or case file (int or Decimal)."""
    try:
        return int(text)
    except ValueError:
        try:
            return Decimal(text)
        except InvalidOperation as exc:
            raise ExprError(f"不是数字：{text}") from exc

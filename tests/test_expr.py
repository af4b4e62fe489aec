"""The register's expression language: parsing, linearising, exact evaluation (Decimal money), errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from xlpy.rules import expr as ex


def _resolver(fields: dict[str, Any]):  # type: ignore[no-untyped-def]
    def resolve(node: ex.Path) -> list[str]:
        hits = [
            p
            for p in fields
            if len(p.split(".")) == len(node.segments)
            and all(a in ("*", b) for a, b in zip(node.segments, p.split("."), strict=False))
        ]
        if not hits:
            raise ex.ExprError(f"unknown {node.dotted}")
        return hits

    return resolve


def _compile(text: str, fields: dict[str, Any]) -> ex.Linear:
    return ex.linearize(ex.parse(text), _resolver(fields), lambda term, refs: "合计")


def _eval(text: str, this: dict[str, Any], last: dict[str, Any] | None = None) -> ex.Outcome | None:
    lin = _compile(text, {**this, **(last or {})})
    return lin.evaluate(lambda p, is_last: (last if is_last else this).get(p))


def test_parse_labels_signs_and_groups() -> None:
    cmp = ex.parse("a.b[甲] + sum(c.*)[乙] - (d - 2) <= 3")
    assert cmp.op == "<="
    assert [t.label for t in cmp.lhs] == ["甲", "乙", None]
    assert [t.sign for t in cmp.lhs] == [1, 1, -1]
    assert cmp.lhs[0].node == ex.Path(("a", "b"), False)
    assert isinstance(cmp.lhs[1].node, ex.Group)
    assert cmp.rhs[0].node == ex.Num(3)


def test_last_prefix() -> None:
    cmp = ex.parse("s3.carried_over.total == last.s3.carried_forward.total")
    assert cmp.rhs[0].node == ex.Path(("s3", "carried_forward", "total"), True)


def test_nested_minus_flattens_correctly() -> None:
    # a - (b - c) == a - b + c
    out = _eval("x == a - (b - c)", {"x": 6, "a": 10, "b": 5, "c": 1})
    assert out is not None and out.ok and out.rhs == 6


def test_wildcards_expand_and_sum() -> None:
    fields = {"r.a.t": 1, "r.b.t": 2, "r.c.t": 3, "total": 6}
    lin = _compile("total == sum(r.*.t)[小计]", fields)
    assert [p for _, p, _ in lin.rhs[0].refs] == ["r.a.t", "r.b.t", "r.c.t"]
    out = lin.evaluate(lambda p, _: fields[p])
    assert out is not None and out.ok and out.rhs_terms == (6,)


def test_decimal_money_is_exact() -> None:
    out = _eval("c == a + b", {"a": 0.1, "b": 0.2, "c": 0.3})
    assert out is not None and out.ok and out.lhs == Decimal("0.3")
    assert 0.1 + 0.2 != 0.3  # the float trap the Decimal conversion avoids


def test_decimal_literals_and_mixed_int() -> None:
    out = _eval("a == 96171.6 + 1", {"a": 96172.6})
    assert out is not None and out.ok


def test_huge_counts_exact() -> None:
    big = 10**15 + 1
    out = _eval("a + b == c", {"a": big, "b": 1, "c": big + 1})
    assert out is not None and out.ok
    out = _eval("a + b == c", {"a": big, "b": 1, "c": big})
    assert out is not None and not out.ok and out.diff == 1


@pytest.mark.parametrize("bad", [None, "", "12件", "三", "/", True, float("nan"), [], {}])
def test_not_a_number_is_not_evaluable(bad: Any) -> None:
    assert _eval("a == b", {"a": bad, "b": 0}) is None


def test_blank_differs_from_zero() -> None:
    assert _eval("a == b", {"a": 0, "b": 0}) is not None
    assert _eval("a == b", {"a": None, "b": 0}) is None


def test_negative_values_evaluate() -> None:
    out = _eval("a + b == 0", {"a": -3, "b": 3})
    assert out is not None and out.ok


@pytest.mark.parametrize(("op", "ok"), [("==", False), ("<=", True), (">=", False)])
def test_comparisons(op: str, ok: bool) -> None:
    out = _eval(f"a {op} b", {"a": 1, "b": 2})
    assert out is not None and out.ok is ok


def test_terms_text_and_fmt() -> None:
    lin = _compile("t == a[本年新收] + b[上年结转] - c[废止]", {"t": 0, "a": 0, "b": 0, "c": 0})
    assert ex.terms_text(lin.rhs, (15, 5, 2)) == "本年新收 15 + 上年结转 5 - 废止 2"
    assert ex.fmt(Decimal("96171.60")) == "96171.6"
    assert ex.fmt(Decimal("3.0")) == "3"
    assert ex.fmt(-3) == "-3"
    assert ex.fmt(None) == "（空）"


def test_number_conversion() -> None:
    assert ex.number(3) == 3 and type(ex.number(3)) is int
    assert ex.number(0.1) == Decimal("0.1")
    assert ex.number(Decimal("2.5")) == Decimal("2.5")
    assert ex.number(False) is None
    assert ex.number(float("inf")) is None


def test_substitute_and_placeholders() -> None:
    assert ex.substitute("s3.{row}.{col}", {"row": "results.total", "col": "total"}) == "s3.results.total.total"
    assert ex.placeholders("s3.{row}.{col} == 0") == {"row", "col"}
    with pytest.raises(ex.ExprError, match="占位符"):
        ex.substitute("s3.{row}", {})


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("a + b", "比较运算符"),
        ("a == b == c", "多余"),
        ("a == (b + c", "不完整|应为"),
        ("a == b )", "多余"),
        ("a == b ; c", "无法识别"),
        ("a == last.", "无法识别|缺少"),
        ("== a", "不应出现"),
        ("a = b", "无法识别|缺少"),
    ],
)
def test_syntax_errors(text: str, match: str) -> None:
    with pytest.raises(ex.ExprError, match=match):
        ex.parse(text)


def test_no_eval_of_python() -> None:
    with pytest.raises(ex.ExprError):
        ex.parse("__import__('os').system('true') == 0")


def test_unknown_path_is_reported() -> None:
    with pytest.raises(ex.ExprError, match="unknown"):
        _compile("a == nope", {"a": 1})


def test_parse_number() -> None:
    assert ex.parse_number("12") == 12
    assert ex.parse_number("0.5") == Decimal("0.5")
    with pytest.raises(ex.ExprError):
        ex.parse_number("12件")

"""The one Jinja environment: loader chain (deployment override, built-ins, `default:`), filters, escaping."""

from __future__ import annotations

import datetime as _dt
import weakref
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from xlpy.errors import RenderError
from xlpy.resources import templates_dir as builtin_templates_dir

CN_DIGITS = "零一二三四五六七八九"


def fmt_number(value: Any) -> str:
    """A table figure as printed: integers plain, money without float noise, blank (draft only) empty."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):  # a bool is an int to Python, never a figure here
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        # str() of a float is its shortest repr (96171.6, not 96171.600000000006).
        d = Decimal(str(value))
        if d == d.to_integral_value():
            return str(d.quantize(Decimal(1)))
        # A sum computed in Excel can carry binary noise (0.30000000000000004); six decimals is
        # finer than any amount a report states (万元 to four places: 72701.2578).
        return format(d.quantize(Decimal("0.000001")).normalize(), "f")
    return str(value)


def fmt_date(value: Any) -> str:
    """ISO date -> `2021年1月21日` (no zero padding, as GB/T 9704 writes 成文日期)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = _dt.date.fromisoformat(value)
        except ValueError:
            return value  # a draft may carry an unparsable date; print it as typed
    return f"{value.year}年{value.month}月{value.day}日"


def cn_numeral(n: int) -> str:
    """1..99 in Chinese numerals (一 … 十一 … 九十九), for the （一）（二） sub-headings."""
    if n <= 0 or n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    head = "" if tens == 1 else CN_DIGITS[tens]
    return head + "十" + (CN_DIGITS[ones] if ones else "")


FILTERS = {"num": fmt_number, "cn_date": fmt_date, "cn_numeral": cn_numeral}

# Autoescape for every HTML/XML target (HTML page, WordprocessingML body); Markdown and plain
# sentence templates are text. docxtpl's autoescape=False once truncated `A&B <公开>` to `A `.
_ESCAPED = ("html", "htm", "xml", "html.j2", "xml.j2")


def _autoescape(name: str | None) -> bool:
    return bool(name) and any(str(name).endswith("." + ext) for ext in _ESCAPED)


@lru_cache(maxsize=8)
def _environment(override: str | None) -> jinja2.Environment:
    builtin = jinja2.FileSystemLoader(str(builtin_templates_dir()), encoding="utf-8")
    loaders: list[jinja2.BaseLoader] = []
    if override is not None:
        loaders.append(jinja2.FileSystemLoader(override, encoding="utf-8"))
    loaders.append(builtin)
    # `{% extends "default:report/common/report.md.j2" %}` lets an override extend the built-in
    # it replaces (datasette's pattern) without copying it.
    loaders.append(jinja2.PrefixLoader({"default": builtin}, delimiter=":"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,  # a statutory report must never print a silent blank
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # compiled once per process; no stat() per render
        cache_size=-1,
    )
    env.filters.update(FILTERS)
    from xlpy.render import typeset

    # The DOCX grid for _docx.xml.j2: one body character and one line in twips, the 3号 condensing.
    condense, line = typeset.grid()
    env.globals["docx_grid"] = {"char": typeset.char_pitch_twips(), "line": line, "condense": condense}
    return env


def environment(templates_dir: str | Path | None = None) -> jinja2.Environment:
    """The shared environment for a deployment override directory (or the built-ins only)."""
    if templates_dir is not None:
        path = Path(templates_dir)
        if not path.is_dir():
            raise RenderError(f"模板目录不存在：{path}")
        return _environment(str(path.resolve()))
    return _environment(None)


# Per environment (weakly held, so an evicted environment's choices go with it).
_SELECTED: weakref.WeakKeyDictionary[jinja2.Environment, dict[tuple[str, ...], jinja2.Template]] = (
    weakref.WeakKeyDictionary()
)


def select(env: jinja2.Environment, names: list[str]) -> jinja2.Template:
    """The most specific template that exists (deployment override first, then built-ins)."""
    # Remembered per environment: a miss costs a stat() and an exception on every render otherwise.
    chosen = _SELECTED.setdefault(env, {})
    key = tuple(names)
    found = chosen.get(key)
    if found is not None:
        return found
    try:
        found = env.select_template(names)
    except jinja2.TemplatesNotFound as exc:
        raise RenderError(f"找不到报告模板：{'、'.join(names)}") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"报告模板有语法错误：{exc.filename or exc.name} 第 {exc.lineno} 行：{exc.message}") from exc
    chosen[key] = found
    return found

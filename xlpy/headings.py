"""Heading numbers of the report's outline: 一、 （一） 1. — the one vocabulary of the readers and checkers."""

from __future__ import annotations

import re

NUMERALS = "一二三四五六七八九十"  # a heading's Chinese number (十一 is 十 + 一)
_CN = f"[{NUMERALS}]+"
TOP = f"{_CN}\\s*[、.．]"  # 一、 (a converter's 一. or 一． too)
SUB = f"[（(]{_CN}[）)]"  # （一）, full or half width
ITEM = r"\d+\s*[、.．]"  # 1. / 1、
# Any of the three at the start of a title, with the spacing after it.
ANY = re.compile(f"^\\s*(?:{TOP}|{SUB}|{ITEM})\\s*")

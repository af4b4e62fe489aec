"""Numbers as clerks write them: Arabic (3,119 / full-width), Chinese (十二, 一百零五, 两), units, approximation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from xlpy.narrative import lexicon

# Full-width digits and signs are mapped one character to one character, so offsets stay valid.
# NFKC is not used on purpose: it would also turn "，" into "," and "（" into "(".
_WIDTH = str.maketrans("０１２３４５６７８９％．\u3000\u00a0", "0123456789%.  ")

# Chinese numeral characters: each character of the n-th group is n (大写 numerals are the same digits; "两" stands
# alone only, see parse_chinese), 10ⁿ⁺¹ (十 百 千) or 10000ⁿ⁺¹ (万 亿). Language, not report vocabulary.
_DIGIT_GROUPS = ("零〇", "一壹", "二贰两", "三叁", "四肆", "五伍", "六陆", "七柒", "八捌", "九玖")
CN_DIGITS = {ch: n for n, chars in enumerate(_DIGIT_GROUPS) for ch in chars}
CN_SMALL = {ch: 10 ** (n + 1) for n, chars in enumerate(("十拾", "百佰", "千仟")) for ch in chars}
CN_BIG = {ch: 10_000 ** (n + 1) for n, chars in enumerate("万亿") for ch in chars}
_CN = "".join(CN_DIGITS) + "".join(CN_SMALL) + "".join(CN_BIG)

# Counting units of the reports, and the units of money and shares (longest first so "人次" is not read as "人").
COUNT_UNITS = frozenset(lexicon.words("count_units"))
UNITS = (*lexicon.words("measure_units"), *COUNT_UNITS)
_UNIT_RE = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_ABOUT, _ABOUT_AFTER_UNIT = lexicon.alternation("approximation_after"), lexicon.alternation("approximation_after_unit")

# A Chinese numeral counts only with a unit after it (or as "为零"): the lookahead leaves the words
# (一是, 进一步, 统一) to the regex engine instead of a Python loop.
# The leading lookahead lets the regex engine skip to a digit or numeral character quickly (5× faster on
# prose); "百" is tested before the look-behind for the same reason.
_NUMBER = re.compile(
    r"(?=[\d" + _CN + r"])(?:"
    r"百(?<![" + _CN + r"]百)分之(?P<pct>[" + _CN + r"]+|\d+(?:\.\d+)?)"
    r"|(?P<arabic>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<big>\s*[万亿](?!元))?"
    r"|(?P<cn>[" + _CN + r"]+)(?=\s*(?:" + _ABOUT + r")?\s*(?:" + _UNIT_RE + r"))"
    r"|(?<=[为是])(?P<zero>零)(?![" + _CN + r"])"
    r")"
)
_AFTER = re.compile(
    r"\s*(?P<post>" + _ABOUT + r")?\s*(?P<unit>" + _UNIT_RE + r")?(?P<post2>" + _ABOUT_AFTER_UNIT + r")?"
)
_YEAR_AFTER = re.compile(r"\s*年")
# Words before a number that make it approximate (“近3000件”, “约”, “超过”, “逾”).
_APPROX_BEFORE = lexicon.words("approximation_before")
# 上千件, 数百条, 几十件 — only before Chinese numerals.
_APPROX_BEFORE_CN = lexicon.words("approximation_before_chinese")
# Fixed expressions that contain a numeral and a unit but state no count.
_IDIOMS = lexicon.words("numeral_idioms")
# Matched from the character before the numeral: an ordinal ("第三件") and the idioms that begin before it.
_LEADS = ("第", *(i for i in _IDIOMS if i[0] not in _CN))


# Not frozen: a frozen dataclass's __init__ goes through object.__setattr__ per field, and thousands
# are built per report. Treat as immutable; unsafe_hash keeps it hashable like a frozen one.
@dataclass(slots=True, unsafe_hash=True)
class Number:
    """One number in a text: its value, unit and where it stands."""

    value: Decimal
    end: int  # offset after the unit (or the numeral when there is no unit)
    num_start: int  # offset of the numeral
    unit: str | None  # "件", "条", "%", …; None when no unit follows
    approx: bool  # "余/多/近/约/超过…": never compare as exact
    decimals: int  # digits after the decimal point as written (precision of a percentage)

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    @property
    def is_count(self) -> bool:
        return self.unit in COUNT_UNITS


_WIDE = re.compile("[０-９％．\u3000\u00a0]")


def normalise(text: str) -> str:
    """Full-width digits and signs to ASCII, same length (offsets into the original stay valid)."""
    # str.translate walks every character through a dict; most paragraphs have nothing to map.
    return text.translate(_WIDTH) if _WIDE.search(text) else text


def parse_chinese(s: str) -> int | None:
    """Value of a Chinese numeral (十二 → 12, 一百零五 → 105, 两 → 2, 二〇二〇 → 2020), None if malformed."""
    if not s:
        return None
    if all(ch in CN_DIGITS for ch in s):  # digit by digit, as in years ("两" only alone)
        return None if len(s) > 1 and "两" in s else int("".join(str(CN_DIGITS[ch]) for ch in s))
    total = section = 0
    digit: int | None = None
    last_small = 10**9
    for ch in s:
        if ch in CN_DIGITS:
            if digit:
                return None  # "三五" inside a unit-numeral
            digit = CN_DIGITS[ch]
        elif (mult := CN_SMALL.get(ch)) is not None:
            if mult >= last_small:
                return None  # "十百"
            section += (1 if digit is None else digit) * mult
            digit, last_small = None, mult
        elif section == 0 and not digit:
            return None  # "万" with no number before it
        else:
            total += (section + (digit or 0)) * CN_BIG[ch]
            section, digit, last_small = 0, None, 10**9
    return total + section + (digit or 0)


@lru_cache(maxsize=256)
def find_numbers(text: str) -> tuple[Number, ...]:
    """Every number stated in a text, in order. Chinese numerals only count with a unit (or as "为零"), which
    _NUMBER requires. Cached: a checker per rule reads the same paragraphs."""
    t = normalise(text)
    out: list[Number] = []
    for m in _NUMBER.finditer(t):
        start, end = m.start(), m.end()
        if (raw := m.group("pct")) is not None:
            if (value := _value(raw)) is not None:
                out.append(Number(value, end, start, "%", _approx_before(t, start, False), _decimals(raw)))
            continue
        is_cn = m.group("arabic") is None
        raw = m.group("cn") or m.group("zero") if is_cn else m.group("arabic").replace(",", "")
        if is_cn and (t.startswith(_IDIOMS, start) or t.startswith(_LEADS, max(0, start - 1))):
            continue  # an ordinal ("第三件"), or an idiom ("一件事")
        if not is_cn and start > 0 and t[start - 1].isascii() and t[start - 1].isalnum():
            continue  # part of a code such as "G20"
        if not is_cn and len(raw) == 4 and raw[:2] in ("19", "20") and not m.group("big") and _YEAR_AFTER.match(t, end):
            continue  # a year ("2023年"), not a count: it must not cut the words around it
        if (value := _value(raw)) is None:
            continue
        if m.group("big"):
            value *= CN_BIG[m.group("big").strip()]
        a = _AFTER.match(t, end)
        assert a is not None  # the pattern matches the empty string
        if a.group("unit") is not None or a.group("post"):
            end = a.end()
        approx = bool(a.group("post") or a.group("post2")) or _approx_before(t, start, is_cn)
        out.append(Number(value, end, start, a.group("unit"), approx, _decimals(raw)))
    return tuple(out)


def _decimals(raw: str) -> int:
    """Digits after the decimal point as written (0 for a Chinese numeral)."""
    return len(raw.partition(".")[2])


def _value(raw: str) -> Decimal | None:
    if raw[0].isdigit():
        return Decimal(raw)
    v = parse_chinese(raw)
    return None if v is None else Decimal(v)


def _approx_before(t: str, start: int, is_cn: bool) -> bool:
    before = t[max(0, start - 6) : start].rstrip()
    return before.endswith(_APPROX_BEFORE) or (is_cn and before.endswith(_APPROX_BEFORE_CN))

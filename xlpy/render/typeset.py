"""GB/T 9704 typesetting decisions shared by every format: title line breaks, signature block, grid pitch."""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from xlpy.resources import load_json

TWIPS_PER_MM = 1440 / 25.4


@cache
def spec() -> dict[str, Any]:
    """schemas/report-typeset.json: page, fonts, grid, title and signature rules."""
    return dict(load_json("report-typeset.json"))


def type_area_twips() -> tuple[int, int]:
    """Width and height of the 版心 in twips, as Word computes them from the page and margins."""
    page = spec()["page"]
    m = page["margins_mm"]

    def tw(mm: float) -> int:
        return round(mm * TWIPS_PER_MM)

    width = tw(page["width_mm"]) - tw(m["left"]) - tw(m["right"])
    height = tw(page["height_mm"]) - tw(m["top"]) - tw(m["bottom"])
    return width, height


def grid() -> tuple[int, int]:
    """(condense, w:linePitch): body runs condensed by `condense` twentieths of a point, 22 lines a page.

    28 × 16 pt is 448 pt and the type area 442.25 pt. Word's own answer, a linesAndChars grid with
    charSpace −842, was measured in LibreOffice 7.4 to give 14 characters a line (each 3号 character
    takes two grid cells), so the characters themselves are condensed instead: 16 − 0.25 pt = 15.75 pt,
    28 of them fill 441 pt — the same in Word, WPS and LibreOffice. Lines keep a "lines" grid.
    """
    s = spec()
    width, height = type_area_twips()
    body_pt = s["fonts"]["body"]["pt"]
    pitch_pt = width / 20 / s["grid"]["chars"]
    condense = math.ceil((body_pt - pitch_pt) * 20) if pitch_pt < body_pt else 0
    line_pitch = height // s["grid"]["lines"]
    return condense, line_pitch


def char_pitch_twips() -> float:
    """The advance of one condensed body character, in twips (indents in 字 are multiples of it)."""
    condense, _ = grid()
    return float(spec()["fonts"]["body"]["pt"] * 20 - condense)


def text_width(text: str) -> float:
    """Estimated width in characters of the body font.

    A CJK character or full-width sign is 1; an Arabic digit or Latin letter about 0.55 (Noto Serif
    CJK, 仿宋) plus the ¼ character Word and LibreOffice insert between Chinese and Latin (autoSpaceDN):
    「2025年3月20日」 is about 8 characters wide, measured 7.97 in the PDF.
    """
    width = 0.0
    prev_latin: bool | None = None
    for ch in text:
        latin = ord(ch) < 0x2E80
        width += 0.55 if latin else 1.0
        if prev_latin is not None and latin != prev_latin:
            width += 0.25
        prev_latin = latin
    return width


def title_chars() -> int:
    """How many 2号 characters one title line holds on the type area."""
    width, _ = type_area_twips()
    return int(width / 20 // spec()["fonts"]["title"]["pt"])


def _name_words(name: str) -> list[str]:
    """The agency name cut after each boundary word of the data file (longest word first)."""
    words = sorted(spec()["title"]["break_after"], key=len, reverse=True)
    whole = sorted(spec()["title"]["keep_whole"], key=len, reverse=True)
    out: list[str] = []
    start = i = 0
    while i < len(name):
        atom = next((w for w in whole if name.startswith(w, i)), None)
        if atom is not None:  # 市场, 城市 …: a boundary character inside a word is no boundary
            i += len(atom)
            if atom in words:
                out.append(name[start:i])
                start = i
            continue
        for w in words:
            if name.startswith(w, i):
                i += len(w)
                out.append(name[start:i])
                start = i
                break
        else:
            i += 1
    if start < len(name):
        out.append(name[start:])
    return out


def _pack(words: list[str], limit: int) -> list[str]:
    """Words into the fewest lines of at most `limit` characters, as even as possible (梯形/菱形)."""
    if text_width("".join(words)) <= limit or len(words) == 1:
        return ["".join(words)]
    best: list[str] | None = None
    best_key: tuple[float, ...] = ()
    # Few words (a name has at most a handful): try every cut set of the fewest lines.
    n = len(words)
    for lines in range(2, n + 1):
        for cuts in _cut_sets(n, lines):
            parts = ["".join(words[a:b]) for a, b in zip((0, *cuts), (*cuts, n), strict=True)]
            widths = [text_width(p) for p in parts]
            if max(widths) > limit:
                continue
            key = (max(widths) - min(widths), -widths[0])
            if best is None or key < best_key:
                best, best_key = parts, key
        if best is not None:
            return best
    return ["".join(words)]


def _cut_sets(n: int, lines: int) -> list[tuple[int, ...]]:
    from itertools import combinations

    return list(combinations(range(1, n), lines - 1))


def title_lines(title: str, org_name: str) -> list[str]:
    """The title's lines: the agency name (wrapped at its own words when long), then the year line."""
    limit = title_chars()
    if not org_name or not title.startswith(org_name) or title == org_name:
        return _pack(_name_words(title), limit)
    rest = title[len(org_name) :]
    return _pack(_name_words(org_name), limit) + [rest]


def signature(name: str, date: str, *, seal: bool) -> dict[str, Any]:
    """Where the 发文机关署名 and 成文日期 sit (§7.3.5): blank lines above, and per line an alignment
    ("left" or "right") with its indent in 字 from that side.

    Left indents are used where a first character must sit at a given place (the date two 字 right of
    the name): the name is all Chinese, so its width is exact, while a date's Arabic digits are as wide
    as the face makes them — only its end is uncertain, never its start.
    """
    s = spec()["signature"]
    line = spec()["grid"]["chars"]
    wn, wd = text_width(name), text_width(date)
    if seal:
        cfg = s["seal"]
        date_right = float(cfg["date_right_chars"])
        # 署名以成文日期为准居中: the name's centre over the date's (estimated) centre.
        name_at = ("right", date_right + (wd - wn) / 2)
        date_at = ("right", date_right)
    else:
        cfg = s["plain"]
        shift = float(cfg["date_shift_chars"])
        right = float(cfg["name_right_chars"])
        if wd <= wn:  # 署名右空二字, 成文日期首字比署名首字右移二字
            name_at = ("right", right)
            date_at = ("left", line - right - wn + shift)
        else:  # 成文日期长于署名: the date keeps the right space, the name's first character two to its left
            date_at = ("right", right)
            name_at = ("left", max(line - right - wd - shift, 0.0))
    return {
        "seal": seal,
        "name": name,
        "date": date,
        "blank_lines": int(cfg["blank_lines"]),
        "name_at": {"align": name_at[0], "indent": name_at[1]},
        "date_at": {"align": date_at[0], "indent": date_at[1]},
    }

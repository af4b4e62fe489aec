"""Splitting run-together digits into cells: every split the row's own sums allow, never a guess."""

from __future__ import annotations

import re
from collections.abc import Sequence

from xlpy import schema

MAX_CANDIDATES = 2000  # bounds the search on a pathological run of digits (a crawler's 200-digit line)
MAX_DIGITS = 15  # no printed cell has more digits than this (money with decimals included)
MAX_STEPS = 20_000  # search steps per row (the dev corpus needs under 2,000): beyond this a row is not splittable

_PIECE = {
    schema.COUNT: re.compile(r"0|[1-9]\d*"),
    schema.SIGNED: re.compile(r"-?(?:0|[1-9]\d*)"),
    schema.MONEY: re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?"),
}

Number = int | float


def value(piece: str, kind: str) -> Number | None:
    """A printed number of a cell of `kind`, or None when it is not one (3.5 in a count column)."""
    piece = piece.replace(",", "").replace("，", "")
    if len(piece) > MAX_DIGITS + 2:
        return None
    rx = _PIECE.get(kind)
    if rx is None or not rx.fullmatch(piece):
        if kind == schema.MONEY and re.fullmatch(r"\d+(?:\.\d+)?", piece):
            return float(piece) if "." in piece else int(piece)  # 0.50 or 05 in a money cell is still a number
        return None
    return float(piece) if "." in piece else int(piece)


Totals = dict[int, list[int]]  # cell index of a 总计 -> the indexes of the cells it adds up


def candidates(tokens: Sequence[str], kinds: Sequence[str], totals: Totals | None) -> list[list[Number]]:
    """Every way to cut the tokens into len(kinds) cells that are valid numbers and whose totals add up."""
    n = len(kinds)
    out: list[list[Number]] = []
    steps = 0
    # Characters left from token t on (suffix sums), for pruning: every cell needs 1 … MAX_DIGITS + 2 of them.
    left = [0] * (len(tokens) + 1)
    for t in range(len(tokens) - 1, -1, -1):
        left[t] = left[t + 1] + len(tokens[t])
    pieces: dict[tuple[int, int, str], list[tuple[int, Number]]] = {}

    def cuts(t: int, pos: int, kind: str) -> list[tuple[int, Number]]:
        key = (t, pos, kind)
        if key not in pieces:
            token = tokens[t]
            found = []
            for end in range(pos + 1, min(len(token), pos + MAX_DIGITS + 2) + 1):
                v = value(token[pos:end], kind)
                if v is not None:
                    found.append((end, v))
            pieces[key] = found
        return pieces[key]

    def walk(t: int, pos: int, acc: list[Number]) -> None:
        nonlocal steps
        steps += 1
        if len(out) > MAX_CANDIDATES or steps > MAX_STEPS:
            return
        if t < len(tokens) and pos == len(tokens[t]):
            t, pos = t + 1, 0
        if t == len(tokens):
            if len(acc) == n:
                out.append(list(acc))
            return
        cells_left = n - len(acc)
        chars_left = left[t] - pos
        if not (len(tokens) - t <= cells_left <= chars_left <= cells_left * (MAX_DIGITS + 2)):
            return
        parts = totals.get(len(acc)) if totals else None
        want = sum(acc[j] for j in parts) if parts is not None else None
        for end, v in cuts(t, pos, kinds[len(acc)]):
            if want is not None and v != want:
                continue  # a 总计 that is not the sum of its parts: no need to look further
            acc.append(v)
            walk(t, end, acc)
            acc.pop()

    walk(0, 0, [])
    return out


def total_check(keys: Sequence[str]) -> Totals | None:
    """The row's own sums: where a row has a 总计 leaf, the cells before it add up to it (per group of five in 表四)."""
    groups: Totals = {}
    start = 0
    for i, key in enumerate(keys):
        if key == "total":
            groups[i] = list(range(start, i))
            start = i + 1
    return groups or None

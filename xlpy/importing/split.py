"""Splitting run-together digits into cells: every split the row's own sums allow, never a guess."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache

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


def candidates(
    tokens: Sequence[str], kinds: Sequence[str], check: Callable[[list[Number]], bool] | None
) -> list[list[Number]]:
    """Every way to cut the tokens into len(kinds) cells that are valid numbers and pass `check`."""
    n = len(kinds)
    out: list[list[Number]] = []
    steps = [0]

    @cache
    def ways(t: int, pos: int, cell: int) -> bool:
        """Whether tokens[t][pos:] + the rest can fill cells cell…n (prunes hopeless branches)."""
        remaining_chars = len(tokens[t]) - pos + sum(len(x) for x in tokens[t + 1 :]) if t < len(tokens) else 0
        remaining_tokens = len(tokens) - t - (1 if t < len(tokens) and pos == len(tokens[t]) else 0)
        return remaining_tokens <= n - cell <= remaining_chars and remaining_chars <= (n - cell) * (MAX_DIGITS + 2)

    def walk(t: int, pos: int, acc: list[Number]) -> None:
        steps[0] += 1
        if len(out) > MAX_CANDIDATES or steps[0] > MAX_STEPS:
            return
        if t == len(tokens):
            if len(acc) == n and (check is None or check(acc)):
                out.append(list(acc))
            return
        token = tokens[t]
        if pos == len(token):
            walk(t + 1, 0, acc)
            return
        if len(acc) == n or not ways(t, pos, len(acc)):
            return
        kind = kinds[len(acc)]
        for end in range(pos + 1, len(token) + 1):
            v = value(token[pos:end], kind)
            if v is None:
                continue
            acc.append(v)
            walk(t, end, acc)
            acc.pop()

    walk(0, 0, [])
    return out


def total_check(keys: Sequence[str]) -> Callable[[list[Number]], bool] | None:
    """The row's own sum: where a row has a 总计 leaf, the others add up to it (per group of five in 表四)."""
    groups: list[tuple[list[int], int]] = []
    start = 0
    for i, key in enumerate(keys):
        if key == "total":
            groups.append((list(range(start, i)), i))
            start = i + 1
    if not groups:
        return None

    def check(values: list[Number]) -> bool:
        return all(sum(values[j] for j in parts) == values[t] for parts, t in groups)

    return check

"""Finding one printed table row: its label in a cell or a paragraph, and the figures after it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from xlpy.importing import labels as lab
from xlpy.importing.split import Number, candidates, value

if TYPE_CHECKING:
    from xlpy.importing.document import Block
    from xlpy.importing.sections import Line


_TOKEN = re.compile(r"-?\d+(?:\.\d+)?")

_FIGURE = re.compile(r"[-\d.\s]+")  # a cell of figures only (no row label)

_LEADING_NUMBERS = re.compile(r"^[\s:：]*((?:-?\d+(?:\.\d+)?[ \t\u3000\xa0]*)+)")


@dataclass(slots=True)
class RowFound:
    where: str
    text: str
    options: list[list[Number]] = field(default_factory=list)  # candidate values (one: read or split)
    direct: bool = False  # every cell printed on its own (no split)
    blanks: list[bool] = field(default_factory=list)
    label: str = ""  # the label as printed, when it is a variant of the official one
    block: int = 0  # id() of the table row it was read from (0: a paragraph)
    note: str = ""  # how it was placed, when not by its own label (orphans.py)


def label_cells(section_lines: list[Line]) -> list[tuple[Block, int, str]]:
    """(table row, cell index, text) of every cell that may be a row label: figures, most cells, are not."""
    out = []
    for ln in section_lines:
        b = ln.block
        if b.cells is None:
            continue
        for j, cell in enumerate(b.cells):
            text = cell.text.strip()
            if text and not _FIGURE.fullmatch(text):
                out.append((b, j, text))
    return out


def labelled_row(
    section_lines: list[Line],
    spec: lab.RowSpec,
    kinds: list[str],
    check: Any,
    version: str,
    specs: tuple[lab.RowSpec, ...],
    cells: list[tuple[Block, int, str]] | None = None,
) -> RowFound | None:
    """The first place the row's label is printed with figures after it (a table row, or run-together text).

    `cells`: label_cells(section_lines), when the caller looks for several rows in the same lines.
    """
    first_seen: RowFound | None = None
    cell_rx = lab.cell_regex(version, spec.path)
    # Table rows first: a sentence before the table ("其中予以公开1362件") names rows too.
    for b, j, text in cells if cells is not None else label_cells(section_lines):
        if not cell_rx.fullmatch(text):
            continue
        assert b.cells is not None
        data = b.cells[j + 1 :]
        got = from_cells([c.text for c in data], kinds, check)
        row = RowFound(f"{b.where}", " | ".join(c.text for c in data), *got, block=id(b))
        official = re.sub(r"\s", "", lab.strip_ordinal(spec.labels[0]))
        if official not in re.sub(r"\s", "", text):
            row.label = text
        if row.options or any(c.text.strip() for c in data):
            return row
        first_seen = first_seen or row
    for ln in section_lines:
        b = ln.block
        if b.is_row:
            continue
        for _start, end in _label_spans(ln.text, spec, version):
            nxt = _next_label(ln.text, end, version, spec.section)
            m = _LEADING_NUMBERS.match(ln.text[end:nxt])
            if not m:
                first_seen = first_seen or RowFound(b.where, "")
                continue
            tokens = m.group(1).split()
            options = candidates(tokens, kinds, check if len(tokens) < len(kinds) else None)
            direct = len(tokens) == len(kinds)
            where = b.where if direct or len(kinds) == 1 else f"{b.where}（数字连写：{m.group(1).strip()}）"
            row = RowFound(where, m.group(1).strip(), options, direct, [False] * len(kinds))
            if options:
                return row
            first_seen = first_seen or row
    return first_seen


@lru_cache(maxsize=256)
def row_matches(text: str, version: str, section: str) -> tuple[tuple[int, int, str], ...]:
    """Every row label of a section in a paragraph, by position; a label inside a longer one is not a match."""
    found = [
        (m.start(), m.end(), spec.path)
        for spec in lab.row_specs(version)
        if spec.section == section and spec.regex is not None
        for m in spec.regex.finditer(text)
    ]
    kept = [(a, b, p) for a, b, p in found if not any(x <= a and b <= y and (y - x) > (b - a) for x, y, _ in found)]
    return tuple(sorted(kept))


def _label_spans(text: str, spec: lab.RowSpec, version: str) -> list[tuple[int, int]]:
    """Where this row's label occurs in a paragraph."""
    return [(a, b) for a, b, p in row_matches(text, version, spec.section) if p == spec.path]


def _next_label(text: str, pos: int, version: str, section: str) -> int:
    return next((a for a, _, _ in row_matches(text, version, section) if a >= pos), len(text))


def from_cells(texts: list[str], kinds: list[str], check: Any) -> tuple[list[list[Number]], bool, list[bool]]:
    """Cells after a row label -> (options, direct, blank flags)."""
    blank_words = set(lab.knowledge()["blank_cells"])
    texts = [t.strip() for t in texts]
    while len(texts) > len(kinds) and texts and texts[-1] in blank_words:
        texts.pop()  # a converter's empty trailing column
    if len(texts) == len(kinds) and all(len(t.split()) <= 1 for t in texts):
        values: list[Number] = []
        blanks = []
        for t, kind in zip(texts, kinds, strict=True):
            if t in blank_words:
                values.append(0)
                blanks.append(True)
                continue
            v = value(t, kind)
            if v is None:
                return [], False, []
            values.append(v)
            blanks.append(False)
        return [values], True, blanks
    tokens = [tok for t in texts for tok in t.split() if t not in blank_words]
    if not tokens or not all(_TOKEN.fullmatch(t) for t in tokens) or len(tokens) > len(kinds):
        return [], False, []
    options = candidates(tokens, kinds, check if len(tokens) < len(kinds) else None)
    return options, len(tokens) == len(kinds), [False] * len(kinds)


def unlabelled_row(
    section_lines: list[Line], spec: lab.RowSpec, kinds: list[str], check: Any, version: str
) -> RowFound | None:
    """表四: one printed row of 15 figures under a header; rows of numbers in order, or the digits after the header."""
    rows = [ln.block for ln in section_lines if ln.block.is_row]
    if rows:
        texts: list[str] = []
        where = ""
        blank_words = set(lab.knowledge()["blank_cells"])
        for b in rows:
            assert b.cells is not None
            cells = [c.text.strip() for c in b.cells]
            if any(c and c not in blank_words for c in cells) and all(
                (not c or c in blank_words or _TOKEN.fullmatch(c) or all(_TOKEN.fullmatch(x) for x in c.split()))
                for c in cells
            ):
                while cells and not cells[-1]:
                    cells.pop()
                texts.extend(cells)
                where = where or b.where
        if not texts:
            return None
        options, direct, blanks = from_cells(texts, kinds, check)
        return RowFound(where, " | ".join(texts), options, direct, blanks)
    header = [lab.text_pattern(f.title) for f in spec.leaves]
    rx = re.compile("|".join(sorted(set(header), key=len, reverse=True)))
    for ln in section_lines:
        last = None
        for m in rx.finditer(ln.text):
            last = m
        if last is None:
            continue
        m2 = _LEADING_NUMBERS.match(ln.text[last.end() :])
        if not m2:
            continue
        tokens = m2.group(1).split()
        if len(tokens) > len(kinds):
            return RowFound(ln.block.where, m2.group(1).strip())
        options = candidates(tokens, kinds, check if len(tokens) < len(kinds) else None)
        direct = len(tokens) == len(kinds)
        where = ln.block.where if direct else f"{ln.block.where}（数字连写：{m2.group(1).strip()}）"
        return RowFound(where, m2.group(1).strip(), options, direct, [False] * len(kinds))
    return None


def figures_only(block: Block) -> bool:
    """A table row of figures alone (no label cell): numbers and blank marks, at least one number."""
    assert block.cells is not None
    blank_words = set(lab.knowledge()["blank_cells"])
    cells = [c.text.strip() for c in block.cells]
    return any(_TOKEN.fullmatch(c) for c in cells) and all(c in blank_words or _TOKEN.fullmatch(c) for c in cells)

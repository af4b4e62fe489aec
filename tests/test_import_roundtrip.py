"""xlpy's own rendered Markdown, HTML and DOCX of both examples import back to exactly the exported data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from xlpy.importing import import_path
from xlpy.reader import read_workbook
from xlpy.render import render

EXAMPLES = Path(__file__).resolve().parent.parent / "workbook" / "examples"


@pytest.mark.parametrize("example", ["huaian-2024", "beigou-2020"])
@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_rendered_report_imports_back_exactly(example: str, fmt: str, tmp_path: Path) -> None:
    data = read_workbook(EXAMPLES / f"{example}.xlsx")
    out = render(data.instance, (fmt,), draft=True)
    doc = tmp_path / f"report.{fmt}"
    doc.write_bytes(out[fmt])
    imported = import_path(doc)
    assert imported.version == data.version
    assert imported.instance == data.instance
    tables = {p: s.status for p, s in imported.record.fields.items() if p.startswith(("s2.", "s3.", "s4."))}
    assert len(tables) > 150 and set(tables.values()) == {"read"}
    assert imported.record.ambiguous == []


def _texts(node: Any, path: str = "text") -> dict[str, str]:
    """Every text field under instance["text"] by path (text.overview.parts.0.body …)."""
    if isinstance(node, dict):
        return {k: v for key, sub in node.items() for k, v in _texts(sub, f"{path}.{key}").items()}
    if isinstance(node, list):
        return {k: v for i, sub in enumerate(node) for k, v in _texts(sub, f"{path}.{i}").items()}
    return {path: node}


def _lost_spaces(typed: str, read: str) -> list[tuple[str, str]]:
    """(text before, text after) of each typed space missing from the read text; fails on any other difference."""
    lost, j = [], 0
    for i, ch in enumerate(typed):
        if j < len(read) and read[j] == ch:
            j += 1
        elif ch == " ":
            lost.append((read[max(0, j - 4) : j], read[j : j + 4]))
        else:
            raise AssertionError(
                f"differs at {i}: {typed[max(0, i - 10) : i + 10]!r} / {read[max(0, j - 10) : j + 10]!r}"
            )
    assert j == len(read), f"extra text read: {read[j:]!r}"
    return lost


# Measured: typed spaces that fall where LibreOffice wraps a line (the PDF has no character for them).
LOST_AT_LINE_WRAPS = {"huaian-2024": 0, "beigou-2020": 2}


@pytest.mark.slow
@pytest.mark.parametrize("example", ["huaian-2024", "beigou-2020"])
def test_pdf_of_the_docx_imports_back_exactly(example: str, tmp_path: Path) -> None:
    """Through LibreOffice's PDF every figure, the metadata and every paragraph (preamble, 一's lead, titles and
    bodies, 五, 六) come back exactly: lines joined over line and page ends, the 「— n —」 page numbers and the
    signature and date dropped, the typesetter's gap between CJK and digits not read as a typed space.

    The one thing the text layer cannot carry is a typed space exactly where a line wraps (LibreOffice writes no
    character for it): each space still missing must sit at a line wrap of the PDF, and their number is measured.
    """
    import pdfplumber

    from xlpy.importing.pdf_reader import line_text
    from xlpy.render.pdf import find_soffice

    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) not installed: make test-deps")
    data = read_workbook(EXAMPLES / f"{example}.xlsx")
    doc = tmp_path / "report.pdf"
    doc.write_bytes(render(data.instance, ("pdf",), draft=True)["pdf"])
    imported = import_path(doc)
    for key in ("format_version", "meta", "s2", "s3", "s4", "explanations"):
        assert imported.instance[key] == data.instance[key], key
    assert imported.record.ambiguous == []
    typed, read = _texts(data.instance["text"]), _texts(imported.instance["text"])
    assert set(typed) == set(read)
    with pdfplumber.open(doc) as pdf:
        lines = [line_text(ln["chars"]) for page in pdf.pages for ln in page.extract_text_lines(keep_blank_chars=True)]
    wraps = list(zip(lines, lines[1:], strict=False))
    lost = []
    for path in typed:
        for before, after in _lost_spaces(typed[path], read[path]):
            assert any(a.endswith(before) and b.startswith(after) for a, b in wraps), (path, before, after)
            lost.append(path)
    assert len(lost) == LOST_AT_LINE_WRAPS[example], lost

"""Scoring the importer on every real published report in ../shared/examples/published/ against hand-read figures.

Zero wrong cells, every cell the document ties to its row imported exactly, every other printed cell blank and
listed in the import record. The table of scores is in docs/import.md.
"""

from __future__ import annotations

import pytest

from tests.import_scoring import cases, published_dir, score
from xlpy import schema
from xlpy.importing import import_path

PUBLISHED = published_dir()
pytestmark = pytest.mark.skipif(PUBLISHED is None, reason="../shared/examples/published/ (the dev corpus) is absent")


def test_every_published_file_has_hand_read_figures() -> None:
    assert PUBLISHED is not None
    files = {p.name for p in PUBLISHED.iterdir() if p.suffix in (".pdf", ".html", ".txt", ".md") and p.stem != "README"}
    assert files == {c["file"] for c in cases()}


@pytest.mark.parametrize("case", cases(), ids=lambda c: c["file"])
def test_published_report_imports_without_a_wrong_cell(case: dict) -> None:
    assert PUBLISHED is not None
    imported = import_path(PUBLISHED / case["file"])
    assert imported.version == case["format_version"]
    s = score(case, imported)
    assert s.wrong == 0 and s.unlisted == 0, s.problems
    assert s.exact >= s.determinable, s.problems  # every cell the document ties to its row
    assert s.exact + s.blank_listed == s.printed


def test_the_page_and_its_crawler_text_agree() -> None:
    """平潭 2025 as HTML and as the crawler's text: every cell the text yields equals the page's."""
    assert PUBLISHED is not None
    page = import_path(PUBLISHED / "pingtan-shiyanqu-2025.html")
    text = import_path(PUBLISHED / "pingtan-shiyanqu-2025.txt")
    compared = 0
    for path, source in text.record.fields.items():
        if path.startswith(("s2.", "s3.", "s4.")) and source.status in ("read", "split"):
            assert page.record.fields[path].status == "read"
            assert schema.lookup(text.instance, path) == schema.lookup(page.instance, path), path
            compared += 1
    assert compared == 197  # 200 cells less 行政规范性文件's three (5845546 has 15 splits)
    assert text.instance["text"]["other"] == page.instance["text"]["other"]


@pytest.mark.parametrize("case", cases(), ids=lambda c: c["file"])
def test_every_printed_cell_left_blank_is_proven_ambiguous(case: dict) -> None:
    """A blank printed cell belongs to a listed row whose digits have two or more splits, each listed: every one
    re-joins to the printed digits and satisfies the row's own 总计 (the column sums were applied before)."""
    assert PUBLISHED is not None
    imported = import_path(PUBLISHED / case["file"])
    blank = {
        path
        for path, source in imported.record.fields.items()
        if path.startswith(("s2.", "s3.", "s4.")) and source.status == "blank" and source.note != "印为空白"
    }
    entries = [a for a in imported.record.ambiguous if blank & set(a["paths"])]
    assert blank == {p for a in entries for p in a["paths"]}
    for entry in entries:
        splits = entry["splits"]
        assert entry["split_count"] == len(splits) >= 2, entry
        digits = entry["text"].replace(" ", "")
        assert all("".join(split) == digits for split in splits), entry
        assert len({tuple(s) for s in splits}) == len(splits)
    placed = [s for s in imported.record.fields.values() if "按表格行序" in s.note]
    assert len(placed) == (70 if case["file"] == "shanghai-shi-kewei-2024.md" else 0)
    assert all(s.status == "inferred" for s in placed)

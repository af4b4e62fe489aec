"""xlpy's own rendered Markdown, HTML and DOCX of both examples import back to exactly the exported data."""

from __future__ import annotations

from pathlib import Path

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


@pytest.mark.slow
@pytest.mark.parametrize("example", ["huaian-2024", "beigou-2020"])
def test_pdf_of_the_docx_imports_back_tables_and_metadata(example: str, tmp_path: Path) -> None:
    """Through LibreOffice's PDF every figure, the metadata and the sub-headings come back exactly.

    The running text cannot: the PDF text layer puts a space between a CJK character and a digit whether or not the
    clerk typed one (the examples have both), and LibreOffice drops a full-width comma it hangs at a line end.
    """
    from xlpy.render.pdf import find_soffice

    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) not installed: make test-deps")
    data = read_workbook(EXAMPLES / f"{example}.xlsx")
    doc = tmp_path / "report.pdf"
    doc.write_bytes(render(data.instance, ("pdf",), draft=True)["pdf"])
    imported = import_path(doc)
    for key in ("format_version", "meta", "s2", "s3", "s4"):
        assert imported.instance[key] == data.instance[key], key
    titles = [p["title"] for p in imported.instance["text"]["overview"]["parts"]]
    assert titles == [p["title"] for p in data.instance["text"]["overview"]["parts"]]
    assert imported.record.ambiguous == []

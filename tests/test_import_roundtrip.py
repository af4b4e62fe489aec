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

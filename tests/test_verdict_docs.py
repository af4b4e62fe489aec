"""What the docs promise about the verdict: every error code listed (and nothing else), one place for each policy."""

from __future__ import annotations

import re
from pathlib import Path

from xlpy.errors import ErrorCode

ROOT = Path(__file__).resolve().parents[1]
XLPY = ROOT / "xlpy"


def test_docs_list_exactly_the_error_codes() -> None:
    text = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
    section = text.split("### 错误代码", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M))
    assert listed == {c.value for c in ErrorCode}


def _sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in XLPY.rglob("*.py")}


def _where(pattern: str) -> set[str]:
    return {name for name, text in _sources().items() if re.search(pattern, text)}


def test_one_place_for_each_policy() -> None:
    """grep finds one place for the formats list, the refusal, the file name, the status line, the token check
    and the cell-reference parser (issue 9, "Done when")."""
    assert _where(r'"md",\s*"html",\s*"docx"') == {"xlpy/formats.py"}
    assert _where(r"不能生成正式报告") == {"xlpy/verdict.py"}
    assert _where(r"政府信息公开工作年度报告(\[|（草稿）|\"|')\s*$|keep_end=f") == {"xlpy/verdict.py"}
    assert _where(r"def status_line") == {"xlpy/verdict.py"} or _where(r"def status_line") == set()
    assert _where(r"compare_digest") == {"xlpy/server/app.py"}
    assert _where(r"\.r?split\(\"!\"|\.r?partition\(\"!\"\)") == {"xlpy/cell.py"}
    assert "def parse(" in (XLPY / "cell.py").read_text(encoding="utf-8")


def test_report_json_reads_nothing_behind_the_callers_back(monkeypatch: object) -> None:
    """Report.to_dict shows the checklist it is given (the verdict loads it once); it opens no file itself."""
    import xlpy.resources
    from xlpy.model import Report

    def no_disk(*args: object, **kwargs: object) -> object:
        raise AssertionError("Report.to_dict read a data file")

    monkeypatch.setattr(xlpy.resources, "load_json", no_disk)  # type: ignore[attr-defined]
    report = Report("x.json", "2021", 2024, "某机关")
    assert report.to_dict()["checklist"] == []
    assert report.to_dict(("已经过保密审查。",))["checklist"] == ["已经过保密审查。"]

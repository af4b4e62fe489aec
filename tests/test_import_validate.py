"""`xlpy validate` of a published file: imported and validated in one step, findings naming places in the document."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest

from tests.import_scoring import cases, published_dir
from xlpy.cli import run
from xlpy.importing import import_path
from xlpy.reader import ReadResult, read_workbook
from xlpy.render import render
from xlpy.validate import validate

PUBLISHED = published_dir()
EXAMPLES = Path(__file__).resolve().parent.parent / "workbook" / "examples"
needs_corpus = pytest.mark.skipif(PUBLISHED is None, reason="../shared/examples/published/ (the dev corpus) is absent")


@needs_corpus
@pytest.mark.parametrize("case", cases(), ids=lambda c: c["file"])
def test_known_defects_of_the_published_report_are_flagged_with_places(case: dict) -> None:
    assert PUBLISHED is not None
    v = case["validate"]
    imported = import_path(PUBLISHED / case["file"], org_type=v.get("org_type"))
    report = validate(ReadResult(imported.instance, imported.places, imported.version, None, case["file"]))
    assert not report.unusable
    for flag in v["flags"]:
        hits = [f for f in report.findings if f.rule == flag["rule"] and flag["contains"] in f.message]
        assert hits, (flag, [(f.rule, f.message) for f in report.findings])
        # The place in the published document stands next to the field (a line, a table row and column, a page).
        if flag.get("place", True):
            assert all(f.cells and all(c and "!" not in c for c in f.cells) for f in hits), [f.cells for f in hits]


@needs_corpus
def test_validate_command_reads_a_published_page_directly() -> None:
    assert PUBLISHED is not None
    out, err = io.StringIO(), io.StringIO()
    code = run(["validate", str(PUBLISHED / "pingtan-shiyanqu-2025.html"), "--format", "json"], out, err)
    assert code == 1, err.getvalue()  # 机关类型 cannot be told from 平潭综合实验区: asked for (M-1), and X-1
    data = json.loads(out.getvalue())
    x1 = [f for f in data["findings"] if f["rule"] == "X-1"]
    assert x1 and any(c == "表三“总计”列（第2个表格第25行）" for c in x1[0]["cells"])
    asked = [f for f in data["findings"] if f["rule"] == "M-1" and "meta.org_type" in f["paths"]]
    assert len(asked) == 1 and "“平潭综合实验区”" in asked[0]["message"] and "--org-type" in asked[0]["message"]
    assert "下拉列表" not in asked[0]["message"]  # the workbook's wording does not fit a published page


@pytest.mark.parametrize("consistent", [True, False])
def test_last_year_may_be_a_published_report(tmp_path: Path, consistent: bool) -> None:
    """--last-year accepts last year's published page: the cross-year rules run on what it printed."""
    this = read_workbook(EXAMPLES / "huaian-2024.xlsx")
    last = copy.deepcopy(this.instance)
    last["meta"].update(year=2023, date="2024-03-20")
    carried = this.instance["s3"]["carried_over"]
    last["s3"]["carried_forward"] = dict(carried) if consistent else {**carried, "natural_person": 30, "total": 30}
    page = tmp_path / "淮安市人民政府2023年政府信息公开工作年度报告.html"
    page.write_bytes(render(last, ("html",), draft=True)["html"])
    out, err = io.StringIO(), io.StringIO()
    run(["validate", str(EXAMPLES / "huaian-2024.xlsx"), "--last-year", str(page), "--format", "json"], out, err)
    data = json.loads(out.getvalue())
    assert data["error"] is None, err.getvalue()
    assert not [s for s in data["skipped"] if s["rule"].startswith("C-")], data["skipped"]
    c1 = [f for f in data["findings"] if f["rule"] == "C-1"]
    assert bool(c1) is not consistent, c1


@needs_corpus
def test_org_type_given_on_the_command_line_for_a_published_file() -> None:
    assert PUBLISHED is not None
    page = str(PUBLISHED / "pingtan-shiyanqu-2025.html")
    out, err = io.StringIO(), io.StringIO()
    run(["validate", page, "--org-type", "其他机关、单位", "--format", "json"], out, err)
    data = json.loads(out.getvalue())
    assert not [f for f in data["findings"] if f["rule"] == "M-1"], data["findings"]
    assert [f for f in data["findings"] if f["rule"] == "X-1"]  # the real defect is still there
    code = run(["validate", page, "--org-type", "区政府"], io.StringIO(), err)
    assert code == 2 and "没有机关类型“区政府”" in err.getvalue()

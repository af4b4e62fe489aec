"""`xlpy batch` over a folder of published reports: each is imported and validated like a workbook."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from xlpy.cli import run
from xlpy.reader import read_workbook
from xlpy.render import render

EXAMPLES = Path(__file__).resolve().parent.parent / "workbook" / "examples"


def test_batch_takes_a_folder_of_published_reports(tmp_path: Path) -> None:
    folder = tmp_path / "已发布"
    folder.mkdir()
    huaian = read_workbook(EXAMPLES / "huaian-2024.xlsx").instance
    (folder / "淮安.html").write_bytes(render(huaian, ("html",))["html"])
    beigou = read_workbook(EXAMPLES / "beigou-2020.xlsx").instance
    (folder / "北沟.docx").write_bytes(render(beigou, ("docx",), draft=True)["docx"])
    (folder / "说明.txt").write_text("本文件夹收集各单位已发布的年报。", encoding="utf-8")  # a note: not picked up
    notice = tmp_path / "通知.txt"  # named explicitly: read, and refused as not a report
    notice.write_text("关于开展春季植树活动的通知。请各单位积极参加。", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = run(["batch", str(folder), str(notice), "-o", str(tmp_path / "out"), "--jobs", "1"], out, err)
    assert code == 2, err.getvalue()  # one input is not a report at all
    with open(tmp_path / "out" / "summary.csv", encoding="utf-8-sig") as fh:
        rows = {Path(r["文件"] if "文件" in r else next(iter(r.values()))).name: r for r in csv.DictReader(fh)}
    assert set(rows) == {"淮安.html", "北沟.docx", "通知.txt"}
    text = {name: " ".join(r.values()) for name, r in rows.items()}
    assert "淮安市人民政府" in text["淮安.html"] and "蓬莱区北沟镇人民政府" in text["北沟.docx"]
    assert "X-3" in text["北沟.docx"]  # the seed's real defect (no 社会评议/责任追究), found in the published text
    assert "不是政府信息公开工作年度报告" in text["通知.txt"]


def _page(tmp_path: Path, org: str) -> Path:
    """xlpy's HTML of 淮安 2024 printed as if by another agency, whose 机关类型 the page does not state."""
    data = read_workbook(EXAMPLES / "huaian-2024.xlsx").instance
    data["meta"]["org_name"] = org
    data["s2"]["art20_1"]["rules"] = {"issued": 0, "repealed": 0, "in_force": 0}  # no 规章: any type may publish
    folder = tmp_path / "已发布"
    folder.mkdir(exist_ok=True)
    (folder / f"{org}.html").write_bytes(render(data, ("html",), draft=True)["html"])
    return folder


def _findings(tmp_path: Path, args: list[str]) -> tuple[int, str, dict]:
    import json

    out, err = io.StringIO(), io.StringIO()
    code = run(["batch", str(tmp_path / "已发布"), "-o", str(tmp_path / "out"), "--jobs", "1", "-q", *args], out, err)
    found = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "out" / "findings").glob("*.json")}
    return code, err.getvalue(), found


def test_batch_org_type_fills_only_what_the_names_do_not_tell(tmp_path: Path) -> None:
    _page(tmp_path, "平潭综合实验区")
    _page(tmp_path, "某某县人民政府")
    code, err, found = _findings(tmp_path, ["--org-type", "其他机关、单位"])
    assert code != 2, err
    by_org = {f["org"]: f for f in found.values()}
    assert not [x for x in by_org["平潭综合实验区"]["findings"] if x["rule"] == "M-1"]
    # Dated 2025-03-20: past the 01-31 deadline of 其他机关、单位 (D-1), within a 县级人民政府's 03-31 — so the county
    # kept the type its name gives rather than the fallback.
    assert [x for x in by_org["平潭综合实验区"]["findings"] if x["rule"] == "D-1"]
    assert not [x for x in by_org["某某县人民政府"]["findings"] if x["rule"] in ("D-1", "M-1")]


def test_batch_without_org_type_asks_for_it_in_one_chinese_finding(tmp_path: Path) -> None:
    _page(tmp_path, "平潭综合实验区")
    _code, err, found = _findings(tmp_path, [])
    (report,) = found.values()
    asked = [x for x in report["findings"] if x["rule"] == "M-1" and "meta.org_type" in x["paths"]]
    assert len(asked) == 1, report["findings"]
    assert "“平潭综合实验区”" in asked[0]["message"] and "--org-type" in asked[0]["message"]
    assert "下拉列表" not in asked[0]["message"]  # a workbook's wording, not a published report's


def test_batch_refuses_an_unknown_org_type(tmp_path: Path) -> None:
    _page(tmp_path, "平潭综合实验区")
    code, err, _ = _findings(tmp_path, ["--org-type", "区政府"])
    assert code == 2 and "没有机关类型“区政府”" in err

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

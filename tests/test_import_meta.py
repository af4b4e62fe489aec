"""Title and metadata of published reports: agency, year, title wording and 成文日期 on the dev corpus and cut cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.import_scoring import published_dir
from xlpy.importing import import_bytes, import_path

PUBLISHED = published_dir()
needs_corpus = pytest.mark.skipif(PUBLISHED is None, reason="../shared/examples/published/ (the dev corpus) is absent")

# file -> (机关名称, agency as printed in the title, title text, year, 成文日期, how the date was found)
CORPUS = {
    "huaian-shi-2024.pdf": (
        "淮安市人民政府",
        "淮安市人民政府",
        "淮安市人民政府2024年政府信息公开工作年度报告",  # the PDF's autospace gap is no typed space
        2024,
        "2025-02-25",
        "inferred",  # no date line: the PDF's creation date
    ),
    "pingtan-shiyanqu-2019.txt": (
        "平潭综合实验区",
        "平潭综合实验区",
        "平潭综合实验区2019年政府信息公开工作年度报告",
        2019,
        "2020-01-20",
        "inferred",
    ),
    "pingtan-shiyanqu-2021.txt": (
        "平潭综合实验区",
        "平潭综合实验区",
        "平潭综合实验区2021年度政府信息公开工作年度报告",
        2021,
        "2022-02-08",
        "inferred",
    ),
    "pingtan-shiyanqu-2023.txt": (
        "平潭综合实验区",
        "平潭综合实验区",
        "平潭综合实验区2023年度政府信息公开工作年度报告",
        2023,
        "2024-03-08",
        "inferred",
    ),
    "pingtan-shiyanqu-2025.html": (
        "平潭综合实验区",
        "平潭综合实验区",
        "平潭综合实验区2025年度政府信息公开工作年度报告",
        2025,
        "2026-03-10",
        "inferred",
    ),
    "pingtan-shiyanqu-2025.txt": (
        "平潭综合实验区",
        "平潭综合实验区",
        "平潭综合实验区2025年度政府信息公开工作年度报告",
        2025,
        "2026-03-10",
        "inferred",
    ),
    "shanghai-shi-kewei-2024.md": (
        "上海市科学技术委员会",  # the README's agency; the title prints the short form
        "上海市科委",
        "2024 年上海市科委政府信息公开工作年度报告",  # not 「正文2024 年…」: 正文 is the converter's page header
        2024,
        None,
        "blank",  # the conversion has no date line and no page metadata
    ),
    "shuyang-xian-2025.txt": (
        "沐阳县人民政府",  # the OCR's misreading of 沭阳, as printed in this conversion
        "沐阳县人民政府",
        "沐阳县人民政府 2025 年 政府信息公开工作年度报告",
        2025,
        "2026-01-23",
        "read",
    ),
}


@needs_corpus
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_title_and_metadata_of_each_published_report(name: str) -> None:
    assert PUBLISHED is not None
    org, printed, title, year, date, how = CORPUS[name]
    imported = import_path(PUBLISHED / name)
    meta = imported.instance["meta"]
    outline = imported.record.outline["title"]
    assert (meta["org_name"], outline["org"], outline["text"], meta["year"]) == (org, printed, title, year)
    assert (meta["date"], imported.record.fields["meta.date"].status) == (date, how)
    asked = imported.record.outline.get("asked", {})
    assert ("meta.date" in asked) is (date is None)  # no date found: one clear message for M-1, not 未填写
    # The report text starts after the title and the page's own words, and ends before its download link.
    text = imported.instance["text"]
    assert not text["preamble"].startswith(("正文", "来源", "当前位置")), text["preamble"][:40]
    assert "附件下载" not in text["other"] and "微信 微博" not in text["preamble"]


def _report(head: str, tail: str = "") -> bytes:
    body = (
        "一、总体情况\n\n本年度工作情况良好。\n\n二、主动公开政府信息情况\n\n三、收到和处理政府信息公开申请情况\n\n"
        "四、政府信息公开行政复议、行政诉讼情况\n\n五、存在的主要问题及改进情况\n\n无。\n\n"
        f"六、其他需要报告的事项\n\n本年度未收取信息处理费。{tail}\n"
    )
    return (head + "\n\n" + body).encode("utf-8")


def test_year_first_title_behind_a_page_header_names_the_agency_after_the_year() -> None:
    data = _report("正文\n2024 年某某市科委政府信息公开工作\n年度报告\n根据《条例》编制本报告。")
    imported = import_bytes(data, "report.md")
    title = imported.record.outline["title"]
    assert (title["org"], title["text"], title["year"]) == (
        "某某市科委",
        "2024 年某某市科委政府信息公开工作年度报告",
        2024,
    )
    assert imported.instance["meta"]["org_name"] == "某某市科学技术委员会"
    source = imported.record.fields["meta.org_name"]
    assert source.status == "inferred" and "简称" in source.note and source.text == "某某市科委"
    assert imported.instance["text"]["preamble"] == "根据《条例》编制本报告。"


def test_agency_first_title_keeps_the_agency_before_the_year() -> None:
    imported = import_bytes(_report("某某县人民政府2023年度政府信息公开工作年度报告\n\n根据《条例》编制。"), "r.txt")
    title = imported.record.outline["title"]
    assert (title["org"], title["text"]) == ("某某县人民政府", "某某县人民政府2023年度政府信息公开工作年度报告")
    assert imported.instance["meta"]["org_name"] == "某某县人民政府"
    assert imported.record.fields["meta.org_name"].status == "read"


def test_a_crawled_page_line_loses_its_source_line_and_share_buttons() -> None:
    line = (
        "当前位置： 首页政务公开 某某县人民政府2021年度政府信息公开工作年度报告 来源：某某县人民政府 "
        "时间：2022-02-08 16:34 微信 微博 QQ空间 全真版 文字版 文件下载 相关链接： --> 根据《条例》要求，"
        "我县编制完成了本报告。本报告包括总体情况等六个部分，所列数据的统计期限自2021年1月1日起至2021年12月31日止。"
    )
    imported = import_bytes(_report(line, " 附件下载"), "page.txt")
    assert imported.instance["text"]["preamble"].startswith("根据《条例》要求，我县编制完成了本报告。")
    assert imported.instance["text"]["other"] == "本年度未收取信息处理费。"
    assert imported.record.outline["title"]["org"] == "某某县人民政府"


def test_a_pdf_without_a_date_line_says_the_date_is_the_files_creation_date(tmp_path: Path) -> None:
    if PUBLISHED is None:
        pytest.skip("../shared/examples/published/ (the dev corpus) is absent")
    source = import_path(PUBLISHED / "huaian-shi-2024.pdf").record.fields["meta.date"]
    assert source.where == "PDF 文件的创建日期" and "创建日期" in source.note


# 机关类型 the name decides (import-labels.json org_types.rules), and names that do not decide it.
NAMES = {
    "上海市人民政府": ["省级人民政府"],
    "广西壮族自治区人民政府": ["省级人民政府"],
    "延边朝鲜族自治州人民政府": ["设区的市、自治州人民政府"],
    "淮安市人民政府": ["设区的市、自治州人民政府", "县级人民政府"],  # a 县级市 too: 规章 in 表二 decides
    "沭阳县人民政府": ["县级人民政府"],
    "北京市东城区人民政府": ["县级人民政府"],
    "某某镇人民政府": ["乡镇人民政府"],
    "某某街道办事处": ["街道办事处"],
    "教育部": ["国务院部门"],
    "国家发展和改革委员会": ["国务院部门"],
    "上海市科学技术委员会": ["省级政府部门"],  # a department of a 直辖市
    "江苏省教育厅": ["省级政府部门"],
    "淮安市教育局": ["市级政府部门", "县级政府部门"],
    "上海市浦东新区科学技术委员会": ["县级政府部门"],
    "沭阳县人民政府办公室": ["县级政府部门"],
    "平潭综合实验区": [],
    "平潭综合实验区管委会": [],
}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_org_type_candidates_by_name(name: str) -> None:
    from xlpy.importing.meta import candidate_org_types

    assert candidate_org_types(name) == NAMES[name]


@needs_corpus
def test_org_type_of_the_dev_corpus() -> None:
    assert PUBLISHED is not None
    kewei = import_path(PUBLISHED / "shanghai-shi-kewei-2024.md")
    assert kewei.instance["meta"]["org_type"] == "省级政府部门"
    assert kewei.record.fields["meta.org_type"].status == "inferred"
    pingtan = import_path(PUBLISHED / "pingtan-shiyanqu-2021.txt")
    assert pingtan.instance["meta"]["org_type"] is None
    note = pingtan.record.outline["asked"]["meta.org_type"]
    assert "“平潭综合实验区”" in note and "--org-type" in note and "D-1" in note
    given = import_path(PUBLISHED / "pingtan-shiyanqu-2021.txt", fallback_org_type="其他机关、单位")
    assert given.instance["meta"]["org_type"] == "其他机关、单位" and "asked" not in given.record.outline
    # A fallback never overrides what the name tells.
    assert import_path(PUBLISHED / "huaian-shi-2024.pdf", fallback_org_type="其他机关、单位").instance["meta"][
        "org_type"
    ] == ("设区的市、自治州人民政府")


@needs_corpus
def test_import_command_counts_the_cells_placed_by_reading_order(tmp_path: Path) -> None:
    import io

    from xlpy.cli import run

    assert PUBLISHED is not None
    err = io.StringIO()
    code = run(
        ["import", str(PUBLISHED / "shanghai-shi-kewei-2024.md"), "-o", str(tmp_path / "d.json")], io.StringIO(), err
    )
    assert code == 0, err.getvalue()
    assert "读出 199 个（其中按合计拆分 0 个、推断 70 个，见导入记录），空白 1 个" in err.getvalue()

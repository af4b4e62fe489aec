"""Numerals, sentences and claims of xlpy.narrative: the pieces the narrative checkers are built from."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xlpy.narrative.cases import case_claims, outcome_statements
from xlpy.narrative.claims import s3_claims
from xlpy.narrative.documents import document_claims
from xlpy.narrative.lists import item_lists
from xlpy.narrative.numerals import find_numbers, parse_chinese
from xlpy.narrative.sentences import parens, sentences
from xlpy.rules.checkers.similarity import copied_share, normalise


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三", 3),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("一百零五", 105),
        ("两", 2),
        ("三千五百", 3500),
        ("一万二千", 12000),
        ("二〇二〇", 2020),
        ("壹佰", 100),
        ("两千零一十", 2010),
    ],
)
def test_parse_chinese(text, value):
    assert parse_chinese(text) == value


@pytest.mark.parametrize("text", ["", "三五十", "十百", "万", "两两"])
def test_parse_chinese_rejects(text):
    assert parse_chinese(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("申请3,119件", [("3119", "件", False)]),
        ("申请３０５０件", [("3050", "件", False)]),
        ("信息 70 条", [("70", "条", False)]),
        ("发布稿件 300 余篇", [("300", "篇", True)]),
        ("培训 80 余人次", [("80", "人次", True)]),
        ("近3000件", [("3000", "件", True)]),
        ("约占65%", [("65", "%", False)]),  # "约占" is handled where shares are read
        ("超过100件", [("100", "件", True)]),
        ("100件以上", [("100", "件", True)]),
        ("300多件", [("300", "件", True)]),
        ("44.66%", [("44.66", "%", False)]),
        ("百分之九十五", [("95", "%", False)]),
        ("一百零五件", [("105", "件", False)]),
        ("十二条", [("12", "条", False)]),
        ("两件", [("2", "件", False)]),
        ("3.5万件", [("35000.0", "件", False)]),
        ("1.2万元", [("1.2", "万元", False)]),
        ("数百件", [("100", "件", True)]),
        ("提高5个百分点", [("5", "个百分点", False)]),
        ("申请数量为零", [("0", None, False)]),
    ],
)
def test_find_numbers(text, expected):
    got = [(str(n.value), n.unit, n.approx) for n in find_numbers(text)]
    assert got == expected


@pytest.mark.parametrize(
    "text",
    [
        "进一步加强",
        "第一条",
        "一是公开不及时",
        "高效办成一件事",
        "一次性告知",
        "一条龙服务",
        "三安全一稳定",
        "十四五规划",
        "零距离服务",
        "G20峰会",
        "做到了件件有着落",
        "万家灯火",
    ],
)
def test_no_count_in_words(text):
    assert [n for n in find_numbers(text) if n.unit] == []


def test_offsets_point_into_the_original():
    text = "答复３０５０件，另有103件顺延"
    assert [text[n.num_start : n.end] for n in find_numbers(text)] == ["３０５０件", "103件"]


def test_sentences_keep_semicolon_lists_together():
    ss = sentences("共收到申请5件；答复5件。上年结转0件！\n无")
    assert [s.text for s in ss] == ["共收到申请5件；答复5件", "上年结转0件", "无"]


def test_about_year():
    s = sentences("同 2019 年相同，2020 年度，我镇未接到申请")[0]
    assert s.about_year(s.norm.index("未接到"), 2020)
    assert not s.about_year(s.norm.index("相同"), 2020)
    t = sentences("上年结转申请34件，去年收到20件")[0]
    assert t.about_year(t.norm.index("34"), 2024)  # 上年结转 is this year's figure
    assert not t.about_year(t.norm.index("20"), 2024)


def test_blank_parens():
    assert parens("答复5件（含结转1件）。").blanked == "答复5件" + " " * 7 + "。"


def test_huaian_application_claims():
    text = "全市共受理政府信息公开申请3119件，答复3050件（含上年度结转申请34件，另有103件顺延到下年度答复）。"
    got = [(c.kind, c.value) for c in s3_claims(text, 2024)]
    assert got == [("s3.new", 3119), ("s3.answered", 3050), ("s3.carried_over", 34), ("s3.carried_forward", 103)]


def test_share_refers_back_to_its_count():
    (count, share) = s3_claims("共收到政府信息公开申请20件，予以公开12件，占60%。", 2024)[1:]
    assert (count.kind, share.kind, share.value) == ("s3.granted", "pct.s3.granted", Decimal(60))
    assert share.fragment == "予以公开12件，占60%"


def test_case_claims_breakdown():
    text = "政府信息公开行政诉讼46件（未经复议直接起诉26件、复议后起诉20件），其中结果维持25件。"
    got = [(c.kind, c.value, c.also) for c in case_claims(text, 2024)]
    assert got == [
        ("s4.litigation.total", 46, ()),
        ("s4.direct.total", 26, ()),
        ("s4.after_review.total", 20, ()),
        ("s4.litigation.upheld", 25, ()),
    ]


def test_outcome_statements_topics():
    (st,) = outcome_statements("政府信息公开行政复议1件、行政诉讼1件，均未被纠错。", 2024)
    assert (st.mode, st.topics) == ("not_lost", ("review", "litigation"))


def test_document_claims():
    text = "新增公开市政府规章1件，制发行政规范性文件8件，现行有效行政规范性文件66件。"
    got = [(c.kind, c.value, c.also) for c in document_claims(text, 2024)]
    assert got == [
        ("s2.rules.published", 1, ("s2.rules.made",)),  # 2019 has both columns: 新增 may mean either
        ("s2.normative.made", 8, ("s2.normative.published",)),
        ("s2.normative.in_force", 66, ()),
    ]


def test_seed_list():
    text = (
        "2020 年度我镇通过蓬莱区政府信息公开信息 70 条，公示信息的类别包括：政府信息公开专栏 3 条、机关简介2 条、"
        "财政预决算 2 条、重点领域信息公开 55 条、组织管理 4 条、政民互动 1 条、重点项目 3 条，政务公开能力不断提升。"
    )
    (lst,) = item_lists(text)
    assert lst.total.value == 70 and lst.items_sum == 70 and lst.complete
    assert [label for label, _ in lst.items][:2] == ["政府信息公开专栏", "机关简介"]


def test_similarity_measure():
    a = "我镇在政府信息公开工作方面虽然取得了一定成绩，但也存在部分问题，主要表现在公开信息的时效性不够强。"
    assert normalise("2020 年，共 3 件。") == "〇年共〇件"
    assert copied_share(a.replace("我镇", "我局"), a) > Decimal("0.9")
    assert copied_share("今年重点推进政策解读图解化，组织答复文书评查，开展基层业务培训三次。", a) < Decimal("0.2")
    assert copied_share("短", a) is None

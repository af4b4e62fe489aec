"""Render: Markdown goldens, the seed report regenerated, context figures, filters, the template loader chain."""

from __future__ import annotations

import copy
import os
import re

import pytest

from tests.render_support import GOLDEN, VERSIONS, load, unique_figures
from tests.shared_files import shared_file
from xlpy.errors import RenderError
from xlpy.render import DEFAULT_FORMATS, FORMATS, file_name, render
from xlpy.render.context import build, overview_parts, paragraphs, s3_figures, s4_figures
from xlpy.render.env import cn_numeral, environment, fmt_date, fmt_number

SEED = "examples/beigou-2020-report.txt"  # under ../shared (tests/shared_files.py)
# Rewrite goldens for review with XLPY_UPDATE_GOLDEN=1 (pytest options belong to conftest.py, which
# this module does not own).
UPDATE = os.environ.get("XLPY_UPDATE_GOLDEN") == "1"
HEADINGS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]


def markdown(instance: dict, **kw) -> str:
    return render(instance, ("md",), **kw)["md"].decode("utf-8")


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_markdown_equals_reviewed_golden(version):
    golden = GOLDEN / VERSIONS[version].replace(".json", ".md")
    text = markdown(load(version))
    if UPDATE or not golden.exists():
        golden.write_text(text, encoding="utf-8")
        pytest.skip(f"golden written: {golden.name} — review it")
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_six_headings_in_order_then_date(version):
    text = markdown(load(version))
    found = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    assert found == HEADINGS
    assert text.startswith("# ")
    assert text.rstrip().splitlines()[-1] == fmt_date(load(version)["meta"]["date"])


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("**", "")


def _seed_lines() -> list[str]:
    seed = shared_file(SEED)
    return [line.rstrip() for line in seed.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_beigou_regenerates_every_narrative_paragraph_of_the_seed():
    md = _squash(markdown(load("2019")))
    checked = 0
    for line in _seed_lines():
        if "\t" in line or line.startswith("<b>") or re.match(r"^#+ \**\d ", line):
            continue  # tables and the seed's numbered headings are checked below
        text = re.sub(r"^\((\d)\)\s*", lambda m: f"（{cn_numeral(int(m.group(1)))}）", line.lstrip("# "))
        # Page breaks cut sentences in the seed; each half is still found verbatim.
        assert _squash(text) in md, text[:40]
        checked += 1
    assert checked >= 15


def test_beigou_headings_are_the_official_ones_not_the_seeds_numbering():
    md = markdown(load("2019"))
    seed_heads = [
        re.sub(r"^#+ \**\d ", "", line).strip("* ") for line in _seed_lines() if re.match(r"^#+ \**\d ", line)
    ]
    assert len(seed_heads) == 6
    for seed, official in zip(seed_heads, HEADINGS, strict=False):
        assert official.endswith(seed)  # "总体情况" → "一、总体情况"
        assert f"## {official}\n" in md


def _md_rows(md: str) -> dict[str, list[str]]:
    rows = {}
    for line in md.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


def test_beigou_tables_carry_every_seed_figure_with_official_labels():
    md = markdown(load("2019"))
    rows = _md_rows(md)

    def norm(s: str) -> str:
        return re.sub(r"）\s+", "）", s.replace("(", "（").replace(")", "）"))

    table_lines = [line for line in _seed_lines() if "\t" in line]
    checked = 0
    for line in table_lines:
        fields = [f.strip() for f in line.split("\t") if f.strip()]
        numbers = [f for f in fields if re.fullmatch(r"-?\d+(\.\d+)?", f)]
        labels = [norm(f) for f in fields if f not in numbers]
        if not numbers:
            # A header line: every label is official except the seed's own 社会组织 slip.
            for label in labels:
                label = "社会公益组织" if label == "社会组织" else label
                assert label in md, label
            continue
        label = labels[-1] if labels else None
        if label is None:
            # 表四: the single data row of fifteen figures, under the header starting 行政复议.
            lines = md.splitlines()
            head = next(i for i, x in enumerate(lines) if x.startswith("| 行政复议 结果维持"))
            assert [c.strip() for c in lines[head + 2].strip("|").split("|")] == numbers
            checked += 1
            continue
        matches = [k for k in rows if k.endswith(label)]
        assert matches, label
        assert set(numbers) <= set(rows[matches[0]]), label
        checked += 1
    assert checked >= 25
    # The row the seed dropped, and the official column label where the seed wrote 社会组织.
    assert rows["规章"] == ["0", "0", "0"]
    assert "社会公益组织" in md and " 社会组织 " not in md and "| 社会组织" not in md


def test_markdown_folds_group_labels_into_row_labels():
    rows = _md_rows(markdown(load("2021")))
    assert rows["三、本年度办理结果 （三）不予公开 1.属于国家秘密"] == ["2", "0", "0", "0", "0", "0", "2"]
    assert rows["三、本年度办理结果 （六）其他处理 3.其他"][-1] == "110"
    assert rows["四、结转下年度继续办理"][-1] == "103"


def test_every_format_is_rendered_and_named_by_the_title():
    inst = load("2021")
    out = render(inst)
    assert set(out) == set(DEFAULT_FORMATS) == set(FORMATS) - {"pdf"}  # pdf only on request (LibreOffice)
    assert out["json"].decode().startswith("{")
    assert file_name(inst, "docx") == "淮安市人民政府2024年政府信息公开工作年度报告.docx"
    assert file_name({"meta": {"org_name": "a/b", "year": 2024}}, "md") == "a_b2024年政府信息公开工作年度报告.md"


def test_unknown_format_is_refused():
    with pytest.raises(RenderError):
        render(load("2021"), ("rtf",))


# -- context -------------------------------------------------------------------------------


def test_totals_in_words_come_from_the_tables():
    inst = load("2021")
    s3 = s3_figures(inst)
    assert (s3["new"], s3["carried"], s3["done"], s3["forward"]) == (3119, 34, 3050, 103)
    s4 = s4_figures(inst)
    assert (s4["review_total"], s4["litigation_total"], s4["litigation_upheld"]) == (351, 46, 25)
    md = markdown(inst)
    assert "新收政府信息公开申请3119件，上年结转34件；本年度办理完结3050件" in md
    assert "行政复议351件，其中结果维持72件、结果纠正64件、其他结果178件、尚未审结37件；行政诉讼46件" in md


def test_all_zero_tables_get_the_negative_sentence():
    md = markdown(load("2019"))
    assert "2020年，本机关未收到政府信息公开申请" in md
    assert "2020年，本机关未发生因政府信息公开引起的行政复议、行政诉讼。" in md
    inst = copy.deepcopy(load("2019"))
    inst["meta"]["year"] = None  # a draft without its year still reads
    assert "本年度，本机关未收到政府信息公开申请" in markdown(inst, draft=True)


def test_a_blank_figure_drops_the_sentence_instead_of_printing_a_wrong_one():
    inst = copy.deepcopy(load("2021"))
    inst["s3"]["new_received"]["total"] = None
    assert s3_figures(inst) is None
    md = markdown(inst, draft=True)
    assert "本机关新收" not in md
    assert "| 一、本年新收政府信息公开申请数量 | 3001 | 53 | 0 | 0 | 61 | 4 |  |" in md


def test_overview_parts_are_numbered_with_emphasised_lead_ins():
    parts = overview_parts([{"title": "主动公开", "body": "正文一\n\n正文二"}, {"title": "监督保障：", "body": ""}])
    assert (
        parts[0]["lead_in"] == "（一）主动公开。" and parts[0]["first"] == "正文一" and parts[0]["rest"] == ["正文二"]
    )
    assert parts[1]["lead_in"] == "（二）监督保障："
    assert (parts[1]["title_core"], parts[1]["title_end"]) == ("监督保障", "：")
    # punctuation outside the ** markers, or CommonMark leaves them literal
    assert "（一）**主动公开情况**。北沟镇政府" in markdown(load("2019"))


@pytest.mark.parametrize("version", sorted(VERSIONS))
@pytest.mark.parametrize("draft", [False, True])
def test_markdown_is_valid_commonmark(version, draft):
    """markdown-it-py's CommonMark preset (with GFM tables) leaves no literal ** and parses every table with
    the column count of its header."""
    from markdown_it import MarkdownIt

    from xlpy.render import tables as tables_mod

    inst = load(version)
    inst["text"]["overview"]["parts"][0]["title"] = "“放管服”改革"  # punctuation at both ends of the words
    md = markdown(inst, draft=draft, draft_reasons=["B7 本年新收“总计”与明细之和不符"] if draft else None)
    parser = MarkdownIt("commonmark").enable("table")
    tokens = parser.parse(md)
    inline = [t for t in tokens if t.type == "inline"]
    text = "".join(child.content for t in inline for child in t.children or [] if child.type == "text")
    assert "**" not in text and "*" not in text
    strong = [
        t.children[i + 1].content for t in inline for i, c in enumerate(t.children or []) if c.type == "strong_open"
    ]
    assert "“放管服”改革" in strong and len([s for s in strong if s.startswith("第二十条")]) >= 4
    # tables: every row has as many cells as the header; one table per markdown table of the model
    model = tables_mod.tables(version, inst)
    expected = [len(m.header) for key in ("s2", "s3", "s4") for m in model[key].md]
    found, row, counts = [], 0, []
    for t in tokens:
        if t.type == "table_open":
            counts = []
        elif t.type == "tr_open":
            row = 0
        elif t.type in ("th_open", "td_open"):
            row += 1
        elif t.type == "tr_close":
            counts.append(row)
        elif t.type == "table_close":
            assert len(set(counts)) == 1, counts
            found.append(counts[0])
    assert found == expected


def test_paragraphs_split_on_line_breaks_and_drop_indents():
    assert paragraphs("　　第一段\r\n\n第二段  \n") == ["第一段", "第二段"]
    assert paragraphs(None) == [] and paragraphs("") == []


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (3119, "3119"),
        (-3, "-3"),
        (96171.6, "96171.6"),
        (72701.2578, "72701.2578"),
        (1e6, "1000000"),
        (0.1 + 0.2, "0.3"),
        (96171.6 + 1e-11, "96171.6"),
        (1.5e-7, "0"),
        (None, ""),
    ],
)
def test_number_filter(value, text):
    assert fmt_number(value) == text


def test_date_filter_has_no_zero_padding():
    assert fmt_date("2021-01-21") == "2021年1月21日"
    assert fmt_date("2025-03-05") == "2025年3月5日"
    assert fmt_date(None) == ""


def test_chinese_numerals():
    assert [cn_numeral(n) for n in (1, 7, 10, 11, 20, 23)] == ["一", "七", "十", "十一", "二十", "二十三"]


def test_context_headings_come_from_the_schema_for_both_versions():
    for version in VERSIONS:
        ctx = build(load(version), environment())
        assert list(ctx["headings"].values()) == HEADINGS


def test_unique_figures_render_everywhere():
    # Smoke test for the instance factory the HTML/DOCX table tests use.
    for version in VERSIONS:
        assert set(render(unique_figures(version), ("md", "html"))) == {"md", "html"}


# -- environment: loader chain, strictness, escaping -----------------------------------------


def test_deployment_override_extends_the_builtin(tmp_path):
    override = tmp_path / "report" / "common"
    override.mkdir(parents=True)
    (override / "s3_summary.txt.j2").write_text("本地措辞：收到{{ f.new|num }}件。", encoding="utf-8")
    (tmp_path / "report" / "2021").mkdir()
    (tmp_path / "report" / "2021" / "report.md.j2").write_text(
        '{% extends "default:report/2021/report.md.j2" %}{% block s6 %}## 六、本地第六部分\n\n{% endblock %}',
        encoding="utf-8",
    )
    md = markdown(load("2021"), templates_dir=tmp_path)
    assert "本地措辞：收到3119件。" in md
    assert "## 六、本地第六部分" in md and "## 五、存在的主要问题及改进情况" in md
    # The built-ins are untouched for everybody else.
    assert "本地措辞" not in markdown(load("2021"))


def test_override_naming_a_missing_field_fails_loudly(tmp_path):
    (tmp_path / "report" / "common").mkdir(parents=True)
    (tmp_path / "report" / "common" / "title.txt.j2").write_text("{{ no_such_field }}", encoding="utf-8")
    with pytest.raises(RenderError, match="不存在的数据"):
        render(load("2021"), ("md",), templates_dir=tmp_path)


def test_missing_override_dir_is_a_render_error(tmp_path):
    with pytest.raises(RenderError):
        render(load("2021"), ("md",), templates_dir=tmp_path / "nope")


def test_environment_is_built_once_per_directory():
    assert environment() is environment()
    env = environment()
    assert env.autoescape("report/common/report.html.j2") and env.autoescape("report/common/report.xml.j2")
    assert not env.autoescape("report/common/report.md.j2")


def test_markdown_keeps_clerk_text_as_typed_and_draft_is_marked_on_top():
    inst = copy.deepcopy(load("2021"))
    inst["text"]["other"] = 'A&B <公开> "引号"'
    md = markdown(inst, draft=True)
    assert md.startswith("**草稿：未通过校验**\n\n# ")
    md = markdown(inst, draft=True, draft_reasons=["B7 数字不符", "C9 缺少说明"])
    assert md.startswith("**草稿：未通过校验。正式报告须先改正以下 2 项：B7 数字不符；C9 缺少说明。**\n\n# ")
    assert 'A&B <公开> "引号"' in md


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_workbook_renders_the_same_markdown_as_its_json(version):
    # The clerk's path: the example workbook through the one reader gives the reviewed golden.
    from xlpy.reader import read_workbook

    name = VERSIONS[version].replace(".json", "")
    workbook = GOLDEN.parent.parent / "workbook" / "examples" / f"{name}.xlsx"
    if not workbook.exists():
        pytest.skip("example workbook not built")
    data = read_workbook(workbook)
    assert markdown(data.instance) == (GOLDEN / f"{name}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("year", [2020, 2024])
def test_a_blank_workbook_renders_as_a_draft_in_every_format(year):
    import io

    from xlpy.reader import read_workbook
    from xlpy.workbook import build_workbook

    buf = io.BytesIO()
    build_workbook(year).save(buf)
    data = read_workbook(buf.getvalue(), name="blank.xlsx")
    out = render(data.instance, draft=True)
    md = out["md"].decode("utf-8")
    assert md.startswith("**草稿：未通过校验**") and f"# {year}年政府信息公开工作年度报告" in md
    assert "None" not in md and "None" not in out["html"].decode("utf-8")
    data.instance["meta"]["year"] = None
    md = render(data.instance, ("md",), draft=True)["md"].decode("utf-8")
    assert "None" not in md


def test_table_header_data_file_names_only_schema_columns():
    from xlpy.render.tables import _col_tree_from_spec, _leaves, _spec

    for version in VERSIONS:
        spec = _spec("s3")
        nodes = _col_tree_from_spec(version, spec["columns"], f"s3.{spec['column_titles_from']}")
        assert [k for k, _ in _leaves(nodes)] == [
            "natural_person",
            "commercial",
            "research",
            "public_interest",
            "legal_service",
            "other",
            "total",
        ]

"""`xlpy render`: validation gates the final report, --draft marks it, files are named by the title."""

from __future__ import annotations

import io
import json

import pytest

from tests.render_support import EXAMPLES, load
from xlpy.cli import run
from xlpy.model import Finding, Report

TITLE = "淮安市人民政府2024年政府信息公开工作年度报告"


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["render", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def validation(monkeypatch):
    """Replace the validator with a fixed outcome, so these tests pin the command's own behaviour."""
    state: dict = {"findings": [], "unusable": False}

    def fake(data, *, last_year=None, config):
        report = Report(
            file=str(data.source),
            format_version="2021",
            year=2024,
            org="淮安市人民政府",
            findings=list(state["findings"]),
            unusable=state["unusable"],
        )
        if state["unusable"]:
            report.error = {"code": "input", "message": "不是 Excel 工作簿（.xlsx）"}
        return report

    monkeypatch.setattr("xlpy.validate.validate", fake)
    return state


def test_final_report_in_every_format(validation, tmp_path):
    code, out, err = cli(str(EXAMPLES / "huaian-2024.json"), "-o", str(tmp_path / "out"))
    assert code == 0, err
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(f"{TITLE}.{ext}" for ext in ("md", "html", "docx", "json"))
    assert out.splitlines() == [str(tmp_path / "out" / f"{TITLE}.{ext}") for ext in ("md", "html", "docx", "json")]
    md = (tmp_path / "out" / f"{TITLE}.md").read_text(encoding="utf-8")
    assert md.startswith(f"# {TITLE}") and "草稿" not in md
    assert json.loads((tmp_path / "out" / f"{TITLE}.json").read_text(encoding="utf-8")) == load("2021")


def test_to_selects_formats(validation, tmp_path):
    code, _, _ = cli(str(EXAMPLES / "huaian-2024.json"), "-o", str(tmp_path), "--to", "md,html")
    assert code == 0
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".html", ".md"]


def test_unknown_format_is_a_usage_error(validation, tmp_path):
    code, _, err = cli(str(EXAMPLES / "huaian-2024.json"), "-o", str(tmp_path), "--to", "rtf")
    assert code == 2 and "不支持的格式 rtf" in err


def test_blocking_findings_refuse_the_final_report(validation, tmp_path):
    validation["findings"] = [
        Finding(
            "R-S3-1",
            "error",
            "本年新收与上年结转之和（3153）不等于办理结果总计与结转下年度之和（3152）",
            cells=["表三!J8"],
        ),
        Finding("C-3", "warning", "申请数量比上年增加超过一倍", cells=["表三!J5"]),
        Finding("C-4", "warning", "已说明的警告", cells=["表三!J6"], explained=True, explanation="机构合并"),
    ]
    code, out, err = cli(str(EXAMPLES / "huaian-2024.json"), "-o", str(tmp_path / "out"))
    assert code == 1 and out == ""
    assert not (tmp_path / "out").exists()
    assert "R-S3-1  表三!J8（错误）：本年新收与上年结转之和" in err
    assert "C-3  表三!J5（未说明的警告）" in err
    assert "C-4" not in err  # an explained warning does not block
    assert "--draft" in err


def test_draft_renders_a_marked_report(validation, tmp_path):
    validation["findings"] = [Finding("R-S3-1", "error", "不相等", cells=["表三!J8"])]
    code, _, err = cli(str(EXAMPLES / "huaian-2024.json"), "-o", str(tmp_path), "--draft", "--to", "md,docx")
    assert code == 0
    assert "已生成草稿" in err
    # the mark says what blocks: the finding's cell and message; the draft has its own file name
    md = (tmp_path / f"{TITLE}（草稿）.md").read_text(encoding="utf-8")
    assert md.startswith("**草稿：未通过校验。正式报告须先改正以下 1 项：表三!J8 不相等。**")
    assert not (tmp_path / f"{TITLE}.md").exists()  # a draft never takes the final report's name


def test_draft_flag_on_a_passing_report_gives_the_final_report(validation, tmp_path):
    code, _, _ = cli(str(EXAMPLES / "huaian-2024.json"), "-o", str(tmp_path), "--draft", "--to", "md")
    assert code == 0
    assert "草稿" not in (tmp_path / f"{TITLE}.md").read_text(encoding="utf-8")


def test_unusable_input_exits_2_with_the_message(validation, tmp_path):
    validation["unusable"] = True
    code, out, err = cli(str(EXAMPLES / "huaian-2024.json"), "-o", str(tmp_path / "out"))
    assert code == 2 and out == ""
    assert "不是 Excel 工作簿" in err and not (tmp_path / "out").exists()


def test_config_templates_dir_overrides_a_template(validation, tmp_path):
    override = tmp_path / "tpl" / "report" / "common"
    override.mkdir(parents=True)
    (override / "title.txt.j2").write_text("{{ org_name }}{{ year }}年度政务公开报告", encoding="utf-8")
    config = tmp_path / "xlpy.toml"
    config.write_text('templates_dir = "tpl"\n', encoding="utf-8")
    code, _, err = cli(
        str(EXAMPLES / "huaian-2024.json"), "-o", str(tmp_path / "out"), "--to", "md", "--config", str(config)
    )
    assert code == 0, err
    md = (tmp_path / "out" / f"{TITLE}.md").read_text(encoding="utf-8")
    assert md.startswith("# 淮安市人民政府2024年度政务公开报告")


def test_end_to_end_with_the_real_validator(tmp_path):
    # No stand-in: the real verdict on the example JSON (X-3 blocks); --draft renders a draft, named as one.
    code, _, err = cli(str(EXAMPLES / "beigou-2020.json"), "-o", str(tmp_path), "--draft", "--to", "md")
    assert code == 0, err
    assert [p.name for p in tmp_path.iterdir()] == ["蓬莱区北沟镇人民政府2020年政府信息公开工作年度报告（草稿）.md"]


def test_unwritable_output_is_reported_not_a_traceback(validation, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = cli(str(EXAMPLES / "huaian-2024.json"), "-o", str(blocker / "out"), "--to", "md")
    assert code == 2 and "无法写入输出目录" in err

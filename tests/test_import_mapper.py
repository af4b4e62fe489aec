"""The mapper on edited copies of xlpy's own Markdown: hybrids, label variants, run-together rows, blanks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from xlpy.importing import import_path
from xlpy.reader import read_workbook
from xlpy.render import render

EXAMPLES = Path(__file__).resolve().parent.parent / "workbook" / "examples"


@pytest.fixture(scope="module")
def huaian() -> dict:
    return read_workbook(EXAMPLES / "huaian-2024.xlsx").instance


def _md(instance: dict, tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    lines = render(instance, ("md",))["md"].decode("utf-8").splitlines()
    path = tmp_path / "report.md"
    path.write_text("\n".join(edit(lines)), encoding="utf-8")
    return path


def _replace(lines: list[str], needle: str, new: list[str]) -> list[str]:
    idx = [i for i, line in enumerate(lines) if needle in line]
    assert idx, needle
    return lines[: idx[0]] + new + lines[idx[-1] + 1 :]


def test_a_2019_row_inside_2021_tables_is_reported_not_placed(huaian: dict, tmp_path: Path) -> None:
    row = "| 三、本年度办理结果 （六）其他处理 | 181 | 5 | 0 | 0 | 1 | 0 | 187 |"
    imported = import_path(_md(huaian, tmp_path, lambda ls: _replace(ls, "（六）其他处理", [row])))
    assert imported.version == "2021"
    assert imported.instance["s3"]["results"]["other"]["no_correction"]["total"] is None
    assert any("混用格式" in n and "（六）其他处理" in n and "181" in n for n in imported.record.notes)
    listed = {p for a in imported.record.ambiguous for p in a["paths"]}
    assert "s3.results.other.unpaid_fee.natural_person" in listed
    assert imported.instance["s3"]["results"]["granted"] == huaian["s3"]["results"]["granted"]  # the rest intact


def test_a_2019_label_in_a_2021_table_is_read_and_noted(huaian: dict, tmp_path: Path) -> None:
    edit = lambda ls: [line.replace("| 行政规范性文件 |", "| 规范性文件 |") for line in ls]  # noqa: E731
    imported = import_path(_md(huaian, tmp_path, edit))
    assert imported.instance["s2"]["art20_1"]["normative"] == huaian["s2"]["art20_1"]["normative"]
    assert any("印作“规范性文件”" in n for n in imported.record.notes)


def test_run_together_row_split_by_its_total_and_a_blank_cell_stays_blank(huaian: dict, tmp_path: Path) -> None:
    def edit(lines: list[str]) -> list[str]:
        out = []
        for line in lines:
            if line.startswith("| 二、上年结转"):
                line = "| 二、上年结转政府信息公开申请数量 | 3400000 34 |"  # 34|0|0|0|0|0 then the total 34
            elif line.startswith("| 四、结转下年度"):
                line = "| 四、结转下年度继续办理 | 103 | 0 | 0 | 0 | 0 |  | 103 |"  # 其他 printed blank
            out.append(line)
        return out

    imported = import_path(_md(huaian, tmp_path, edit))
    assert imported.instance["s3"]["carried_over"] == huaian["s3"]["carried_over"]
    assert imported.record.fields["s3.carried_over.commercial"].status == "split"
    forward = imported.instance["s3"]["carried_forward"]
    assert forward["other"] is None and forward["natural_person"] == 103  # blank is not 0
    assert imported.record.fields["s3.carried_forward.other"].note == "印为空白"


def test_ambiguous_run_is_listed_with_its_digits(huaian: dict, tmp_path: Path) -> None:
    edit = lambda ls: [  # noqa: E731
        "| 规章 | 1011 |" if line.startswith("| 规章 |") else line for line in ls
    ]  # 1|0|11, 10|1|1, 1|01… : 表二 has no 总计 to decide
    imported = import_path(_md(huaian, tmp_path, edit))
    assert imported.instance["s2"]["art20_1"]["rules"] == {"issued": None, "repealed": None, "in_force": None}
    entry = next(a for a in imported.record.ambiguous if "s2.art20_1.rules.issued" in a["paths"])
    assert entry["text"] == "1011" and "无法确定" in entry["reason"]
    assert ["1", "0", "11"] in entry["splits"] and ["10", "1", "1"] in entry["splits"]  # the proof, listed
    assert entry["split_count"] == len(entry["splits"])


def test_importing_needs_no_adapter_library(tmp_path: Path, huaian: dict) -> None:
    page = tmp_path / "report.html"
    page.write_bytes(render(huaian, ("html",))["html"])
    script = (
        "import sys\n"
        "for m in ('xlwings', 'fastapi', 'starlette', 'uvicorn', 'rich'): sys.modules[m] = None\n"
        "from xlpy.importing import import_path\n"
        "print(import_path(sys.argv[1]).instance['meta']['org_name'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(page)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "淮安市人民政府"


def _unlabel(lines: list[str], labels: dict[str, str]) -> list[str]:
    """Rows printed without their label cell (a converter moving it away); labels maps a label to new figures."""
    out = []
    for line in lines:
        hit = next((k for k in labels if line.startswith("| 三、本年度办理结果 " + k)), None)
        if hit is not None:
            cells = line.strip("|").split("|")[1:]
            line = "| " + (labels[hit] or " | ".join(c.strip() for c in cells)) + " |"
        out.append(line)
    return out


def test_figure_rows_without_labels_are_placed_by_reading_order_when_the_sums_hold(
    huaian: dict, tmp_path: Path
) -> None:
    gone = {"（三）不予公开 5.": "", "（四）无法提供 2.": "", "（四）无法提供 3.": ""}
    imported = import_path(_md(huaian, tmp_path, lambda ls: _unlabel(ls, gone)))
    results = imported.instance["s3"]["results"]
    assert results["withheld"]["internal_affairs"] == huaian["s3"]["results"]["withheld"]["internal_affairs"]
    assert results["unable"] == huaian["s3"]["results"]["unable"]
    source = imported.record.fields["s3.results.unable.unclear.total"]
    assert source.status == "inferred" and "按表格行序" in source.note and "“3.补正后申请内容仍不明确”" in source.note
    assert not [a for a in imported.record.ambiguous if a["paths"]]


def test_figure_rows_without_labels_stay_blank_when_a_column_sum_fails(huaian: dict, tmp_path: Path) -> None:
    # 7 1 0 0 0 0 8 becomes 6 1 0 0 0 0 7: the row adds up, but （七）总计 no longer equals the outcomes.
    gone = {"（三）不予公开 5.": "6 | 1 | 0 | 0 | 0 | 0 | 7"}
    imported = import_path(_md(huaian, tmp_path, lambda ls: _unlabel(ls, gone)))
    assert imported.instance["s3"]["results"]["withheld"]["internal_affairs"]["total"] is None
    listed = {p for a in imported.record.ambiguous for p in a["paths"]}
    assert "s3.results.withheld.internal_affairs.total" in listed


def test_figure_rows_without_labels_stay_blank_when_the_gap_does_not_match(huaian: dict, tmp_path: Path) -> None:
    # Two rows missing between 4. and 6. but one unlabelled figure row there: which is which is not known.
    def edit(lines: list[str]) -> list[str]:
        lines = _unlabel(lines, {"（三）不予公开 5.": ""})
        return [line for line in lines if "（三）不予公开 4." not in line]

    imported = import_path(_md(huaian, tmp_path, edit))
    withheld = imported.instance["s3"]["results"]["withheld"]
    assert withheld["internal_affairs"]["total"] is None and withheld["third_party"]["total"] is None

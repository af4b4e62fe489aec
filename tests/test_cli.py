"""The command-line contract: new/export round trip, validate output shapes, exit codes, quick start."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xlpy.cli import COMMANDS, run


def xlpy(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name, year", [("beigou-2020", 2020), ("huaian-2024", 2024)])
def test_new_with_data_then_export_round_trips(name: str, year: int, tmp_path: Path) -> None:
    src = Path(__file__).parent.parent / "workbook" / "examples" / f"{name}.json"
    code, _, err = xlpy("new", "--year", str(year), "--data", str(src), "-o", str(tmp_path / "x.xlsx"))
    assert code == 0, err
    code, _, err = xlpy("export", str(tmp_path / "x.xlsx"), "-o", str(tmp_path / "x.json"))
    assert code == 0, err
    assert json.loads((tmp_path / "x.json").read_text(encoding="utf-8")) == json.loads(src.read_text(encoding="utf-8"))


def test_new_blank_for_a_year(tmp_path: Path) -> None:
    code, out, _ = xlpy("new", "--year", "2020", "--org", "某镇人民政府", "-o", str(tmp_path / "t.xlsx"))
    assert code == 0 and "2020" in out
    code, out, _ = xlpy("export", str(tmp_path / "t.xlsx"))
    data = json.loads(out)
    assert (
        data["format_version"] == "2019" and data["meta"]["org_name"] == "某镇人民政府" and data["meta"]["year"] == 2020
    )


def test_new_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"clerk's work")
    code, _, err = xlpy("new", "--year", "2024", "-o", str(target))
    assert code == 2 and "已存在" in err and target.read_bytes() == b"clerk's work"


def test_new_rejects_year_before_2019(tmp_path: Path) -> None:
    code, _, err = xlpy("new", "--year", "2018", "-o", str(tmp_path / "t.xlsx"))
    assert code == 2 and "2019" in err


def test_new_data_of_other_version(tmp_path: Path) -> None:
    src = Path(__file__).parent.parent / "workbook" / "examples" / "beigou-2020.json"
    code, _, err = xlpy("new", "--year", "2020", "--data", str(src), "-o", str(tmp_path / "a.xlsx"))
    assert code == 0
    code, _, err = xlpy("new", "--year", "2024", "--data", str(src), "-o", str(tmp_path / "b.xlsx"))
    assert code == 2 and "2020" in err


def test_usage_errors_exit_2() -> None:
    code, _, _ = xlpy("new", "--year", "abc", "-o", "x.xlsx")
    assert code == 2
    code, _, _ = xlpy("validate")
    assert code == 2


def test_validate_json_shape(example_xlsx: Callable[[str], Path]) -> None:
    code, out, _ = xlpy("validate", str(example_xlsx("huaian-2024")), "--format", "json")
    report = json.loads(out)
    assert set(report) >= {"file", "format_version", "year", "org", "findings", "summary", "final_ok"}
    assert set(report["summary"]) >= {"errors", "warnings", "hints"}
    assert (report["format_version"], report["year"], report["org"]) == ("2021", 2024, "淮安市人民政府")
    assert code == (0 if report["final_ok"] else 1)
    for f in report["findings"]:
        assert set(f) >= {"rule", "severity", "message", "cells"}


def test_validate_text_groups_by_section(make_workbook: Callable[..., Path], instance: Callable[[str], Any]) -> None:
    wb = make_workbook(instance("huaian-2024"), {"s3.new_received.research": "三", "s4.review.total": 350})
    code, out, _ = xlpy("validate", str(wb))
    assert code == 1
    assert "【三、收到和处理政府信息公开申请情况】" in out and "【四、政府信息公开行政复议、行政诉讼情况】" in out
    assert out.index("【三、") < out.index("【四、")
    assert "表三!F8" in out and "表四!E8" in out and "未通过" in out


def test_help_lists_every_command() -> None:
    code, out, _ = xlpy("--help")
    assert code == 0
    for name in COMMANDS:
        assert name in out


def test_help_imports_no_heavy_library() -> None:
    """`xlpy --help` stays instant: openpyxl, jinja2, docx, fastapi, xlwings load only in their commands."""
    code = (
        "import sys, io; from xlpy.cli import run; run(['--help'], io.StringIO(), io.StringIO());"
        "print(sorted(m for m in ('openpyxl','jinja2','docx','fastapi','xlwings','jsonschema','python_calamine')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_validate_imports_no_writer_or_server() -> None:
    """The validate path reads with calamine only: no openpyxl, Jinja, python-docx or FastAPI at start-up."""
    example = Path(__file__).parent.parent / "workbook" / "examples" / "huaian-2024.xlsx"
    code = (
        "import sys, io; from xlpy.cli import run; run(['validate', sys.argv[1]], io.StringIO(), io.StringIO());"
        "print(sorted(m for m in ('openpyxl','jinja2','docx','fastapi','xlwings') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(example)], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_python_dash_m_runs() -> None:
    proc = subprocess.run([sys.executable, "-m", "xlpy", "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "xlpy" in proc.stdout


def test_results_carry_the_manual_checklist(example_xlsx: Callable[[str], Path]) -> None:
    """rules.md: what no program can check (保密审查, publication, no later edits) is printed with the results."""
    code, out, _ = xlpy("validate", str(example_xlsx("huaian-2024")))
    assert code == 0 and "发布前请人工确认" in out and "保密审查" in out
    _, out, _ = xlpy("validate", str(example_xlsx("huaian-2024")), "--format", "json")
    assert any("保密审查" in item for item in json.loads(out)["checklist"])

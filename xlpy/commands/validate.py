"""`xlpy validate`: check a workbook (or JSON) and print the findings for people or machines."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from typing import TextIO


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="年报工作簿（.xlsx）或 JSON 数据")
    p.add_argument("--format", choices=("text", "json"), default="text", help="输出格式：text 给人看，json 给程序用")
    p.add_argument("--last-year", help="上年度的工作簿或 JSON（执行跨年度规则 C-1…C-5）")
    p.add_argument("--config", help="部署配置文件（TOML）：调整规则级别、停用规则、地方选项")
    p.add_argument("--org-type", help="已发布的年报（PDF、网页、DOCX、文本）：机关类型，无法由机关名称推断时")


def _published_hints(org_type: str | None) -> contextlib.AbstractContextManager[None]:
    """--org-type reaches the importer of a published report (a workbook states its 机关类型 itself)."""
    if not org_type:
        return contextlib.nullcontext()
    from xlpy.errors import InputError
    from xlpy.importing import hints
    from xlpy.schema import org_types

    if org_type not in org_types():
        raise InputError(f"--org-type：没有机关类型“{org_type}”；可选：{'、'.join(org_types())}")
    return hints(org_type=org_type)


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xlpy.config import load_config
    from xlpy.verdict import check

    config = load_config(args.config, env=os.environ)  # the environment ($XLPY_CONFIG) is read here, once
    with _published_hints(args.org_type):
        verdict = check(args.file, last_year=args.last_year, config=config)
    if args.format == "json":
        stdout.write(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        from xlpy.findings_text import format_text

        report = verdict.report
        (stderr if report.unusable and not report.findings else stdout).write(format_text(verdict))
    return verdict.exit_code

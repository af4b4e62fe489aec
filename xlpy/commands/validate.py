"""`xlpy validate`: check a workbook (or JSON) and print the findings for people or machines."""

from __future__ import annotations

import argparse
import json
from typing import TextIO


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="年报工作簿（.xlsx）或 JSON 数据")
    p.add_argument("--format", choices=("text", "json"), default="text", help="输出格式：text 给人看，json 给程序用")
    p.add_argument("--last-year", help="上年度的工作簿或 JSON（执行跨年度规则 C-1…C-5）")
    p.add_argument("--config", help="部署配置文件（TOML）：调整规则级别、停用规则、地方选项")
    p.add_argument("--org-type", help="已发布的年报（PDF、网页、DOCX、文本）：机关类型，无法由机关名称推断时")


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xlpy.config import load_config
    from xlpy.errors import InputError
    from xlpy.importing import hints
    from xlpy.schema import org_types
    from xlpy.verdict import check

    config = load_config(args.config)  # the environment ($XLPY_CONFIG) is read here, once
    if args.org_type and args.org_type not in org_types():
        raise InputError(f"--org-type：没有机关类型“{args.org_type}”；可选：{'、'.join(org_types())}")
    with hints(org_type=args.org_type):  # used only if the file is a published report
        verdict = check(args.file, last_year=args.last_year, config=config)
    if args.format == "json":
        stdout.write(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        from xlpy.findings_text import format_text

        report = verdict.report
        (stderr if report.unusable and not report.findings else stdout).write(format_text(verdict))
    return verdict.exit_code

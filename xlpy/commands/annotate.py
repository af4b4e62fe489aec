"""`xlpy annotate`: write a copy of a workbook with the 校验结果 sheet and marked cells (for WPS users)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="年报工作簿（.xlsx 或 .xlsm）；原文件不会被修改")
    p.add_argument("-o", "--output", help="输出文件（默认：原文件名加“-校验结果”）；不能与原文件相同")
    p.add_argument("--last-year", help="上年度的工作簿或 JSON（执行跨年度规则）")
    p.add_argument("--config", help="部署配置文件（TOML）：调整规则级别、停用规则、地方选项")
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖（与 xlpy new 相同）")


def default_output(source: Path) -> Path:
    suffix = source.suffix if source.suffix.lower() in (".xlsx", ".xlsm") else ".xlsx"
    return source.with_name(f"{source.stem}-校验结果{suffix}")


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xlpy.annotate import annotate_path
    from xlpy.config import load_config

    source = Path(args.file)
    output = Path(args.output) if args.output else default_output(source)
    from xlpy.annotate import same_file

    if output.exists() and not args.force and not same_file(source, output):  # onto itself: refused below
        from xlpy.errors import InputError

        raise InputError(f"{output} 已存在。为免覆盖上次的结果，请用 -o 换一个文件名，或加 --force。", code="exists")
    config = load_config(args.config, env=os.environ)
    verdict = annotate_path(source, output, last_year=args.last_year, config=config)
    if verdict.report.unusable:
        message = verdict.message
        if source.name not in message:  # F-0 and other findings speak of the workbook, not the file
            message = f"{source}：{message}"
        stderr.write(f"xlpy：{message}\n")
        return verdict.exit_code
    stdout.write(f"{verdict.status_line}\n已写入：{output}\n")
    return verdict.exit_code

"""`xlpy fill-zeros`: a copy of a workbook with 0 in every blank number cell of 表二/表三/表四 (空白填0 by file)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="年报工作簿（.xlsx 或 .xlsm）；原文件不会被修改")
    p.add_argument("-o", "--output", help="输出文件（默认：原文件名加“-填0”）；不能与原文件相同")
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖它")


def default_output(source: Path) -> Path:
    suffix = source.suffix if source.suffix.lower() in (".xlsx", ".xlsm") else ".xlsx"
    return source.with_name(f"{source.stem}-填0{suffix}")


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xlpy.fill_zeros import fill_zeros_path

    source = Path(args.file)
    output = Path(args.output) if args.output else default_output(source)
    filled = fill_zeros_path(source, output, force=args.force)
    if not filled.count:
        stdout.write("表二、表三、表四没有空白的数字单元格，未写入文件。\n")
        return 0
    shown = "、".join(filled.cells[:5]) + (f" 等 {filled.count} 处" if filled.count > 5 else "")
    stdout.write(f"已在 {filled.count} 个空白的数字单元格中填入 0（{shown}）。\n已写入：{output}\n请核对后再校验。\n")
    return 0

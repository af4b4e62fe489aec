"""`xlpy export`: a workbook's report data as the schema's JSON instance."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="填好的年报工作簿（.xlsx）")
    p.add_argument("-o", "--output", default="-", help="输出的 JSON 文件（默认输出到屏幕）")


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xlpy.reader import read_workbook

    data = read_workbook(args.file)
    text = json.dumps(data.instance, ensure_ascii=False, indent=2) + "\n"
    if args.output == "-":
        stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        stderr.write(f"已导出 {args.output}\n")
    return 0

"""`xlpy check-docx`: check a DOCX report against GB/T 9704 and the official tables; exit codes as validate."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="年度报告 Word 文档（.docx），可以是改过的 xlpy 输出或本机关自制的文档")
    p.add_argument("--format", choices=("text", "json"), default="text", help="输出格式：text 给人看，json 给程序用")


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xlpy.docx_check import check_docx
    from xlpy.errors import InputError

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        stderr.write(f"xlpy：无法读取 {path}：{exc.strerror or exc}\n")
        return 2
    try:
        findings = check_docx(data, path.name)
    except InputError as exc:
        if args.format == "json":
            stdout.write(json.dumps({"file": path.name, "error": exc.message}, ensure_ascii=False) + "\n")
        stderr.write(f"xlpy：{exc.message}\n")
        return 2
    if args.format == "json":
        body = {"file": path.name, "ok": not findings, "findings": [f.to_dict() for f in findings]}
        stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    elif not findings:
        stdout.write(
            f"{path.name}：符合 GB/T 9704-2012 的基本要求（纸张、版心、字体字号、行数字数、页码、标题、表格）。\n"
        )
    else:
        stdout.write(f"{path.name}：发现 {len(findings)} 处不符合：\n")
        for f in findings:
            stdout.write(f"  - [{f.clause}]{' ' + f.where if f.where else ''}：{f.message}\n")
    return 1 if findings else 0

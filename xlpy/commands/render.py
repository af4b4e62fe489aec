"""`xlpy render`: validate a workbook, then write the report as Markdown, HTML, DOCX, JSON (and PDF)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from xlpy.formats import DEFAULT_NAMES, NAMES

if TYPE_CHECKING:
    from xlpy.verdict import Verdict


def _formats(text: str) -> tuple[str, ...]:
    from xlpy.errors import InputError
    from xlpy.formats import parse_formats

    try:
        return parse_formats(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.message) from exc


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="年报工作簿（.xlsx）或 JSON 数据")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="输出目录（不存在则创建）")
    p.add_argument(
        "--to",
        type=_formats,
        default=DEFAULT_NAMES,
        metavar=",".join(NAMES),
        help=f"输出格式，逗号分隔（默认 {','.join(DEFAULT_NAMES)}；pdf 需安装 LibreOffice）",
    )
    p.add_argument(
        "--seal",
        action="store_true",
        help="按加盖印章的公文编排署名和成文日期（GB/T 9704 7.3.5.1），默认不加盖印章（7.3.5.2）",
    )
    p.add_argument("--draft", action="store_true", help="校验未通过也生成，并醒目标注“草稿：未通过校验”")
    p.add_argument("--last-year", help="上年度的工作簿或 JSON（执行跨年度规则；跨年度的错误同样阻止正式报告）")
    p.add_argument("--config", help="部署配置文件（TOML），可指定报告模板覆盖目录 templates_dir")


def _blocking(verdict: Verdict) -> list[str]:
    """The findings that stop the final report, one short line each: rule, cell, message."""
    lines = []
    for f in verdict.blocking:
        where = f.cells[0] if f.cells else (f.paths[0] if f.paths else "")
        kind = "错误" if f.severity == "error" else "未说明的警告"
        lines.append(f"  - {f.rule}{'  ' + where if where else ''}（{kind}）：{f.message}")
    return lines


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xlpy.config import load_config
    from xlpy.verdict import Status, check

    config = load_config(args.config, env=os.environ)
    verdict = check(args.file, last_year=args.last_year, config=config)
    if verdict.status is Status.UNUSABLE:
        stderr.write(f"xlpy：{verdict.refusal()}\n")
        return verdict.exit_code
    if not verdict.allows(args.draft):
        stderr.write(f"{verdict.refusal()}\n")
        stderr.writelines(line + "\n" for line in _blocking(verdict))
        stderr.write("如需先看草稿，请加 --draft（报告将标注“草稿：未通过校验”）。\n")
        return verdict.exit_code
    # A RenderError (a broken override, no LibreOffice for pdf) is exit code 2 through cli.py.
    outputs = verdict.render(args.to, draft=args.draft, seal=bool(args.seal))
    outdir = Path(args.output)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        for fmt, payload in outputs.items():
            path = outdir / verdict.file_name(fmt, draft=args.draft)
            path.write_bytes(payload)
            stdout.write(f"{path}\n")
    except OSError as exc:
        stderr.write(f"xlpy：无法写入输出目录 {outdir}：{exc.strerror or exc}\n")
        return 2
    if verdict.is_draft(args.draft):
        stderr.write(f"已生成草稿（{verdict.status_line}）\n")
    return 0

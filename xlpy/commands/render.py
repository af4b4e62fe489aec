"""`xlpy render`: validate a workbook, then write the report as Markdown, HTML, DOCX, JSON (and PDF)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from xlpy.model import Report

_FORMATS = ("md", "html", "docx", "json", "pdf")
_DEFAULT = ("md", "html", "docx", "json")  # pdf on request: it needs LibreOffice


def _formats(text: str) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(t.strip().lower() for t in text.replace("，", ",").split(",") if t.strip()))
    bad = [t for t in items if t not in _FORMATS]
    if bad or not items:
        raise argparse.ArgumentTypeError(f"不支持的格式 {'、'.join(bad) or '（空）'}，可选：{','.join(_FORMATS)}")
    return items


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="年报工作簿（.xlsx）或 JSON 数据")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="输出目录（不存在则创建）")
    p.add_argument(
        "--to",
        type=_formats,
        default=_DEFAULT,
        metavar="md,html,docx,json,pdf",
        help="输出格式，逗号分隔（默认 md,html,docx,json；pdf 需安装 LibreOffice）",
    )
    p.add_argument(
        "--seal",
        action="store_true",
        help="按加盖印章的公文编排署名和成文日期（GB/T 9704 7.3.5.1），默认不加盖印章（7.3.5.2）",
    )
    p.add_argument("--draft", action="store_true", help="校验未通过也生成，并醒目标注“草稿：未通过校验”")
    p.add_argument("--config", help="部署配置文件（TOML），可指定报告模板覆盖目录 templates_dir")


def _reasons(report: Report) -> list[str]:
    """The blocking findings as the draft mark lists them: cell, then message."""
    out = []
    for f in report.findings:
        if f.blocks:
            where = f.cells[0] if f.cells else (f.paths[0] if f.paths else "")
            out.append(f"{where + ' ' if where else ''}{f.message}".strip())
    return out


def _blocking(report: Report) -> list[str]:
    """The findings that stop the final report, one short line each: rule, cell, message."""
    lines = []
    for f in report.findings:
        if f.blocks:
            where = f.cells[0] if f.cells else (f.paths[0] if f.paths else "")
            kind = "错误" if f.severity == "error" else "未说明的警告"
            lines.append(f"  - {f.rule}{'  ' + where if where else ''}（{kind}）：{f.message}")
    return lines


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xlpy.config import load_config
    from xlpy.render import file_name, render
    from xlpy.validate import validate_path

    config = load_config(args.config)
    data, report = validate_path(args.file, config=config)
    if report.exit_code == 2 or data is None:
        error = getattr(report, "error", None)
        messages = ([error["message"]] if error else []) + [f.message for f in report.findings]
        messages = list(dict.fromkeys(messages)) or ["文件无法使用"]
        stderr.write(f"xlpy：无法生成报告：{'；'.join(messages)}\n")
        return 2
    if not report.final_ok and not args.draft:
        lines = _blocking(report)
        stderr.write(f"未生成正式报告：有 {len(lines)} 项问题须先改正（警告也可在「说明」表中写明理由）：\n")
        stderr.write("\n".join(lines) + "\n")
        stderr.write("如需先看草稿，请加 --draft（报告将标注“草稿：未通过校验”）。\n")
        return 1
    draft = bool(args.draft) and not report.final_ok
    # A RenderError (a broken override, no LibreOffice for pdf) is exit code 2 through cli.py.
    outputs = render(
        data.instance,
        args.to,
        draft=draft,
        templates_dir=config.templates_dir,
        draft_reasons=_reasons(report) if draft else None,
        seal=bool(args.seal),
    )
    outdir = Path(args.output)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        for fmt, payload in outputs.items():
            path = outdir / file_name(data.instance, fmt)
            path.write_bytes(payload)
            stdout.write(f"{path}\n")
    except OSError as exc:
        stderr.write(f"xlpy：无法写入输出目录 {outdir}：{exc.strerror or exc}\n")
        return 2
    if draft:
        stderr.write(f"已生成草稿（校验未通过，{len(_blocking(report))} 项问题），正式报告须先改正。\n")
    return 0

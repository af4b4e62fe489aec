"""`xlpy new`: a blank (or JSON-filled) workbook for the format version a report year requires."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from xlpy.errors import InputError, os_reason


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, required=True, help="报告年度，如 2024（决定使用哪一版格式）")
    p.add_argument("--org", help="机关名称（预先填入基本信息）")
    p.add_argument("--data", help="用 JSON 数据填写工作簿（xlpy export 的格式）")
    p.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件（加 --macros 时为 .xlsm）")
    p.add_argument(
        "--macros",
        action="store_true",
        help="生成带宏按钮（校验、生成报告、空白填0）的 .xlsm：按钮经 xlwings 的 VBA 客户端调用 xlpy 服务器",
    )
    p.add_argument("--server", default="", help="与 --macros 一起用：预先填入“按钮”工作表的服务器地址（及令牌）")
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xlpy.workbook import build_workbook

    out = Path(args.output)
    want = ".xlsm" if args.macros else ".xlsx"
    if out.suffix.lower() != want:
        if out.suffix.lower() == ".xlsm":
            raise InputError(f"{out}：.xlsm 是带宏的工作簿，请加 --macros（或改用 .xlsx）。")
        raise InputError(f"输出文件应以 {want} 结尾：{out}")
    if args.server and not args.macros:
        raise InputError("--server 只用于带宏按钮的工作簿，请同时加 --macros。")
    if out.exists() and not args.force:
        raise InputError(f"{out} 已存在。为免覆盖已填写的内容，请换一个文件名，或加 --force。")
    data = None
    if args.data:
        path = Path(args.data)
        if not path.is_file():
            raise InputError(f"找不到数据文件：{path}")
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}：不是有效的 JSON（文字编码不是 UTF-8）。请用 UTF-8 编码保存。") from exc
        except json.JSONDecodeError as exc:  # json's own text is English
            raise InputError(f"{path}：不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列有误）。") from exc
        if not isinstance(data, dict):
            raise InputError(f"{path}：JSON 顶层应为对象。")
        year = data.get("meta", {}).get("year") if isinstance(data.get("meta"), dict) else None
        if isinstance(year, int) and year != args.year:
            raise InputError(f"{path}：数据的报告年度是 {year}，与 --year {args.year} 不一致。")
    wb = build_workbook(args.year, org=args.org, data=data)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        if args.macros:
            out.write_bytes(macro_workbook(wb, args.server.strip()))
        else:
            wb.save(out)
    except OSError as exc:
        raise InputError(f"无法写入 {out}：{os_reason(exc)}") from exc
    stdout.write(f"已生成 {out}（{args.year} 年度{'，含宏按钮：打开后请点“启用内容”' if args.macros else ''}）\n")
    return 0


def macro_workbook(wb: Any, server: str) -> bytes:
    """The .xlsm bytes: the workbook plus the 按钮 sheet, its buttons and the VBA project."""
    from xlpy.excel import macro_book

    return macro_book.macro_workbook(wb, server)

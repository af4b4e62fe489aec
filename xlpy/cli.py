"""The `xlpy` command line: parses arguments and dispatches to one module per command under xlpy/commands/."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from typing import TextIO

from xlpy.argparse_zh import ChineseParser

# Each command lives in xlpy/commands/<name>.py with `add_arguments(parser)` and
# `run(args, stdout, stderr) -> int`. Modules are imported only for the command being run,
# so `xlpy --help` and `xlpy validate` never pay for openpyxl, FastAPI or python-docx.
COMMANDS: dict[str, str] = {
    "new": "生成空白（或按 JSON 数据填好的）年报工作簿",
    "validate": "校验工作簿（格式、勾稽关系、文字与表格一致性）",
    "export": "把工作簿导出为 JSON 数据",
    "render": "生成年度报告（Markdown、HTML、DOCX、JSON、PDF）",
    "check-docx": "检查 Word 年度报告是否符合 GB/T 9704 公文格式和规定的表格",
    "annotate": "生成带校验结果和标记的工作簿副本（适用于 WPS）",
    "fill-zeros": "生成副本：表二、表三、表四空白的数字单元格填 0",
    "batch": "批量校验多个单位的工作簿并汇总",
    "rules": "列出全部校验规则",
    "serve": "启动 HTTP 服务（Excel 加载项、上传页面、API、工作台）",
    "import": "把已发布的年报（PDF、网页、DOCX、文本）导入为年报数据",
    "agencies": "工作台：导入机构名录、生成访问令牌",
}
# A command whose name is a Python keyword lives in a module of another name.
_MODULE_NAMES = {"import": "import_report", "check-docx": "check_docx", "fill-zeros": "fill_zeros"}


def _module(name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"xlpy.commands.{_MODULE_NAMES.get(name, name)}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser; with `only`, just that command's arguments are loaded (fast start)."""
    parser = ChineseParser(prog="xlpy", description="政府信息公开工作年度报告：填报、校验与生成")
    parser.add_argument("--version", action="version", version=_version(), help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=ChineseParser)
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if only == name:
            _module(name).add_arguments(p)
    return parser


def _version() -> str:
    from xlpy import __version__

    return f"xlpy {__version__}"


def run(argv: list[str], stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run one command and return its exit code (0 ok, 1 findings block, 2 unusable input/usage)."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    command = next((a for a in argv if a in COMMANDS), None)
    parser = build_parser(only=command)
    try:
        # argparse writes help/usage straight to sys.stdout/sys.stderr; route them to our streams.
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not args.command:
        parser.print_help(stdout)
        return 0
    from xlpy.config import register_cache_dir
    from xlpy.errors import XlpyError
    from xlpy.rules.disk_cache import set_directory

    set_directory(register_cache_dir(os.environ))  # the CLI's settings reach the core as arguments, never as env
    try:
        return int(_module(args.command).run(args, stdout, stderr))
    except XlpyError as exc:
        stderr.write(f"xlpy：{exc.message}\n")
        return 2
    except OSError as exc:  # a file a command writes or reads that no command caught: Chinese, exit 2, no traceback
        from xlpy.errors import os_reason

        where = f"{exc.filename}：" if exc.filename else ""
        stderr.write(f"xlpy：无法读写文件 {where}{os_reason(exc)}\n")
        return 2
    except KeyboardInterrupt:
        stderr.write("xlpy：已中断\n")
        return 130


def main() -> None:
    """Console entry point."""
    for stream in (sys.stdout, sys.stderr):
        # Chinese output on a terminal or pipe that is not UTF-8 must not crash the tool.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    sys.exit(run(sys.argv[1:]))

"""`xlpy batch`: validate every workbook under the inputs in parallel and write a summary for the supervisor."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from xlpy.formats import NAMES

EPILOG = """退出码：0 全部通过；1 至少一个工作簿存在阻止定稿的问题；2 至少一个文件无法使用（含上年度文件无法使用）、校验未完成或处理失败（或未找到工作簿）。
上年度对应：先按“机关名称 + 年度减一”匹配 --last-year-dir 中的工作簿，找不到再按去掉年份后的文件名匹配。
输出：OUTDIR/findings/<文件名>.json（每个文件的校验结果）、OUTDIR/reports/（--render 时）、
OUTDIR/summary.xlsx 与 OUTDIR/summary.csv（汇总表）、OUTDIR/汇总-<年度>.json 与 .xlsx（表二、三、四之和，
按年度各一份）、OUTDIR/指标.xlsx 与 指标.csv（每个工作簿的实质公开率等指标，按年度和机关类型排名）。"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="工作簿文件、目录或通配符（如 'reports/**/*.xlsx'）")
    parser.add_argument("-o", "--outdir", required=True, help="输出目录")
    parser.add_argument("--last-year-dir", metavar="DIR", help="上年度工作簿所在目录（用于跨年度核对）")
    parser.add_argument("--jobs", "-j", type=int, default=0, help="并行进程数（默认 CPU 核数）")
    parser.add_argument(
        "--render",
        metavar="FORMATS",
        default="",
        help=f"同时生成报告，格式用逗号分隔：{','.join(NAMES)}（仅对可定稿的工作簿）",
    )
    parser.add_argument("--draft", action="store_true", help="与 --render 同用：存在问题的工作簿也生成草稿")
    parser.add_argument(
        "--config", metavar="FILE", help="校验配置文件（TOML，与 xlpy validate 相同；默认 $XLPY_CONFIG）"
    )
    parser.add_argument(
        "--org-type",
        help="已发布的年报（PDF、网页、DOCX、文本）：机关名称无法确定机关类型时用的机关类型，如 县级人民政府",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="不显示进度")


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xlpy import batch, batch_inputs, batch_rollup, batch_rows, batch_summary, batch_worker
    from xlpy.config import load_config
    from xlpy.formats import parse_formats

    formats = parse_formats(args.render, allow_empty=True)  # an unknown format: InputError, exit 2
    if args.jobs < 0:
        stderr.write("xlpy：--jobs 应为正整数\n")
        return 2
    paths, missing = batch_inputs.collect(args.inputs)
    stderr.writelines(f"xlpy：未找到工作簿：{item}\n" for item in missing)
    if not paths:
        from xlpy.file_kinds import workbook_suffixes

        stderr.write(f"xlpy：没有找到任何工作簿（{'/'.join(workbook_suffixes())}）\n")
        return 2
    outdir = Path(args.outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        stderr.write(f"xlpy：无法创建输出目录 {outdir}：{exc.strerror or exc}\n")
        return 2
    index: dict[str, Any] = {}
    if args.last_year_dir:
        last_dir = Path(args.last_year_dir)
        if not last_dir.is_dir():
            stderr.write(f"xlpy：上年度目录不存在：{last_dir}\n")
            return 2
        last_paths, _ = batch_inputs.collect([str(last_dir)])
        index = batch_inputs.index_last_year(last_paths)
    org_type = getattr(args, "org_type", None)
    if org_type:
        from xlpy.schema import org_types

        if org_type not in org_types():
            stderr.write(f"xlpy：--org-type：没有机关类型“{org_type}”；可选：{'、'.join(org_types())}\n")
            return 2
    config = load_config(args.config, env=os.environ)  # a broken config stops the run before any workbook is read
    specs = _indicator_specs(args.config)  # and so does a broken [workspace] table
    options = batch_worker.Options(
        outdir=outdir, formats=formats, draft=args.draft, last_year=index, config=config, org_type=org_type
    )
    started = time.perf_counter()
    with _progress(len(paths), stderr, quiet=args.quiet) as tick:
        rows = batch.run_batch(paths, options, jobs=args.jobs, progress=tick)
    elapsed = time.perf_counter() - started
    try:
        # Two passes over the spooled rows: summary.csv, then summary.xlsx.
        with _progress(2 * len(rows), stderr, quiet=args.quiet, label="写入汇总") as tick:
            batch_summary.write_summary(rows, outdir, progress=tick)
        batch_rollup.write(rows, outdir, duplicates=rows.duplicates, specs=specs, config=config)
        counts = rows.counts
        stdout.write(
            f"共 {len(rows)} 个文件（{elapsed:.1f} 秒）：通过 {counts['ok']}，有问题 {counts['blocked']}，"
            f"校验未完成 {counts['incomplete']}，无法使用 {counts['unusable']}，处理失败 {counts['failed']}。"
            f"汇总：{outdir / 'summary.xlsx'}\n"
        )
        if rows.duplicates:
            stdout.write(
                f"注意：{len(rows.duplicates)} 个机关的同一年度有多个工作簿，汇总中重复计入（H-3，见汇总表“备注”和汇总-<年度>.json）。\n"
            )
        return batch_rows.exit_code(rows)
    finally:
        rows.close()


def _indicator_specs(path: str | None) -> list[dict[str, Any]]:
    """The indicators with the config file's [workspace] thresholds (the same table `xlpy serve` reads)."""
    import tomllib

    from xlpy.config import find_config
    from xlpy.workspace.options import parse_options

    found = find_config(path, env=os.environ)
    table = tomllib.loads(found.read_text(encoding="utf-8")).get("workspace") if found else None
    return parse_options(table, f"配置文件 {found}").indicator_specs()


class _progress:
    """A rich progress bar on an interactive stderr; otherwise a plain line every ~10 % (or nothing with -q)."""

    def __init__(self, total: int, stream: TextIO, *, quiet: bool, label: str = "校验") -> None:
        self.total, self.stream, self.quiet, self.label = total, stream, quiet, label
        self.done = 0
        self._bar: Any = None
        self._task: Any = None
        self._step = max(1, total // 10)

    def __enter__(self) -> Callable[[Any], None]:
        if not self.quiet and _isatty(self.stream):
            try:
                from rich.console import Console
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

                self._bar = Progress(
                    TextColumn(self.label),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeRemainingColumn(),
                    console=Console(file=self.stream),
                    transient=True,
                )
                self._bar.__enter__()
                self._task = self._bar.add_task("", total=self.total)
            except ImportError:
                self._bar = None
        return self.tick

    def tick(self, item: Any) -> None:
        """One finished file (a row), or a number of summary rows written."""
        step = item if isinstance(item, int) else 1
        before, self.done = self.done, min(self.total, self.done + step)
        if self._bar is not None:
            self._bar.advance(self._task, step)
        elif not self.quiet and (self.done // self._step > before // self._step or self.done == self.total):
            self.stream.write(f"已{self.label} {self.done}/{self.total}\n")
            self.stream.flush()

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty()) and stream is sys.stderr
    except (AttributeError, ValueError):
        return False

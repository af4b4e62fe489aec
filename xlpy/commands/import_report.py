"""`xlpy import`: a published report (PDF, HTML, DOCX, text) back into report data, with its import record."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from xlpy.errors import InputError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="已发布的年报：.pdf（有文字层）、.html/.htm、.docx、.txt/.md")
    p.add_argument("-o", "--output", default="-", help="输出：data.json（默认输出到屏幕）或 年报.xlsx（填好的工作簿）")
    p.add_argument("--year", type=int, help="报告年度（标题中没有时）")
    p.add_argument("--org", help="机关名称（标题中没有或有误时）")
    p.add_argument("--org-type", help="机关类型（无法由机关名称推断时），如 县级人民政府")
    p.add_argument(
        "--record", help="把导入记录（每个字段的来源：读取 / 推断 / 空白，以及无法确定的单元格）写入此 JSON 文件"
    )
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xlpy import schema
    from xlpy.importing import import_path

    if args.org_type and args.org_type not in schema.org_types():
        raise InputError(
            f"--org-type：没有机关类型“{args.org_type}”；可选：{'、'.join(schema.org_types())}", code="input"
        )
    result = import_path(args.file, year=args.year, org=args.org, org_type=args.org_type)
    text = json.dumps(result.instance, ensure_ascii=False, indent=2) + "\n"
    out = None if args.output == "-" else Path(args.output)
    if out is not None and out.exists() and not args.force:
        raise InputError(f"{out} 已存在。请换一个文件名，或加 --force。", code="exists")
    if out is None:
        stdout.write(text)
    elif out.suffix.lower() in (".xlsx", ".xlsm"):
        from xlpy.workbook import build_workbook

        year = result.instance["meta"].get("year")
        if not isinstance(year, int):
            raise InputError(f"{args.file}：没有读到报告年度，无法选择工作簿格式；请加 --year。")
        wb = build_workbook(year, data=result.instance)
        _write(out, lambda: wb.save(out))
    else:
        _write(out, lambda: out.write_text(text, encoding="utf-8"))
    if args.record:
        record = json.dumps(result.record.to_dict(), ensure_ascii=False, indent=2) + "\n"
        rec_path = Path(args.record)
        _write(rec_path, lambda: rec_path.write_text(record, encoding="utf-8"))
    stderr.write(_summary(args.file, result) + "\n")
    return 0


def _write(path: Path, save) -> None:  # type: ignore[no-untyped-def]
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        save()
    except OSError as exc:
        raise InputError(f"无法写入 {path}：{exc.strerror}", code="write") from exc


def _summary(name: str, result) -> str:  # type: ignore[no-untyped-def]
    numbers = [s for p, s in result.record.fields.items() if p.startswith(("s2.", "s3.", "s4."))]
    by = {k: sum(1 for s in numbers if s.status == k) for k in ("read", "split", "inferred")}
    read = sum(by.values())
    how = f"其中按合计拆分 {by['split']} 个" + (f"、推断 {by['inferred']} 个，见导入记录" if by["inferred"] else "")
    lines = [
        f"已导入 {name}（{result.version} 年版格式）：表格单元格 {len(numbers)} 个，读出 {read} 个"
        f"（{how}），空白 {len(numbers) - read} 个。"
    ]
    for a in result.record.ambiguous:
        lines.append(f"  无法确定：{a['reason']}" + (f"（{a['where']}）" if a["where"] else ""))
    for n in result.record.notes:
        lines.append(f"  注意：{n}")
    return "\n".join(lines)

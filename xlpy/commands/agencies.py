"""`xlpy agencies`: import the registry (机构名录), list it, and issue clerk/supervisor tokens for the workspace."""

from __future__ import annotations

import argparse
from typing import TextIO


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="URL", help="工作台数据库（与 xlpy serve --db 相同；默认 ~/.local/share/xlpy/workspace.db）"
    )
    parser.add_argument("--config", metavar="FILE", help="配置文件（读取其中 [server] db）")
    sub = parser.add_subparsers(dest="action", metavar="操作", required=True, parser_class=type(parser))
    imp = sub.add_parser("import", help="导入机构名录（.xlsx 或 .csv）：有任何问题则全部不导入")
    imp.add_argument("file", help="名录文件，表头：机构编号、机构全称、机关类型、上级机构、联系方式")
    sub.add_parser("list", help="列出机构名录")
    tok = sub.add_parser("token", help="为机构生成访问令牌（只显示一次）")
    tok.add_argument("agency", help="机构编号")
    tok.add_argument(
        "--role", choices=["clerk", "supervisor"], default="clerk", help="clerk 填报人（默认）或 supervisor 审核人"
    )
    tok.add_argument("--label", help="令牌持有人（显示在提交和审核记录中）；默认为机构名称")


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xlpy.commands.serve import _database
    from xlpy.server.settings import load_settings
    from xlpy.workspace import registry
    from xlpy.workspace.database import open_database
    from xlpy.workspace.store import Store

    configured = load_settings(args.config).db if args.config else None
    store = Store(open_database(_database(args.db, configured)))
    try:
        if args.action == "import":
            try:
                rows = registry.load(args.file, store.agencies())
            except registry.RegistryError as exc:
                stderr.write(f"xlpy：{exc.message}\n")
                stderr.writelines(f"  {p}\n" for p in exc.problems)
                return 2
            added, updated = store.save_agencies(rows)
            stdout.write(f"已导入机构名录 {args.file}：新增 {added} 个机构，更新 {updated} 个\n")
        elif args.action == "list":
            for a in store.agencies():
                stdout.write(f"{a['id']}\t{a['name']}\t{a['org_type']}\t{a['parent_id'] or ''}\t{a['contact']}\n")
        else:
            agency = store.agency(args.agency)
            label = args.label or (agency["name"] if agency else args.agency)
            token = store.issue_token(args.role, args.agency, label)
            stdout.write(token + "\n")
            role = "审核人" if args.role == "supervisor" else "填报人"
            stderr.write(f"已为 {label} 生成{role}令牌（只显示这一次，请妥善转交）\n")
    finally:
        store.engine.dispose()
    return 0

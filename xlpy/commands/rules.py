"""`xlpy rules`: list the rule register (ID, severity, format versions, title), as text or JSON."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any, TextIO

from xlpy.model import SEVERITY_ZH


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text", help="输出格式（默认 text）")
    parser.add_argument(
        "--version",
        dest="format_version",
        type=_format_version,
        metavar="版本或年度",
        help="只列出某一格式版本适用的规则：2019、2021，或报告年度（如 2020 → 2019 年版）",
    )
    parser.add_argument("--config", help="配置文件（TOML）：按配置显示级别和是否启用；也可用环境变量 XLPY_CONFIG")


def _format_version(text: str) -> str:
    """A format version (2019, 2021) or a report year, as the format version it uses."""
    from xlpy.schema import known_versions, version_for_year

    text = text.strip()
    if text in known_versions():
        return text
    version = version_for_year(int(text)) if text.isdigit() and len(text) == 4 else None
    if version is None:
        raise argparse.ArgumentTypeError(
            f"“{text}”既不是格式版本（{'、'.join(known_versions())}），也不是 2019 年及以后的报告年度"
        )
    return version


def listing(format_version: str | None = None, config: Any = None) -> list[dict[str, Any]]:
    """The register as rows; a rule that applies to several versions appears once."""
    from xlpy.rules.engine import effective
    from xlpy.rules.register import load_register, rule_order
    from xlpy.schema import known_versions

    rows: dict[str, dict[str, Any]] = {}
    for version in [format_version] if format_version else known_versions():
        for rule in load_register(version).rules:
            if rule.id in rows:
                continue
            row = rule.summary()
            severity, enabled = effective(rule, config, config.options if config is not None else {})
            row.update(severity=severity, enabled=enabled and rule.status != "retired", description=rule.description)
            rows[rule.id] = row
    return sorted(rows.values(), key=lambda r: rule_order(r["id"]))


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xlpy.config import load_config

    config = load_config(args.config, env=os.environ)
    rows = listing(args.format_version, config)
    if args.format == "json":
        payload = {"version": args.format_version, "config": config.to_dict(), "rules": rows}
        stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return 0
    for r in rows:
        flag = "" if r["enabled"] else "（未启用）"
        stdout.write(f"{r['id']:<8} {SEVERITY_ZH[r['severity']]}  {'/'.join(r['versions']):<9}  {r['title']}{flag}\n")
    stdout.write(f"共 {len(rows)} 条规则。级别：错误 阻止生成正式报告；警告 须修改或写说明；提示 仅供参考。\n")
    return 0

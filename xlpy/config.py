"""Deployment configuration (TOML): re-grade or disable rules, locality options, deadlines, template override."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlpy.errors import RegisterError
from xlpy.model import SEVERITIES

ENV = "XLPY_CONFIG"
CACHE_ENV = "XLPY_CACHE_DIR"  # where compiled rule registers are kept; empty: nowhere (xlpy.rules.disk_cache)
# Locality options and their defaults. require_proposals: 一/六 must report 人大代表建议和政协提案 (rule L-1).
DEFAULT_OPTIONS: dict[str, Any] = {"require_proposals": False, "deadlines": {}}
_TOP = {"rules", "options", "templates_dir"}
_OTHERS = {"server", "workspace"}  # [server] belongs to xlpy/server/settings.py, [workspace] to xlpy/workspace
_RULE_KEYS = {"severity", "enabled", "params"}
_MMDD = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")

EXAMPLE = """\
# xlpy 配置文件示例（TOML）
templates_dir = "my-templates"        # 报告模板覆盖目录（相对本文件）

[rules."N-1"]
severity = "error"                    # error | warning | hint

[rules."C-4"]
enabled = false                       # 停用某条规则

[options]
require_proposals = true              # 一/六须报告人大代表建议和政协提案（规则 L-1）

[options.deadlines]                   # 按机关类型改写发布期限（MM-DD，报告年度的次年）
"乡镇人民政府" = "02-15"
"""


@dataclass(frozen=True, slots=True)
class RuleSetting:
    """A deployment's override for one rule."""

    severity: str | None = None
    enabled: bool | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.severity is not None:
            out["severity"] = self.severity
        if self.enabled is not None:
            out["enabled"] = self.enabled
        if self.params:
            out["params"] = dict(self.params)
        return out


@dataclass(frozen=True, slots=True)
class Config:
    """The active configuration; the default one changes nothing."""

    file: str | None = None
    rules: Mapping[str, RuleSetting] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=lambda: {**DEFAULT_OPTIONS, "deadlines": {}})
    templates_dir: str | None = None

    def deadline(self, org_type: str) -> str | None:
        """MM-DD deadline (in the year after the report year) for a 机关类型, config first, then the schema."""
        from xlpy.schema import org_types

        info = org_types().get(org_type)
        return self.options["deadlines"].get(org_type) or (info["deadline"] if info else None)

    def to_dict(self) -> dict[str, Any]:
        """What the JSON output shows as the active configuration (deadlines fully resolved)."""
        from xlpy.schema import org_types

        deadlines = {k: v["deadline"] for k, v in org_types().items()}
        deadlines.update(self.options.get("deadlines", {}))
        return {
            "file": self.file,
            "rules": {rid: s.to_dict() for rid, s in sorted(self.rules.items())},
            "options": {**self.options, "deadlines": deadlines},
            "templates_dir": self.templates_dir,
        }


def find_config(path: str | os.PathLike[str] | None, *, env: Mapping[str, str]) -> Path | None:
    """--config first, then $XLPY_CONFIG of `env` (the front end's environment); None means defaults."""
    if path:
        return Path(path)
    if env.get(ENV):
        return Path(env[ENV])
    return None


def load_config(path: str | os.PathLike[str] | None, *, env: Mapping[str, str]) -> Config:
    """Load and check a configuration file (or the defaults). Raises RegisterError naming the file.

    `env` is the front end's environment (os.environ for the CLI and the desktop scripts): the
    core never reads the environment itself (tests/test_core_purity.py).
    """
    import tomllib

    found = find_config(path, env=env)
    if found is None:
        return Config()
    name = str(found)
    try:
        data = tomllib.loads(found.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegisterError(f"配置文件 {name} 无法读取：{exc.strerror or exc}", file=name) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RegisterError(f"配置文件 {name} 不是有效的 TOML：{exc}", file=name) from exc
    return parse_config(data, name, base=found.parent)


def parse_config(data: dict[str, Any], name: str = "<config>", *, base: Path | None = None) -> Config:
    """Check a parsed configuration: unknown keys, unknown rule IDs, bad severities, bad deadlines."""
    from xlpy.rules.register import all_rule_ids, declared_params
    from xlpy.schema import org_types

    def fail(problem: str) -> RegisterError:
        return RegisterError(f"配置文件 {name}：{problem}", file=name)

    unknown = set(data) - _TOP - _OTHERS
    if unknown:
        raise fail(f"未知的配置项 {', '.join(sorted(unknown))}（可用：{', '.join(sorted(_TOP))}）")
    known_ids = all_rule_ids()
    rules: dict[str, RuleSetting] = {}
    raw_rules = data.get("rules", {})
    if not isinstance(raw_rules, dict):
        raise fail("[rules] 应为表")
    for rid, setting in raw_rules.items():
        if rid not in known_ids:
            raise fail(f"未知的规则编号 {rid}")
        if not isinstance(setting, dict):
            raise fail(f'[rules."{rid}"] 应为表')
        bad = set(setting) - _RULE_KEYS
        if bad:
            raise fail(f'[rules."{rid}"] 中未知的配置项 {", ".join(sorted(bad))}（可用：severity, enabled, params）')
        severity = setting.get("severity")
        if severity is not None and severity not in SEVERITIES:
            raise fail(f'[rules."{rid}"] severity 应为 error、warning 或 hint，实为 {severity!r}')
        enabled = setting.get("enabled")
        if enabled is not None and not isinstance(enabled, bool):
            raise fail(f'[rules."{rid}"] enabled 应为 true 或 false')
        params = setting.get("params", {})
        declared = declared_params(rid) - {"fields"}  # fields are checked and expanded when the register loads
        if not isinstance(params, dict) or set(params) - declared:
            raise fail(f'[rules."{rid}"] params 只能改写规则已有的参数（{", ".join(sorted(declared)) or "无"}）')
        rules[rid] = RuleSetting(severity, enabled, dict(params))
    options = {**DEFAULT_OPTIONS, "deadlines": {}}
    raw_options = data.get("options", {})
    if not isinstance(raw_options, dict):
        raise fail("[options] 应为表")
    for key, value in raw_options.items():
        if key not in DEFAULT_OPTIONS:
            raise fail(f"[options] 中未知的配置项 {key}（可用：{', '.join(DEFAULT_OPTIONS)}）")
        if key == "require_proposals" and not isinstance(value, bool):
            raise fail("require_proposals 应为 true 或 false")
        if key == "deadlines":
            if not isinstance(value, dict):
                raise fail('[options.deadlines] 应为表：机关类型 = "MM-DD"')
            for org_type, mmdd in value.items():
                if org_type not in org_types():
                    raise fail(f"[options.deadlines] 中未知的机关类型 {org_type}")
                if not isinstance(mmdd, str) or not _MMDD.match(mmdd):
                    raise fail(f'[options.deadlines] {org_type} 的期限应写成 "MM-DD"，实为 {mmdd!r}')
            value = dict(value)
        options[key] = value
    templates = data.get("templates_dir")
    if templates is not None:
        if not isinstance(templates, str) or not templates:
            raise fail("templates_dir 应为目录路径")
        templates = str((base / templates) if base is not None and not Path(templates).is_absolute() else templates)
    return Config(name, rules, options, templates)


def register_cache_dir(env: Mapping[str, str]) -> Path | None:
    """The front end's directory for compiled registers: $XLPY_CACHE_DIR (empty: no disk cache), else
    $XDG_CACHE_HOME/xlpy, else ~/.cache/xlpy — what xlpy.rules.disk_cache.set_directory is given."""
    from xlpy.rules.disk_cache import default_directory

    root = env.get(CACHE_ENV)
    if root == "":
        return None
    if root:
        return Path(root)
    return Path(env["XDG_CACHE_HOME"]) / "xlpy" if env.get("XDG_CACHE_HOME") else default_directory()

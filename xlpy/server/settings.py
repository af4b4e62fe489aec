"""Server settings: limits, auth and CORS, read from a TOML/JSON file and the environment."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from xlpy.errors import InputError

MIB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Everything a deployer may tune. Defaults suit one intranet server with a few hundred clerks."""

    # One request body (a workbook plus, optionally, last year's). A report workbook is ~30–80 KB.
    max_upload_bytes: int = 10 * MIB
    # The zip-directory check, before any parser runs (a 0.43 MB bomb inflated to ~450 MB in every reader).
    zip_max_total_bytes: int = 100 * MIB  # sum of uncompressed member sizes
    zip_max_ratio: int = 200  # uncompressed / compressed, per member over 1 MB
    zip_max_members: int = 500
    time_limit_seconds: float = 30.0  # per request, queueing included
    max_conversions: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))  # at once
    token: str | None = None  # bearer token for /api and /xlwings; None = open (loopback/intranet)
    cors_origins: tuple[str, ...] = ()  # extra origins allowed to call the API from a browser
    validate_config: dict[str, Any] | None = None  # passed to validate(config=…)

    def reader_limits(self) -> Any:
        """The reader's zip-directory limits (xlpy.safety.Limits) for these settings."""
        from xlpy.safety import Limits

        return Limits(max_file_bytes=self.max_upload_bytes, max_uncompressed=self.zip_max_total_bytes,
                      max_ratio=int(self.zip_max_ratio), max_members=self.zip_max_members)

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given (non-None) fields replaced."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def load_settings(path: str | Path | None = None, *, environ: dict[str, str] | None = None) -> Settings:
    """Settings from a config file (`[server]` table of a TOML file, or a JSON object) and XLPY_TOKEN."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if path is not None:
        values = _read_file(Path(path))
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InputError(f"配置文件 {path} 中有未知的设置项：{'、'.join(unknown)}", code="config")
    if "cors_origins" in values:
        values["cors_origins"] = tuple(values["cors_origins"])
    for name in ("max_upload_bytes", "zip_max_total_bytes", "zip_max_members", "max_conversions"):
        if name in values and (not isinstance(values[name], int) or values[name] < 1):
            raise InputError(f"配置文件 {path} 中的 {name} 应为正整数", code="config")
    # A token in the environment wins, so the config file need not hold a secret.
    if environ.get("XLPY_TOKEN"):
        values["token"] = environ["XLPY_TOKEN"]
    return Settings(**values)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"无法读取配置文件 {path}：{exc.strerror or exc}", code="config") from exc
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(raw)
        else:
            import tomllib

            data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"配置文件 {path} 格式错误：{exc}", code="config") from exc
    if not isinstance(data, dict):
        raise InputError(f"配置文件 {path} 应为一个对象（键值表）", code="config")
    section = data.get("server", data)
    if not isinstance(section, dict):
        raise InputError(f"配置文件 {path} 的 [server] 应为键值表", code="config")
    return dict(section)

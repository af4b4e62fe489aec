"""Server settings: limits, auth, CORS and the register cache, from the `[server]` table of the config file and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlpy.errors import InputError

if TYPE_CHECKING:
    from xlpy.config import Config

MIB = 1024 * 1024


def _default_config() -> Config:
    from xlpy.config import Config

    return Config()


def _default_register_cache() -> Path | None:
    from xlpy.rules.disk_cache import default_directory

    return default_directory()


@dataclass(frozen=True)
class Settings:
    """Everything a deployer may tune. Defaults suit one intranet server with a few hundred clerks."""

    # One request body (a workbook plus, optionally, last year's). A report workbook is ~30–80 KB.
    max_upload_bytes: int = 10 * MIB
    # The zip-directory check, before any parser runs (a 0.43 MB bomb inflated to ~450 MB in every reader).
    zip_max_total_bytes: int = 32 * MIB  # sum of uncompressed member sizes (as xlpy.zip_limits.Limits: CLI = HTTP)
    zip_max_ratio: int = 200  # uncompressed / compressed, per member over 1 MB
    zip_max_members: int = 500
    time_limit_seconds: float = 30.0  # per request, queueing included
    request_timeout_seconds: float = 60.0  # a request must arrive (head and body) within this (slow clients)
    kill_grace_seconds: float = 10.0  # a job still running this long after its deadline: workers killed
    max_conversions: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))  # at once
    executor: str = "processes"  # "processes" (parallel, default) or "threads" (one process)
    worker_memory_mb: int = 2048  # address-space cap of each worker process (processes only; 0 = none)
    token: str | None = None  # bearer token for /api and /xlwings; None = open (loopback/intranet)
    cors_origins: tuple[str, ...] = ()  # extra origins allowed to call the API from a browser
    validate_config: Config = field(default_factory=_default_config)  # passed to every check (defaults change nothing)
    db: str | None = None  # the workspace database (SQLite file or postgresql://…); None = no workspace
    workspace: Any = None  # xlpy.workspace.options.Options from the [workspace] table; None = defaults
    # The Office add-in's manifest <Id> (a GUID). None: derived from the public address, stable per deployment.
    addin_id: str | None = None
    # Compiled rule registers on disk (None: in memory only); from $XLPY_CACHE_DIR as for the CLI, not the file.
    register_cache: Path | None = field(default_factory=_default_register_cache)

    def reader_limits(self) -> Any:
        """The reader's zip-directory limits (xlpy.zip_limits.Limits) for these settings."""
        from xlpy.zip_limits import Limits

        return Limits(
            max_file_bytes=self.max_upload_bytes,
            max_uncompressed=self.zip_max_total_bytes,
            max_ratio=int(self.zip_max_ratio),
            max_members=self.zip_max_members,
        )

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given (non-None) fields replaced."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def load_settings(path: str | Path | None = None, *, environ: dict[str, str] | None = None) -> Settings:
    """Settings from one TOML file: its `[server]` table for us, the rest is the validation config.

    Without a file, the validation config comes from $XLPY_CONFIG as for the CLI. A token in
    $XLPY_TOKEN wins over the file, so the file need not hold a secret.
    """
    from xlpy.config import load_config, parse_config, register_cache_dir

    environ = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    if path is None:
        values["validate_config"] = load_config(None, env=environ)
    else:
        data = _read_file(Path(path))
        server = data.pop("server", {})
        if not isinstance(server, dict):
            raise InputError(f"配置文件 {path} 的 [server] 应为键值表", code="config")
        values.update(server)
        if "workspace" in data:
            from xlpy.workspace.options import parse_options

            values["workspace"] = parse_options(data.pop("workspace"), f"配置文件 {path}")
        values["validate_config"] = parse_config(data, str(path), base=Path(path).parent)
    known = {f.name for f in fields(Settings)} - {"validate_config", "workspace", "register_cache"}
    unknown = sorted(set(values) - known - {"validate_config", "workspace"})
    if unknown:
        raise InputError(f"配置文件 {path} 的 [server] 中有未知的设置项：{'、'.join(unknown)}", code="config")
    if "db" in values and (not isinstance(values["db"], str) or not values["db"].strip()):
        raise InputError(f"配置文件 {path} 中的 db 应为数据库地址（postgresql://… 或 SQLite 文件路径）", code="config")
    if "addin_id" in values:
        import uuid

        try:
            values["addin_id"] = str(uuid.UUID(str(values["addin_id"])))
        except ValueError:
            raise InputError(
                f"配置文件 {path} 中的 addin_id 应为 GUID（如 5d0c7a3e-2f41-4c5b-9a58-8a1f0e6b2c91）", code="config"
            ) from None
    if "cors_origins" in values:
        values["cors_origins"] = tuple(values["cors_origins"])
    for name in ("max_upload_bytes", "zip_max_total_bytes", "zip_max_ratio", "zip_max_members", "max_conversions"):
        if name in values and (not isinstance(values[name], int) or isinstance(values[name], bool) or values[name] < 1):
            raise InputError(f"配置文件 {path} 中的 {name} 应为正整数", code="config")
    if "time_limit_seconds" in values and not (
        isinstance(values["time_limit_seconds"], (int, float)) and values["time_limit_seconds"] > 0
    ):
        raise InputError(f"配置文件 {path} 中的 time_limit_seconds 应为正数", code="config")
    memory = values.get("worker_memory_mb", 0)
    if not isinstance(memory, int) or isinstance(memory, bool) or memory < 0:
        raise InputError(f"配置文件 {path} 中的 worker_memory_mb 应为不小于 0 的整数（0 表示不限制）", code="config")
    if values.get("executor", "processes") not in ("processes", "threads"):
        raise InputError(f"配置文件 {path} 中的 executor 应为 processes 或 threads", code="config")
    if environ.get("XLPY_TOKEN"):
        values["token"] = environ["XLPY_TOKEN"]
    values["register_cache"] = register_cache_dir(environ)
    return Settings(**values)


def _read_file(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"无法读取配置文件 {path}：{exc.strerror or exc}", code="config") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"配置文件 {path} 不是有效的 TOML：{exc}", code="config") from exc

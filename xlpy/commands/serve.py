"""`xlpy serve`: run the HTTP service with uvicorn, or send one in-process request with --get."""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

CONFIG_ENV = "XLPY_SERVE_CONFIG"  # the config file handed to uvicorn worker processes
DB_ENV = "XLPY_SERVE_DB"  # … and the workspace database


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，仅本机）")
    parser.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    parser.add_argument("--certfile", help="HTTPS 证书文件（Excel 加载项需要 HTTPS）")
    parser.add_argument("--keyfile", help="HTTPS 私钥文件")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="配置文件（TOML：[server] 表为服务设置，其余为校验配置，与 xlpy validate --config 相同）",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="工作台数据库：postgresql://用户:密码@主机/库名，或 SQLite 文件路径"
        "（默认 $XDG_DATA_HOME/xlpy/workspace.db，即 ~/.local/share/xlpy/workspace.db，自动创建）；none 表示不启用工作台",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="HTTP 工作进程数（默认 1；校验本身已在多个进程中并行，通常无需更改）"
    )
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"], help="日志级别"
    )
    parser.add_argument(
        "--get", metavar="PATH", help="不启动服务：在进程内发送一次 GET 请求并打印响应（用于检查与测试）"
    )
    parser.add_argument("--headers", action="store_true", help="与 --get 同用：同时打印状态码和响应头")


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from xlpy.server.app import create_app
    from xlpy.server.settings import load_settings

    if bool(args.certfile) != bool(args.keyfile):
        stderr.write("xlpy：--certfile 与 --keyfile 须同时提供\n")
        return 2
    settings = load_settings(args.config)
    settings = settings.with_overrides(db=_database(args.db, settings.db))
    if settings.db == "none":
        settings = replace(settings, db=None)
    if args.get:
        # One request needs no worker processes: run it in this process ("in-process", as promised).
        return _get(create_app(settings.with_overrides(executor="threads")), args.get, args.headers, stdout)
    app = create_app(settings)
    import uvicorn

    scheme = "https" if args.certfile else "http"
    stderr.write(
        f"xlpy 服务：{scheme}://{args.host}:{args.port}/ （上传页面）  {scheme}://{args.host}:{args.port}/docs （API 文档）\n"
    )
    if args.host not in ("127.0.0.1", "localhost", "::1") and not settings.token:
        stderr.write("xlpy：注意：服务对网络开放且未设置访问令牌（XLPY_TOKEN 或配置文件 token）\n")
    common: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "ssl_certfile": args.certfile,
        "ssl_keyfile": args.keyfile,
        "log_level": args.log_level,
        "server_header": False,
        # Silent, slow-header and slow-body clients are closed after request_timeout_seconds; idle
        # keep-alive connections after timeout_keep_alive (uvicorn's own).
        "http": _protocol(settings.request_timeout_seconds, args.workers),
        "timeout_keep_alive": 5,
    }
    if args.workers > 1:
        # Validation is CPU-bound Python: threads share one GIL, so real parallelism needs processes.
        # Each worker process rebuilds the app from the same config file.
        os.environ[CONFIG_ENV] = str(Path(args.config).resolve()) if args.config else ""
        os.environ[DB_ENV] = settings.db or ""
        uvicorn.run("xlpy.server.app:app_from_env", factory=True, workers=args.workers, **common)
    else:
        uvicorn.run(app, **common)
    return 0


def _protocol(seconds: float, workers: int) -> Any:
    from xlpy.server.protocol import REQUEST_TIMEOUT_SECONDS, default_protocol_name, protocol

    if workers > 1:  # worker processes import the protocol by name: the default deadline
        return default_protocol_name() if seconds == REQUEST_TIMEOUT_SECONDS else protocol(seconds)
    return protocol(seconds)


def _database(given: str | None, configured: str | None) -> str:
    """--db, else [server] db, else the SQLite file in the user's data folder (created with its folder)."""
    if given or configured:
        return str(given or configured)
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "xlpy"
    base.mkdir(parents=True, exist_ok=True)
    return str(base / "workspace.db")


def _get(app, path: str, with_headers: bool, stdout: TextIO) -> int:  # type: ignore[no-untyped-def]
    """Datasette style: one request through the app without a socket; exit 0 for 2xx/3xx, 1 otherwise."""
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(path)
    if with_headers:
        stdout.write(f"{response.status_code}\n")
        stdout.writelines(f"{key}: {value}\n" for key, value in response.headers.items())
        stdout.write("\n")
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        stdout.write(json.dumps(response.json(), ensure_ascii=False, indent=2) + "\n")
    elif content_type.startswith("text/"):
        stdout.write(response.text)
    else:
        stdout.flush()
        buffer = getattr(stdout, "buffer", None)
        if buffer is not None and not (hasattr(stdout, "isatty") and stdout.isatty()):
            buffer.write(response.content)
        else:
            stdout.write(f"<{len(response.content)} 字节的 {content_type or '二进制'} 内容>\n")
    return 0 if response.status_code < 400 else 1

"""Shared pieces of the HTTP tests: example workbooks, app clients, the error-shape check."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from xlpy.server import create_app
from xlpy.server.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "workbook" / "examples"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def example_data(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def build(data: dict[str, Any]) -> bytes:
    from xlpy.workbook import build_workbook

    out = io.BytesIO()
    build_workbook(data["meta"]["year"], data=data).save(out)
    return out.getvalue()


def example(name: str) -> bytes:
    """The committed example workbook, or one built from its JSON until it is committed."""
    path = EXAMPLES / f"{name}.xlsx"
    return path.read_bytes() if path.exists() else build(example_data(name))


def variant(name: str, change: Callable[[dict[str, Any]], None]) -> bytes:
    data = copy.deepcopy(example_data(name))
    change(data)
    return build(data)


def break_total(d: dict[str, Any]) -> None:
    d["s3"]["new_received"]["total"] = d["s3"]["new_received"]["total"] + 7  # 合计 ≠ sum of columns


@cache
def example_books() -> dict[str, bytes]:
    """The two examples and a failing variant (表三 合计 off by 7), built once per test session."""
    return {
        "beigou": example("beigou-2020"),
        "huaian": example("huaian-2024"),
        "failing": variant("huaian-2024", break_total),
    }


def clean_name(books: dict[str, bytes]) -> str:
    """An example whose final report is not blocked (both should be; the test says which one is)."""
    from xlpy.config import Config
    from xlpy.reader import read_workbook
    from xlpy.validate import validate

    for name in ("huaian", "beigou"):
        if validate(read_workbook(books[name], name=name), config=Config()).final_ok:
            return name
    pytest.fail("neither example workbook validates without blocking findings")


@contextmanager
def app_client(**settings: Any) -> Iterator[TestClient]:
    """A TestClient on a fresh app (lifespan run, so worker processes start and stop with it)."""
    with TestClient(create_app(Settings(**settings)), raise_server_exceptions=False) as c:
        yield c


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"ok", "error", "errors", "status"}
    assert body["ok"] is False and body["status"] == status and isinstance(body["errors"], list)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]), body["error"]  # a Chinese message
    assert "Traceback" not in response.text
    return body


def post(
    client: TestClient, path: str, data: bytes, name: str = "report.xlsx", last: bytes | None = None, **form: str
) -> Any:
    files = {"file": (name, data, XLSX)}
    if last is not None:
        files["last_year"] = ("last.xlsx", last, XLSX)
    return client.post(path, files=files, data=form)


# Fixtures shared by the HTTP test modules (imported there by name, so pytest registers them).
@pytest.fixture(scope="module")
def books() -> dict[str, bytes]:
    return example_books()


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """The default app (conversions in worker processes), shared: one warm pool for the module."""
    with app_client() as c:
        yield c


@pytest.fixture()
def thread_client() -> Iterator[TestClient]:
    """An app whose jobs run in threads of this process, so a test can patch them."""
    with app_client(executor="threads") as c:
        yield c


def start_server(*args: str) -> tuple[Any, str]:
    """`xlpy serve` as a real process on a free loopback port; returns (process, base URL) once healthy."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "xlpy", "serve", "--port", str(port), "--log-level", "error", *args],
        cwd=root,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a loaded CI machine takes a while to import and warm the workers
    while True:
        assert proc.poll() is None, proc.stderr.read().decode(errors="replace")  # type: ignore[union-attr]
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()  # never leave a half-started server behind
            proc.wait()
            raise AssertionError("server did not start")
        time.sleep(0.1)


def stop_server(proc: Any) -> None:
    """Stop a `start_server` process: SIGTERM and its graceful shutdown, a kill if it outlasts 15 s."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()

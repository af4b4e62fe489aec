"""Idle and slow clients against a real `xlpy serve`: the server closes them instead of holding a connection forever."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.http_support import start_server

DEADLINE = 3  # request_timeout_seconds for the test server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    config = Path(tmp_path_factory.mktemp("cfg")) / "xlpy.toml"
    config.write_text(f"[server]\nrequest_timeout_seconds = {DEADLINE}\n", encoding="utf-8")
    proc, url = start_server("--config", str(config))
    try:
        parsed = urlparse(url)
        yield parsed.hostname or "127.0.0.1", parsed.port or 80
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _closed_within(sock: socket.socket, seconds: float, trickle: bytes = b"") -> float | None:
    """Seconds until the server closed the connection, sending `trickle` every half second meanwhile."""
    sock.settimeout(0.5)
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            if trickle:
                sock.sendall(trickle)
            if sock.recv(4096) == b"":
                return time.monotonic() - start
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - start
    return None


def test_idle_keep_alive_connection_is_closed(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.5)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        closed = _closed_within(sock, 20)
    assert closed is not None and closed < 10, closed


@pytest.mark.parametrize(
    ("opening", "trickle"),
    [
        (b"", b""),  # connects and says nothing
        (b"GET /healthz HTTP/1.1\r\n", b"X-Slow: 1\r\n"),  # a header line every half second
        (
            b"POST /api/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: 100000\r\n\r\n",
            b"x",
        ),  # a body byte every half second
    ],
    ids=["silent", "slow header", "slow body"],
)
def test_slow_clients_are_cut_off(server: tuple[str, int], opening: bytes, trickle: bytes) -> None:
    with socket.create_connection(server) as sock:
        if opening:
            sock.sendall(opening)
        closed = _closed_within(sock, DEADLINE + 12, trickle)
    assert closed is not None and closed < DEADLINE + 8, closed


def test_an_ordinary_request_still_works(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        sock.settimeout(10)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")

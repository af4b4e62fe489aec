"""Idle and slow clients against a real `xlpy serve`: the server closes them instead of holding a connection forever."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.http_support import start_server, stop_server

DEADLINE = 3  # request_timeout_seconds for the test server
# How long a test waits for the server to close a connection before it calls the connection held: only
# so that a server that never closes fails the test instead of hanging it. Nothing is measured against
# it — past the deadline the server's timer fires whatever the load — and it stays below what a server
# without the configured deadline would take (its own default of 60 s), so that one fails too.
GIVE_UP = 45


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    config = Path(tmp_path_factory.mktemp("cfg")) / "xlpy.toml"
    config.write_text(f"[server]\nrequest_timeout_seconds = {DEADLINE}\n", encoding="utf-8")
    proc, url = start_server("--config", str(config))
    try:
        parsed = urlparse(url)
        yield parsed.hostname or "127.0.0.1", parsed.port or 80
    finally:
        stop_server(proc)


def _seconds_until_closed(sock: socket.socket, since: float, trickle: bytes = b"") -> float | None:
    """Seconds from `since` until the server closed the connection (None: still open after GIVE_UP),
    sending `trickle` every half second meanwhile."""
    sock.settimeout(0.5)
    while time.monotonic() - since < GIVE_UP:
        try:
            if trickle:
                sock.sendall(trickle)
            if sock.recv(4096) == b"":
                return time.monotonic() - since
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - since
    return None


def test_idle_keep_alive_connection_is_closed(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as sock:
        asked = time.monotonic()  # the server arms the deadline after its response, so later than this
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(GIVE_UP)  # the response, as soon as it comes (no fixed wait for it)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        closed = _seconds_until_closed(sock, asked)
    # Closed, and not before the deadline: the server's timer closed it, not an error.
    assert closed is not None and closed >= DEADLINE, closed


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
    connecting = time.monotonic()  # the server arms the deadline when it accepts, so later than this
    with socket.create_connection(server) as sock:
        if opening:
            sock.sendall(opening)
        closed = _seconds_until_closed(sock, connecting, trickle)
    # Cut off (a client that keeps trickling is not let in for ever), and only at the deadline: not
    # before it, so it is the deadline that closed it. How late after it depends on the machine's load.
    assert closed is not None and closed >= DEADLINE, closed


def test_an_ordinary_request_still_works(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        sock.settimeout(GIVE_UP)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")

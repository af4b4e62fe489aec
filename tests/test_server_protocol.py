"""The server's HTTP protocol on a socket bound the way uvicorn binds it for `--workers N`: Nagle is off.

uvicorn's multi-worker supervisor binds its listening socket with proto 0, and asyncio then leaves
TCP_NODELAY off on every accepted connection: each keep-alive response waited ~40 ms for the client's
delayed ACK (uvicorn issue #3149). Real loopback sockets, a real uvicorn protocol instance.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from xlpy.server import protocol


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:  # never reached: no request is sent
    raise AssertionError("no request expected")


def _accepted_nodelay(base: type[asyncio.Protocol], *args: Any, **kwargs: Any) -> int:
    """TCP_NODELAY of the server side of one loopback connection accepted on a proto-0 listener."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, like uvicorn's bind_socket()
    listener.bind(("127.0.0.1", 0))
    seen: list[int] = []

    async def run() -> None:
        accepted = asyncio.Event()  # the server side's connection_made has run: no fixed wait for it

        class Probe(base):  # type: ignore[misc,valid-type]
            def connection_made(self, transport: Any) -> None:
                super().connection_made(transport)
                seen.append(transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                accepted.set()

        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: Probe(*args, **kwargs), sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname())
        await asyncio.wait_for(accepted.wait(), 60)
        writer.close()
        server.close()

    asyncio.run(run())
    return seen[0]


def test_a_plain_protocol_on_such_a_socket_keeps_nagle() -> None:
    # The premise: asyncio alone leaves Nagle on here (if this changes, the fix is no longer needed).
    assert _accepted_nodelay(asyncio.Protocol) == 0


@pytest.mark.parametrize("name", ["DeadlineH11Protocol", "DeadlineHttpToolsProtocol"])
def test_the_server_protocol_turns_nagle_off(name: str) -> None:
    cls = getattr(protocol, name, None)
    if cls is None:
        pytest.skip("httptools is not installed")  # the server then uses the h11 protocol, tested too
    config = Config(_app, http=cls, log_level="error")
    config.load()
    state = ServerState()
    assert _accepted_nodelay(cls, config=config, server_state=state, app_state={}) == 1

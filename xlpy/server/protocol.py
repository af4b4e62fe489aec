"""uvicorn's HTTP protocol with a deadline for the request itself: silent, slow-header and slow-body clients are closed.

uvicorn closes an idle keep-alive connection, but a client that connects and sends nothing, or
sends its header or upload a few bytes at a time, holds the connection (and a file descriptor)
for as long as it likes. Here a request must have arrived completely within `request_timeout`
seconds of the connection opening (or of the previous response): otherwise the connection is
closed. No response can be sent then (the request never arrived), so there is no JSON body.

httptools (uvicorn's C parser) when it is installed: h11 parses in pure Python, a share of every
request's overhead beyond validation (bench/bench_http.py); h11 otherwise, with the same deadline.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

REQUEST_TIMEOUT_SECONDS = 60.0  # a 10 MB upload at ~1.5 Mbit/s


def no_delay(transport: asyncio.Transport) -> None:
    """TCP_NODELAY on the connection, whatever socket uvicorn accepted it on.

    asyncio sets it only when the listening socket says IPPROTO_TCP, and the socket uvicorn binds for
    `--workers N` says 0: Nagle's algorithm then held each response body until the client's delayed
    ACK, ~40 ms on every keep-alive request (bench/bench_http.py: 1-client p50 58 ms with
    --workers 2 against 14 ms with 1; uvicorn issue #3149).
    """
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass  # the connection is already gone


class _Deadline:
    """The arrival deadline, for either of uvicorn's protocols (h11 or httptools): armed when the
    connection opens and after each response, cancelled when it closes; `_arriving` says whether the
    request is still on its way (only then the deadline closes the connection)."""

    request_timeout = REQUEST_TIMEOUT_SECONDS
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def connection_made(self, transport: Any) -> None:  # Any: h11's and httptools' signatures differ
        no_delay(transport)
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._arm()

    def _arm(self) -> None:
        timer: asyncio.TimerHandle | None = getattr(self, "_arrival", None)
        if timer is not None:
            timer.cancel()
        self._arrival = self.loop.call_later(self.request_timeout, self._expire)

    def _arriving(self) -> bool:
        raise NotImplementedError

    def _expire(self) -> None:
        # Only while the request is still arriving: a request being processed has the job deadline.
        if self._arriving() and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Any) -> None:
        timer: asyncio.TimerHandle | None = getattr(self, "_arrival", None)
        if timer is not None:
            timer.cancel()
        super().connection_lost(exc)  # type: ignore[misc]


class DeadlineH11Protocol(_Deadline, H11Protocol):
    """H11Protocol + a per-request arrival deadline."""

    def _arriving(self) -> bool:
        return self.conn.their_state in (h11.IDLE, h11.SEND_BODY)


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools not installed: h11 serves alone
    HttpToolsProtocol = None  # type: ignore[assignment,misc]


if HttpToolsProtocol is not None:

    class DeadlineHttpToolsProtocol(_Deadline, HttpToolsProtocol):
        """HttpToolsProtocol + the same per-request arrival deadline."""

        def _arriving(self) -> bool:
            # No request since the last response (idle, or headers trickling in), or one whose body
            # has not all come.
            cycle = self.cycle
            return cycle is None or cycle.response_complete or cycle.more_body


def protocol(request_timeout: float) -> type[asyncio.Protocol]:
    """The protocol class with this deadline (uvicorn takes a class, not an instance)."""
    base: type[asyncio.Protocol] = DeadlineH11Protocol if HttpToolsProtocol is None else DeadlineHttpToolsProtocol
    return type("XlpyProtocol", (base,), {"request_timeout": float(request_timeout)})


def default_protocol_name() -> str:
    """The import path worker processes load the protocol by (they cannot receive a class)."""
    name = "DeadlineH11Protocol" if HttpToolsProtocol is None else "DeadlineHttpToolsProtocol"
    return f"xlpy.server.protocol:{name}"

"""uvicorn serving an app in a thread of the test process, on a loopback socket bound before it starts."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# How long uvicorn may take to start (import, lifespan: the worker pool warms up) before the test calls
# it failed: only so that a broken build fails instead of hanging; a loaded CI machine took over 20 s.
GIVE_UP = 120.0


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """uvicorn on a free loopback port in a thread; yields the base URL once it serves.

    The socket is bound here and handed to uvicorn, so no other process can take the port between
    choosing it and serving on it (a closed probe socket's port could be).
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + GIVE_UP
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(GIVE_UP)
        sock.close()

"""Stopping `xlpy serve` (SIGTERM, as systemd or a container runtime does) leaves no worker processes behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.http_support import start_server
from tests.processes import GIVE_UP, descendants, wait_gone

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbook" / "examples" / "huaian-2024.xlsx"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find child processes")
def test_sigterm_stops_workers_and_forkserver() -> None:
    import httpx

    proc, url = start_server()
    try:
        r = httpx.post(url + "/api/validate", files={"file": ("h.xlsx", EXAMPLE.read_bytes())}, timeout=GIVE_UP)
        assert r.status_code == 200
        children = descendants(proc.pid)
        assert children, "the default server runs conversions in worker processes"
        proc.terminate()
        proc.wait(GIVE_UP)
        # The forkserver ends when it reads the server's end of its pipe closing, a moment after the
        # server: wait for each child's end (an event per process), not a fixed while.
        assert not wait_gone(children), "worker or forkserver processes outlived the server"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_sigterm_leaves_nothing_in_the_log() -> None:
    """No `resource_tracker: … leaked semaphore objects` or `[Errno 2]` lines after a SIGTERM (it was 2 stops in 4)."""
    import httpx

    for _ in range(3):
        proc, url = start_server()
        try:
            r = httpx.post(url + "/api/validate", files={"file": ("h.xlsx", EXAMPLE.read_bytes())}, timeout=GIVE_UP)
            assert r.status_code == 200
            proc.terminate()
            proc.wait(GIVE_UP)
            log = proc.stderr.read().decode("utf-8", errors="replace")  # type: ignore[union-attr]
        finally:
            if proc.poll() is None:
                proc.kill()
        for bad in ("resource_tracker", "leaked", "Errno", "Traceback", "Warning"):
            assert bad not in log, log

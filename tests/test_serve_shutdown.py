"""Stopping `xlpy serve` (SIGTERM, as systemd or a container runtime does) leaves no worker processes behind."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.http_support import start_server

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbook" / "examples" / "huaian-2024.xlsx"


def _descendants(pid: int) -> set[int]:
    """Every process whose parent chain leads to pid (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    out: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, ppid in parents.items() if ppid in frontier} - out
        out |= frontier
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find child processes")
def test_sigterm_stops_workers_and_forkserver() -> None:
    import httpx

    proc, url = start_server()
    try:
        r = httpx.post(url + "/api/validate", files={"file": ("h.xlsx", EXAMPLE.read_bytes())}, timeout=30)
        assert r.status_code == 200
        children = _descendants(proc.pid)
        assert children, "the default server runs conversions in worker processes"
        proc.terminate()
        proc.wait(30)
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in children if _alive(p)], "worker or forkserver processes outlived the server"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_sigterm_leaves_nothing_in_the_log() -> None:
    """No `resource_tracker: … leaked semaphore objects` or `[Errno 2]` lines after a SIGTERM (it was 2 stops in 4)."""
    import httpx

    for _ in range(3):
        proc, url = start_server()
        try:
            r = httpx.post(url + "/api/validate", files={"file": ("h.xlsx", EXAMPLE.read_bytes())}, timeout=60)
            assert r.status_code == 200
            proc.terminate()
            proc.wait(60)
            log = proc.stderr.read().decode("utf-8", errors="replace")  # type: ignore[union-attr]
        finally:
            if proc.poll() is None:
                proc.kill()
        for bad in ("resource_tracker", "leaked", "Errno", "Traceback", "Warning"):
            assert bad not in log, log

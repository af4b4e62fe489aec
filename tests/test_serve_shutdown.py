"""Stopping `xlpy serve` (SIGTERM, as systemd or a container runtime does) leaves no worker processes behind."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

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

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "xlpy", "serve", "--port", str(port), "--log-level", "error"],
                            cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
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

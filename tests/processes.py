"""The processes a test started and what is left of them, read from /proc (Linux), and waits for their end.

A process the test did not start as its own child (a server's workers, LibreOffice behind its wrapper)
cannot be waited for with waitpid; a pidfd (os.pidfd_open, Linux 5.3) becomes readable the moment it
ends, so the tests wait for that event instead of sleeping and looking again.
"""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable, Iterable
from pathlib import Path

# How long a test waits for processes to end before it calls them left behind: only so that a broken
# build fails instead of hanging. Nothing is measured against it: processes that do end, end at once.
GIVE_UP = 60.0


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state, ppid, pgrp …), None if it is gone."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def alive(pid: int) -> bool:
    """Whether `pid` is a running process (a zombie has ended: only its exit status is left)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def descendants(pid: int) -> set[int]:
    """Every process whose parent chain leads to `pid`."""
    parents = {p: int(fields[1]) for p in _pids() if (fields := _stat(p)) is not None}
    out: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, ppid in parents.items() if ppid in frontier} - out
        out |= frontier
    return out


def group(pgid: int) -> set[int]:
    """The running processes of process group `pgid`."""
    return {p for p in _pids() if (fields := _stat(p)) is not None and int(fields[2]) == pgid and fields[0] != "Z"}


def cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def mentioning(text: str) -> dict[int, str]:
    """Every other process whose command line mentions `text`: pid → command line."""
    found = {p: cmdline(p) for p in _pids() if p != os.getpid()}
    return {p: line for p, line in found.items() if text in line}


def wait_gone(pids: Iterable[int], within: float = GIVE_UP) -> list[int]:
    """Wait until every process of `pids` has ended, at most `within` seconds; the ones still running."""
    deadline = time.monotonic() + within
    waiting: dict[int, int] = {}
    try:
        for pid in pids:
            try:
                waiting[os.pidfd_open(pid)] = pid
            except ProcessLookupError:
                continue  # ended already
        poller = select.poll()
        for fd in waiting:
            poller.register(fd, select.POLLIN)
        left = dict(waiting)
        while left and (remaining := deadline - time.monotonic()) > 0:
            for fd, _ in poller.poll(remaining * 1000):
                poller.unregister(fd)
                left.pop(fd, None)
        return sorted(pid for pid in left.values() if alive(pid))
    finally:
        for fd in waiting:
            os.close(fd)


def wait_until(condition: Callable[[], bool], within: float = GIVE_UP) -> bool:
    """Whether `condition` holds within `within` seconds, looked at every 50 ms: for what has no event to
    wait for (a process group's last member, a process that does not exist yet)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True

"""The test run leaves nothing in /tmp: no pipe file of a killed LibreOffice (xlpy/render/lo_pipes.py says why).

A pytest plugin (tests/conftest.py loads it): the run fails when a LibreOffice pipe file that was not
there when it started is left when it ends, its LibreOffice dead (nobody answers on the socket).
One of a LibreOffice still running (another program's, another run's) is not counted.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

_before: set[Path] = set()


def pipe_files() -> set[Path]:
    """The LibreOffice pipe files of this user in /tmp."""
    if not hasattr(os, "getuid"):
        return set()
    return set(Path("/tmp").glob(f"OSL_PIPE_{os.getuid()}_*"))


def dead(path: Path) -> bool:
    """Whether nobody listens on the socket file any more (its LibreOffice was killed)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(path))
        except ConnectionRefusedError:
            return True
        except OSError:
            return False  # gone meanwhile, or not a socket: not a leftover of a dead LibreOffice
    return False


def left_behind(before: set[Path]) -> list[str]:
    """Names of the pipe files of dead LibreOffices that were not in `before`."""
    return sorted(p.name for p in pipe_files() - before if dead(p))


def pytest_sessionstart(session: pytest.Session) -> None:
    _before.update(pipe_files())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    left = left_behind(_before)
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"killed LibreOffice runs left {len(left)} pipe file(s) in /tmp: {left}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

"""LibreOffice's pipe files in /tmp: their names, so that whoever kills a LibreOffice removes what it leaves.

LibreOffice makes a Unix socket file for each pipe it listens on, always in /tmp whatever TMPDIR says
(sal/osl/unx/pipe.cxx): `OSL_PIPE_<uid>_<name>`. One is its single-instance pipe, named after its
profile (`SingleOfficeIPC_` + the MD5 of the -env:UserInstallation URL as UTF-16LE, in hex without
leading zeros per byte: desktop/source/app/officeipcthread.cxx, checked against LibreOffice 7.4's
files); `--accept=pipe,name=X` adds `X`. A LibreOffice that quits removes them; a killed one cannot,
so every file of a killed run would stay in /tmp until reboot (115 of them on the CI machine).

Standard library only: uno_worker.py (run by the system python3, not as part of the xlpy package)
imports it from its own directory.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

PIPE_DIR = Path("/tmp")


def pipe_file(name: str) -> Path:
    """The socket file of the pipe called `name` (an --accept pipe's name)."""
    return PIPE_DIR / f"OSL_PIPE_{os.getuid()}_{name}"


def single_instance_file(profile_url: str) -> Path:
    """The socket file of the single-instance pipe of the LibreOffice whose profile is `profile_url`."""
    digest = hashlib.md5(profile_url.encode("utf-16-le"), usedforsecurity=False).digest()
    return pipe_file("SingleOfficeIPC_" + "".join(format(byte, "x") for byte in digest))


def remove(profile_url: str, accept: str = "") -> None:
    """Remove the pipe files of a LibreOffice that is dead (killed): its profile's and its --accept pipe's.

    Only once it is dead: a running LibreOffice would lose the files others reach it by. The names are
    the caller's own (a private profile directory, a private pipe name), so no other LibreOffice's go.
    """
    if not hasattr(os, "getuid"):
        return  # Windows: named pipes, no files
    files = [single_instance_file(profile_url)] + ([pipe_file(accept)] if accept else [])
    for path in files:
        try:
            path.unlink()
        except OSError:
            pass  # gone already (it quit after all), or not ours to remove: nothing to do

"""A private headless LibreOffice for the UNO test tools (run by Debian's /usr/bin/python3 with python3-uno).

One place for starting soffice on its own pipe and profile, connecting, and shutting it down, so each
tool only says what it does with the document.
"""

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno

# xlpy's list of the pipe files a killed LibreOffice leaves in /tmp (standard library only)
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "xlpy" / "render"))
import lo_pipes  # noqa: E402
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def file_url(path):
    return uno.systemPathToFileUrl(os.path.abspath(path))


@contextlib.contextmanager
def office_desktop():
    """Yield the Desktop of a fresh soffice (own profile directory, own pipe); always shut it down."""
    pipe = f"xlpy-uno-{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="xlpy-uno-") as profile:
        office = subprocess.Popen(
            [
                "soffice",
                "--headless",
                "--invisible",
                "--norestore",
                f"-env:UserInstallation=file://{profile}",
                f"--accept=pipe,name={pipe};urp;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        desktop = None
        try:
            local = uno.getComponentContext()
            resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
            ctx = None
            for _ in range(300):  # soffice takes a few seconds to accept on a loaded machine
                try:
                    ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                    break
                except Exception:
                    time.sleep(0.1)
            if ctx is None:
                raise RuntimeError("soffice did not accept a UNO connection within 30 s")
            desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            yield desktop
        finally:
            if desktop is not None:
                try:
                    desktop.terminate()
                except Exception:
                    pass
            try:
                office.wait(timeout=30)
            except subprocess.TimeoutExpired:
                office.kill()
                office.wait()
                lo_pipes.remove(f"file://{profile}", pipe)  # killed, it leaves them in /tmp

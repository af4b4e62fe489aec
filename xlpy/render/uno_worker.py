"""Run by Debian's /usr/bin/python3 (python3-uno), not imported: keeps one LibreOffice warm for PDF exports.

Started by xlpy/render/converter.py as `python3 uno_worker.py SOFFICE PROFILE_URI PIPE_NAME` in a process
group of its own; LibreOffice runs in that group too, so the converter kills both with one killpg.
Protocol, one JSON object a line: the worker prints {"ready": true} once LibreOffice answers (or
{"ok": false, "missing": "uno", …} and exits 3 when python3-uno is missing), then for each request
{"src": DOCX_PATH, "dst": PDF_PATH} on stdin prints {"ok": true} or {"ok": false, "error": "…"}.
It ends LibreOffice and itself when stdin closes or when its parent dies (a killed server worker
must not leave LibreOffice running), whichever comes first.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

import lo_pipes  # beside this file (sys.path[0]): which pipe files a killed LibreOffice leaves

try:
    import uno
    from com.sun.star.beans import PropertyValue
except ImportError:
    print(json.dumps({"ok": False, "missing": "uno", "error": "python3-uno is not installed"}), flush=True)
    sys.exit(3)

office = None  # the soffice process
parent = os.getppid()  # the converter's process; when it dies this worker is re-parented
START_TIMEOUT_S = 60.0  # the converter's own time limit is shorter; this only ends a forgotten worker


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def end_group():
    """LibreOffice and this worker share a process group (the converter made it): end all of it."""
    try:
        # Killed, LibreOffice leaves its pipe files in /tmp (lo_pipes.py), and this worker dies with it:
        # they go first. Nobody connects to a LibreOffice in its last instant anyway.
        lo_pipes.remove(*sys.argv[2:4])
        if os.getppid() != parent:  # the converter is gone (killed): nobody else removes its work directory
            kill_the_rest_of_the_group()  # first, so that LibreOffice writes nothing there while it goes
            remove_work_directory()
        os.killpg(os.getpgrp(), signal.SIGKILL)
    finally:
        os._exit(1)


def kill_the_rest_of_the_group():
    """SIGKILL every other process of this worker's group (LibreOffice), read from /proc where there is one."""
    me, group = os.getpid(), os.getpgrp()
    for name in os.listdir("/proc") if os.path.isdir("/proc") else ():
        try:
            fields = open(f"/proc/{name}/stat", encoding="ascii", errors="replace").read().rsplit(")", 1)[1].split()
            if name.isdigit() and int(name) != me and int(fields[2]) == group:
                os.kill(int(name), signal.SIGKILL)
        except (OSError, IndexError, ValueError):
            continue


def remove_work_directory():
    """The converter's work directory (xlpy-lo-…: the profile's parent, this worker's cwd), and no other."""
    work = os.path.dirname(urllib.parse.unquote(urllib.parse.urlparse(sys.argv[2]).path))
    try:
        if os.path.basename(work).startswith("xlpy-lo-") and os.path.samefile(work, os.getcwd()):
            shutil.rmtree(work, ignore_errors=True)
    except OSError:
        pass


def watch_parent():
    # getppid changes when the parent dies (the worker is re-parented): no orphaned LibreOffice.
    while os.getppid() == parent:
        time.sleep(0.5)
    end_group()


def connect(soffice, profile, pipe):
    global office
    office = subprocess.Popen(
        [
            soffice,
            "-env:UserInstallation=" + profile,
            "--headless",
            "--invisible",
            "--nocrashreport",
            "--nodefault",
            "--nologo",
            "--nolockcheck",
            "--norestore",
            "--accept=pipe,name=" + pipe + ";urp;StarOffice.ComponentContext",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            ctx = resolver.resolve("uno:pipe,name=" + pipe + ";urp;StarOffice.ComponentContext")
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)


def convert(desktop, src, dst):
    # As `soffice --convert-to pdf:writer_pdf_Export` loads and stores: hidden, read-only, no macros.
    load = (prop("Hidden", True), prop("ReadOnly", True), prop("MacroExecutionMode", 0))
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, load)
    if doc is None:
        raise RuntimeError("LibreOffice could not open the document")
    try:
        doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", "writer_pdf_Export"),))
    finally:
        doc.close(True)


def main():
    soffice, profile, pipe = sys.argv[1:4]
    threading.Thread(target=watch_parent, daemon=True).start()
    try:
        desktop = connect(soffice, profile, pipe)
    except Exception as exc:
        print(json.dumps({"ok": False, "error": "LibreOffice did not start: " + str(exc)}), flush=True)
        end_group()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        try:
            request = json.loads(line)
            convert(desktop, request["src"], request["dst"])
            reply = {"ok": True}
        except Exception as exc:
            reply = {"ok": False, "error": str(exc)[:300]}
        print(json.dumps(reply), flush=True)
    # stdin closed: the converter stops this LibreOffice. Asked to quit, it removes its pipe files from
    # /tmp (killed, it leaves them); a LibreOffice that does not quit within 3 s is killed anyway.
    timer = threading.Timer(3.0, end_group)
    timer.daemon = True
    timer.start()
    try:
        desktop.terminate()
        office.wait(3.0)  # soffice (the wrapper) ends when LibreOffice has quit
    except Exception:
        pass
    end_group()


if __name__ == "__main__":
    main()

"""Run by Debian's /usr/bin/python3 (python3-uno): type text into cells in LibreOffice, then print to PDF.

Usage: uno_type.py WORKBOOK OUT.pdf '[["sheet", "B4", "text"], ...]'. Typing through UNO goes the
way of a clerk's typing: LibreOffice re-fits a row's height unless the row has a fixed (custom) height.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main():
    src, out, edits = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
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
            for _ in range(300):
                try:
                    ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                    break
                except Exception:
                    time.sleep(0.1)
            desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            url = uno.systemPathToFileUrl(os.path.abspath(src))
            doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
            for sheet, cell, text in edits:
                doc.Sheets.getByName(sheet).getCellRangeByName(cell).setString(text)
            doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(out)), (prop("FilterName", "calc_pdf_Export"),))
            doc.close(True)
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


if __name__ == "__main__":
    main()

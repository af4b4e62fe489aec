"""Run by Debian's /usr/bin/python3 (python3-uno): open a workbook in LibreOffice, print what its macros are.

Usage: uno_macros.py WORKBOOK. Prints one JSON object: the Basic libraries LibreOffice imported from the
VBA project with each module's code, and every form control on each sheet with its label and the
script events bound to it (LibreOffice maps a button's x:FmlaMacro to a script URL naming the macro).
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


def inspect(doc):
    libraries = {}
    basic = doc.BasicLibraries
    for lib_name in basic.ElementNames:
        basic.loadLibrary(lib_name)
        lib = basic.getByName(lib_name)
        libraries[lib_name] = {name: lib.getByName(name) for name in lib.ElementNames}
    controls = []
    for sheet in doc.Sheets:
        page = sheet.DrawPage
        for i in range(page.Count):
            shape = page.getByIndex(i)
            if not shape.supportsService("com.sun.star.drawing.ControlShape"):
                continue
            model = shape.Control
            form = model.Parent
            index = next(j for j in range(form.Count) if form.getByIndex(j) == model)
            events = [
                {"listener": e.ListenerType, "method": e.EventMethod, "type": e.ScriptType, "code": e.ScriptCode}
                for e in form.getScriptEvents(index)
            ]
            controls.append({"sheet": sheet.Name, "label": model.Label, "events": events})
    return {"libraries": libraries, "controls": controls}


def main():
    src = sys.argv[1]
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
            # MacroExecutionMode 0 (NEVER_EXECUTE): the VBA code is imported and listed, never run.
            doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True), prop("MacroExecutionMode", 0)))
            print(json.dumps(inspect(doc), ensure_ascii=False))
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

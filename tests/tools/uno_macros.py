"""Run by Debian's /usr/bin/python3 (python3-uno): open a workbook in LibreOffice, print what its macros are.

Usage: uno_macros.py WORKBOOK. Prints one JSON object: the Basic libraries LibreOffice imported from the
VBA project with each module's code, and every form control on each sheet with its label and the
script events bound to it (LibreOffice maps a button's x:FmlaMacro to a script URL naming the macro).
"""

import json
import sys

from uno_office import file_url, office_desktop, prop


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
    with office_desktop() as desktop:
        # MacroExecutionMode 0 (NEVER_EXECUTE): the VBA code is imported and listed, never run.
        options = (prop("Hidden", True), prop("MacroExecutionMode", 0))
        doc = desktop.loadComponentFromURL(file_url(sys.argv[1]), "_blank", 0, options)
        print(json.dumps(inspect(doc), ensure_ascii=False))
        doc.close(True)


if __name__ == "__main__":
    main()

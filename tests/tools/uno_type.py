"""Run by Debian's /usr/bin/python3 (python3-uno): type text into cells in LibreOffice, then print to PDF.

Usage: uno_type.py WORKBOOK OUT.pdf '[["sheet", "B4", "text"], ...]'. Typing through UNO goes the
way of a clerk's typing: LibreOffice re-fits a row's height unless the row has a fixed (custom) height.
"""

import json
import sys

from uno_office import file_url, office_desktop, prop


def main():
    src, out, edits = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    with office_desktop() as desktop:
        doc = desktop.loadComponentFromURL(file_url(src), "_blank", 0, (prop("Hidden", True),))
        for sheet, cell, text in edits:
            doc.Sheets.getByName(sheet).getCellRangeByName(cell).setString(text)
        doc.storeToURL(file_url(out), (prop("FilterName", "calc_pdf_Export"),))
        doc.close(True)


if __name__ == "__main__":
    main()

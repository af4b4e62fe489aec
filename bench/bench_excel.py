"""Server-side cost of the Excel 校验 button: one `validate` script call on the example payload, warm.

Baseline in the same process: the core alone (`validate(read_payload(payload))`), so the ratio is what
the Excel layer adds — building the remote Book, the results sheet and marks, the action list.
Target: ≤ 20 ms per call (the clerk's wait is dominated by Excel serialising the workbook and the network).
"""

from __future__ import annotations

import json
import os

from _common import EXAMPLES, ms, table, timeit, verdict

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # PolyForm Noncommercial: government use

TARGET = 0.020
CASES = (("huaian-2024", "Office.js"), ("huaian-2024", "VBA"), ("beigou-2020", "VBA"))


def main() -> None:
    import xlwings as xw

    from xlpy.config import Config
    from xlpy.excel import scripts
    from xlpy.excel.payload import payload_from_file
    from xlpy.reader import read_payload
    from xlpy.server.xlwings_routes import run_script
    from xlpy.validate import validate

    rows = []
    for name, client in CASES:
        body = json.dumps(payload_from_file(EXAMPLES / f"{name}.xlsx", client=client), ensure_ascii=False).encode()
        # Every call parses the request body afresh, as the server does (xw.Book(json=…) mutates the dict).
        base = timeit(lambda body=body: validate(read_payload(json.loads(body)), config=Config()))
        script = timeit(lambda body=body: scripts.validate_book(xw.Book(json=json.loads(body))))
        server = timeit(lambda body=body: run_script("validate", json.loads(body)))
        parse = timeit(lambda body=body: json.loads(body))
        label = f"{name} ({client}, {len(body) // 1024} KB)"
        rows += [
            (label, "core: validate(read_payload(body))", ms(base), "1.0×", ""),
            (label, "script: validate_book(xw.Book(json=body))", ms(script), f"{script / base:.1f}×", ""),
            (
                label,
                "server: run_script (xlwings dispatch, actions)",
                ms(server),
                f"{server / base:.1f}×",
                f"≤ 20 ms {verdict(server <= TARGET)}",
            ),
            (label, "(of which json.loads of the body)", ms(parse), f"{parse / base:.2f}×", ""),
        ]
    table(
        "Excel 校验 script, server side (warm, median of 50)", rows, ("payload", "step", "median", "× core", "target")
    )


if __name__ == "__main__":
    main()

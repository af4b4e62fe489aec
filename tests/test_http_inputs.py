"""Every bad-input class of the core issue over HTTP: a 4xx with the error shape, the server healthy after."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.http_support import assert_error_shape, post, variant

# ------------------------------------------------------------------ bad input classes (issue 2) over HTTP


def _ole(extra: bytes = b"") -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + extra + b"\0" * 1024


def _corrupt_member(data: bytes) -> bytes:
    """Garble the compressed bytes of the first worksheet; the zip directory stays intact."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    info = next(i for i in zf.infolist() if i.filename.startswith("xl/worksheets/"))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    return data[:start] + b"\xff" * 64 + data[start + 64 :]


def _plain_workbook() -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    wb = Workbook()
    wb.active["A1"] = "随便一个表格"
    wb.save(out)
    return out.getvalue()


def _edit(data: bytes, change: Callable[[Any], None]) -> bytes:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rename_sheet(wb: Any) -> None:
    wb["表三"].title = "Sheet3"


def _drop_names(wb: Any) -> None:
    for name in list(wb.defined_names):
        del wb.defined_names[name]


def _huge_sheet(wb: Any) -> None:
    ws = wb.create_sheet("附表")
    for r in range(1, 4001):
        ws.append([r] * 25)  # 100,000 cells nobody asked for


def _set_cell(path: str, value: Any) -> Callable[[Any], None]:
    def change(wb: Any) -> None:
        from xlpy.layout import layout

        sheet, a1 = layout("2021").cells[path].split("!")
        wb[sheet][a1] = value

    return change


BAD_INPUTS: dict[str, Callable[[dict[str, bytes]], tuple[bytes, str]]] = {
    "not_a_workbook": lambda b: ("这不是工作簿".encode() * 10, "report.xlsx"),
    "empty_file": lambda b: (b"", "report.xlsx"),
    "image": lambda b: (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "photo.xlsx"),
    "truncated_zip": lambda b: (b["huaian"][: len(b["huaian"]) // 2], "report.xlsx"),
    "corrupt_zip": lambda b: (_corrupt_member(b["huaian"]), "report.xlsx"),
    "password_protected": lambda b: (_ole("EncryptionInfo".encode("utf-16-le")), "report.xlsx"),
    "old_xls_without_template": lambda b: (_ole(), "report.xls"),
    "not_an_xlpy_template": lambda b: (_plain_workbook(), "other.xlsx"),
    "sheet_renamed": lambda b: (_edit(b["huaian"], _rename_sheet), "report.xlsx"),
    "names_missing": lambda b: (_edit(b["huaian"], _drop_names), "report.xlsx"),
    # A 2021-format workbook claiming a 2020 report (which needs the 2019 format): F-0.
    "wrong_version_for_year": lambda b: (_edit(b["huaian"], _set_cell("meta.year", 2020)), "report.xlsx"),
    "word_document": lambda b: (_word(), "report.xlsx"),
}


def _word() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    return out.getvalue()


@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
@pytest.mark.parametrize("endpoint", ["/api/validate", "/api/render", "/api/annotate"])
def test_bad_input_is_a_4xx_with_the_shape(
    client: TestClient, books: dict[str, bytes], kind: str, endpoint: str
) -> None:
    data, name = BAD_INPUTS[kind](books)
    r = post(client, endpoint, data, name=name)
    assert 400 <= r.status_code < 500, (kind, r.status_code, r.text)
    body = assert_error_shape(r, r.status_code)
    assert body["errors"], kind
    if kind == "wrong_version_for_year":
        assert any(e.get("rule") == "F-0" for e in body["errors"])
    assert client.get("/healthz").status_code == 200


def test_huge_extra_sheet_is_read_in_bounded_time(client: TestClient, books: dict[str, bytes]) -> None:
    data = _edit(books["huaian"], _huge_sheet)
    r = post(client, "/api/validate", data)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("value", ["三", "12件", "/", None, -3, 2.5, "#REF!"])
def test_bad_values_are_findings_not_errors(client: TestClient, value: Any) -> None:
    def put(d: dict[str, Any]) -> None:
        d["s3"]["new_received"]["research"] = value

    r = post(client, "/api/validate", variant("huaian-2024", put))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["final_ok"] is False
    assert any(f["severity"] == "error" and "表三!" in " ".join(f["cells"]) for f in body["findings"])

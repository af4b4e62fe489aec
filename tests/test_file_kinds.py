"""One list of readable file kinds (schemas/file-kinds.json) and the reasons for the refused ones."""

from __future__ import annotations

import io
import zipfile

import pytest

from xlpy import file_kinds
from xlpy.errors import InputError
from xlpy.reader import read_workbook


def ods_bytes() -> bytes:
    """The skeleton LibreOffice writes: `mimetype` first, stored, then the content parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
        zf.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return out.getvalue()


def test_readable_kinds_include_the_old_excel_and_wps_formats() -> None:
    assert file_kinds.readable() == (".xlsx", ".xlsm", ".xls", ".et", ".json")
    assert file_kinds.workbook_suffixes() == (".xlsx", ".xlsm", ".xls", ".et")
    # The upload page's picker also takes the published reports the API imports (PDF, web page, Word, text).
    assert file_kinds.accept_attribute() == ".xlsx,.xlsm,.xls,.et,.json,.pdf,.html,.htm,.docx,.txt,.md"
    assert not set(file_kinds.readable()) & set(file_kinds.refused_suffixes())


@pytest.mark.parametrize("name", ["年报.xlsx", "年报.ods", "年报"])
def test_opendocument_content_is_named_whatever_the_file_is_called(name: str) -> None:
    with pytest.raises(InputError) as info:
        read_workbook(ods_bytes(), name=name)
    assert info.value.code == "opendocument"
    assert "OpenDocument" in info.value.message and "另存为" in info.value.message and ".xlsx" in info.value.message
    assert info.value.message.startswith(name + "：")


def test_csv_is_refused_with_its_reason() -> None:
    with pytest.raises(InputError) as info:
        read_workbook("机关名称,年度\n某局,2024\n".encode(), name="汇总.csv")
    assert "CSV" in info.value.message and "xlpy" not in info.value.message
    assert file_kinds.refusal("a/b/表.ODS") == file_kinds.opendocument_reason()
    assert file_kinds.refusal("表.xlsx") is None

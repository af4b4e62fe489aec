"""The upload page's 空白填0 download (real server, real Chromium): the copy has 0 in the blank table cells."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.test_fill_zeros import blanked
from tests.test_upload_page import base_url, browser, page, validate_with_keyboard  # noqa: F401  (fixtures)
from xlpy.reader import read_workbook

EXAMPLE = Path(__file__).resolve().parents[1] / "workbook" / "examples" / "huaian-2024.xlsx"


def test_fill_zeros_button_downloads_the_filled_copy(page: Any, tmp_path: Path) -> None:  # noqa: F811
    source = tmp_path / "淮安.xlsx"
    source.write_bytes(blanked(EXAMPLE.read_bytes()))
    validate_with_keyboard(page, source)
    page.wait_for_selector("#results:not([hidden])")
    with page.expect_download() as info:
        page.click("#dl-fill-zeros")
    download = info.value
    assert download.suggested_filename == "淮安-填0.xlsx"
    target = tmp_path / "filled.xlsx"
    download.save_as(target)
    page.wait_for_selector("#dl-status.ok")
    assert "4 个空白单元格填入 0" in page.inner_text("#dl-status")
    assert read_workbook(target).instance["s3"]["new_received"]["natural_person"] == 0

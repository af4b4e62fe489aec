"""Published reports over HTTP: /api/validate and /api/render read them through the importer; /api/annotate refuses."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.http_support import assert_error_shape, client, post  # noqa: F401 - client is a fixture
from tests.test_import_bad_input import _page_objects, _pdf
from xlpy.reader import read_workbook
from xlpy.render import render

EXAMPLES = Path(__file__).resolve().parent.parent / "workbook" / "examples"


def _page() -> bytes:
    return render(read_workbook(EXAMPLES / "huaian-2024.xlsx").instance, ("html",))["html"]


def test_validate_a_published_page(client: TestClient) -> None:  # noqa: F811
    response = post(client, "/api/validate", _page(), name="淮安市人民政府2024年报.html")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["org"] == "淮安市人民政府" and body["year"] == 2024 and body["format_version"] == "2021"
    assert body["error"] is None


def test_render_a_published_page(client: TestClient) -> None:  # noqa: F811
    response = post(client, "/api/render", _page(), name="page.html", format="md")
    assert response.status_code == 200, response.text
    assert "淮安市人民政府2024年政府信息公开工作年度报告" in response.content.decode("utf-8")


def test_scanned_pdf_upload_is_a_422_with_the_message(client: TestClient) -> None:  # noqa: F811
    scan = _pdf(_page_objects(b"0.5 g 50 50 495 742 re f"))
    body = assert_error_shape(post(client, "/api/validate", scan, name="扫描件.pdf"), 422)
    assert "没有文字层" in body["error"]


def test_annotate_refuses_a_published_report(client: TestClient) -> None:  # noqa: F811
    body = assert_error_shape(post(client, "/api/annotate", _page(), name="page.html"), 422)
    assert "已发布的年报" in body["error"]

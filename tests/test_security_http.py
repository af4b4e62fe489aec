"""The HTTP service behind a reverse proxy: the token and the no-store header follow the route, not the raw path."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.http_support import XLSX, assert_error_shape, example_books
from xlpy.server import create_app
from xlpy.server.settings import Settings

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def proxied() -> Iterator[TestClient]:
    """The app mounted under /xlpy (uvicorn --root-path /xlpy behind nginx), a token configured."""
    app = create_app(Settings(executor="threads", token=TOKEN))
    with TestClient(app, root_path="/xlpy", raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize(
    "method,path",
    [
        ("post", "/xlpy/api/validate"),
        ("post", "/xlpy/api/render"),
        ("post", "/xlpy/api/annotate"),
        ("get", "/xlpy/api/template/2024"),
        ("get", "/xlpy/xlwings/custom-scripts-meta"),
        ("post", "/xlpy/xlwings/custom-scripts-call/validate"),
        ("post", "/xlpy/addin/render"),
    ],
)
def test_token_is_required_under_a_root_path(proxied: TestClient, method: str, path: str) -> None:
    # scope["path"] carries the root path: checking it against "/api/" let these through unauthenticated.
    response = getattr(proxied, method)(path)
    assert_error_shape(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_with_the_token_under_a_root_path_it_works_and_is_not_cached(proxied: TestClient) -> None:
    book = example_books()["huaian"]
    response = proxied.post(
        "/xlpy/api/validate", files={"file": ("r.xlsx", book, XLSX)}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"  # clerk data: never in a shared cache


def test_open_pages_stay_open_under_a_root_path(proxied: TestClient) -> None:
    assert proxied.get("/xlpy/healthz").status_code == 200
    assert proxied.get("/xlpy/").status_code == 200


def test_addin_and_xlwings_answers_carrying_clerk_data_are_not_cached(proxied: TestClient) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for path in ("/xlpy/xlwings/custom-scripts-meta", "/xlpy/addin/render"):
        response = (
            proxied.get(path, headers=auth) if "meta" in path else proxied.post(path, headers=auth, content=b"{}")
        )
        assert response.headers["cache-control"] == "no-store", path
    assert "no-store" not in proxied.get("/xlpy/addin/taskpane.js").headers.get("cache-control", "")

"""The upload page (`GET /`) and the offline API docs (`GET /docs`): static HTML, CSS and JS, no external assets."""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from xlpy import file_kinds

STATIC = Path(__file__).resolve().parent / "static"

# The page loads only its own files and talks only to this server; workbook text can never run as script.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
)


@cache
def _page(name: str) -> str:
    """A page with the readable file kinds filled in (one list, xlpy.file_kinds, for reader, batch and page)."""
    text = (STATIC / name).read_text(encoding="utf-8")
    refused = file_kinds.refusals()
    return (
        text.replace("{{accept}}", html.escape(file_kinds.accept_attribute()))
        .replace("{{refused}}", html.escape(json.dumps(refused, ensure_ascii=False)))
        .replace("{{described}}", html.escape(file_kinds.described()))
        .replace("{{published}}", html.escape(file_kinds.described_published()))
    )


def mount(app: FastAPI) -> None:
    """Serve the page at /, the offline API documentation at /docs, and their assets under /static/."""

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(_page("index.html"), headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"})

    # FastAPI's own /docs loads Swagger UI from a CDN, which an offline intranet cannot reach.
    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(_page("docs.html"), headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

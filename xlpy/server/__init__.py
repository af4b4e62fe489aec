"""The HTTP service (`xlpy serve`): JSON API, upload page and the Excel add-in endpoints on one FastAPI app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from xlpy.server.settings import Settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, **overrides: Any) -> FastAPI:
    """Build the FastAPI app (imports FastAPI only when called, so `import xlpy.server` stays cheap)."""
    from xlpy.server.app import create_app as _create

    return _create(settings, **overrides)

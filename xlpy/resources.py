"""Where the package's data lives: schemas/ and templates/ (installed copy or repository root)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent
# A wheel force-includes the top-level data folders as xlpy/_data/; a checkout or an
# editable install reads them from the repository root beside the package.
_DATA = _PACKAGE / "_data" if (_PACKAGE / "_data").is_dir() else _PACKAGE.parent


def schemas_dir() -> Path:
    """The folder holding report schemas, layouts and the rule register."""
    return _DATA / "schemas"


def templates_dir() -> Path:
    """The folder holding the built-in Jinja templates."""
    return _DATA / "templates"


def workbook_dir() -> Path:
    """The folder holding committed templates and examples (repository checkouts only)."""
    return _DATA / "workbook"


@cache
def load_json(name: str) -> Any:
    """Load a JSON data file from schemas/ once per process."""
    with open(schemas_dir() / name, encoding="utf-8") as fh:
        return json.load(fh)

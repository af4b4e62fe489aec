"""Shared fixtures: the example instances and workbooks, and a factory for workbooks with raw cell edits."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# The licensed xlwings parts (remote engine) are free for government institutions (PolyForm
# Noncommercial); tests use the noncommercial key unless a real key is configured.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

# HTTP fixtures (books, client, thread_client) shared by the test_http* modules; the /tmp leftovers check.
pytest_plugins = ["tests.http_support", "tests.workspace_support", "tests.leftovers"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "workbook" / "examples"
EXAMPLE_YEARS = {"beigou-2020": 2020, "huaian-2024": 2024}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "excel: exercises the xlwings remote protocol")


@pytest.fixture(scope="session")
def example_instances() -> dict[str, dict[str, Any]]:
    return {n: json.loads((EXAMPLES / f"{n}.json").read_text(encoding="utf-8")) for n in EXAMPLE_YEARS}


@pytest.fixture
def instance(example_instances: dict[str, dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    """A deep copy of an example instance by name ("huaian-2024", "beigou-2020")."""
    return lambda name: copy.deepcopy(example_instances[name])


@pytest.fixture
def example_xlsx() -> Callable[[str], Path]:
    return lambda name: EXAMPLES / f"{name}.xlsx"


@pytest.fixture
def make_workbook(tmp_path: Path) -> Callable[..., Path]:
    """Build a workbook from an instance, then type raw values into cells (None = clear the cell)."""
    from tests.helpers import workbook_with

    counter = iter(range(10**6))

    def make(data: dict[str, Any], raw: dict[str, Any] | None = None, name: str | None = None) -> Path:
        path = tmp_path / (name or f"wb{next(counter)}.xlsx")
        return workbook_with(data, path, raw or {})

    return make

"""Tool failures (as opposed to findings): unusable input, broken data files, render failures."""

from __future__ import annotations

from typing import Any


class XlpyError(Exception):
    """Base class: something xlpy cannot work with. `message` is Chinese and meant for the clerk."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InputError(XlpyError):
    """The input is unusable (not a workbook, wrong template, corrupt, too large …): exit code 2."""

    def __init__(self, message: str, *, code: str = "input", findings: list[Any] | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        self.code = code
        # An unusable input may still carry findings (F-0: wrong template version for the year).
        self.findings = findings or []


class RegisterError(XlpyError):
    """A data file of xlpy itself (schema, layout, rule register, config) is broken."""


class RenderError(XlpyError):
    """A report could not be rendered (e.g. a deployment's template override is broken)."""

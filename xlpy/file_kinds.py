"""The file kinds xlpy reads and the ones it refuses with a reason (schemas/file-kinds.json).

One list for the reader, `xlpy batch` (which files of a folder appear in the summary) and the
upload page's file picker, so none of them can skip or hide a file the others accept.
"""

from __future__ import annotations

from functools import cache
from pathlib import PurePath
from typing import Any

from xlpy.resources import load_json


@cache
def _spec() -> dict[str, Any]:
    return dict(load_json("file-kinds.json"))


def readable() -> tuple[str, ...]:
    """Every suffix the reader takes: .xlsx .xlsm .xls .et .json."""
    return tuple(_spec()["readable"])


def workbook_suffixes() -> tuple[str, ...]:
    """The spreadsheet suffixes among them (what a folder of workbooks holds; JSON there may be anything)."""
    return tuple(s for s in readable() if s != ".json")


def published() -> dict[str, str]:
    """Published-report suffixes the importer reads -> its reader (pdf, html, docx, text)."""
    return {k: str(v) for k, v in _spec()["published"].items() if not k.startswith("$")}


def is_published(name: str | PurePath) -> bool:
    """Whether a file name is a published report the importer reads (by suffix: PDF, HTML, DOCX, text)."""
    return PurePath(str(name)).suffix.lower() in published()


def published_in_folders() -> tuple[str, ...]:
    """The published kinds a folder scan picks up (a .txt or .md there is usually a note, read only when named)."""
    return tuple(_spec()["published_in_folders"]["suffixes"])


def refused_suffixes() -> tuple[str, ...]:
    """Spreadsheet files xlpy cannot read but must not pass over in silence (.ods, .csv …)."""
    return tuple(_spec()["refused"])


def refusals() -> dict[str, str]:
    """Suffix -> why such a file is not read (in Chinese, with what to do instead)."""
    spec = _spec()
    return {suffix: str(spec["reasons"][kind]) for suffix, kind in spec["refused"].items()}


def refusal(name: str | PurePath) -> str | None:
    """Why a file of this name is not read, or None if it may be."""
    return refusals().get(PurePath(name).suffix.lower())


def opendocument_reason() -> str:
    return str(_spec()["reasons"]["opendocument"])


def is_opendocument(mimetype: bytes) -> bool:
    """An OpenDocument package names its kind in its first member, `mimetype`."""
    return mimetype.startswith(_spec()["opendocument_mimetype"].encode())


def accept_attribute() -> str:
    """The upload page's <input type=file accept=…>: workbooks, then the published reports the importer reads."""
    return ",".join((*readable(), *published()))


def described_published() -> str:
    """「.pdf、.html、.htm、.docx、.txt 或 .md」 for the upload page's help text."""
    items = list(published())
    return "、".join(items[:-1]) + " 或 " + items[-1]


def described() -> str:
    """「.xlsx、.xlsm、.xls、.et 或 .json」 for messages."""
    items = list(readable())
    return "、".join(items[:-1]) + " 或 " + items[-1]

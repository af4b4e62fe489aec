"""Importing published annual reports (PDF, HTML, DOCX, text) back into report data, with an import record."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlpy.errors import InputError
from xlpy.file_kinds import is_published, published

__all__ = ["Imported", "hints", "import_bytes", "import_path", "is_published", "read_document", "read_published"]
from xlpy.importing.document import Document
from xlpy.importing.mapper import Imported, map_document

if TYPE_CHECKING:
    from xlpy.reader import ReadResult

MAX_BYTES = 20 * 1024 * 1024  # as for workbooks (zip_limits.Limits.max_file_bytes)


def read_document(data: bytes, name: str) -> Document:
    """Bytes of a published report -> the document model, by the name's suffix."""
    kind = published().get(Path(name).suffix.lower())
    if kind == "pdf":
        from xlpy.importing.pdf_reader import read_pdf

        return read_pdf(data, name)
    if kind == "html":
        from xlpy.importing.html_reader import read_html

        return read_html(data, name)
    if kind == "docx":
        from xlpy.importing.docx_reader import read_docx

        return read_docx(data, name)
    if kind == "text":
        from xlpy.importing.text_reader import read_text

        return read_text(_decode(data, name), name)
    raise InputError(f"{name}：不支持的文件类型；可导入 PDF、HTML、DOCX、TXT、MD。", code="not_report")


def _decode(data: bytes, name: str) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{name}：无法识别文字编码（应为 UTF-8 或 GB18030）。", code="not_report")


def import_bytes(
    data: bytes,
    name: str,
    *,
    year: int | None = None,
    org: str | None = None,
    org_type: str | None = None,
    fallback_org_type: str | None = None,
) -> Imported:
    """Import a published report; `org_type` overrides the name's 机关类型, `fallback_org_type` fills it when the
    name does not tell it (`xlpy batch --org-type`: a folder of several agencies)."""
    if len(data) > MAX_BYTES:
        raise InputError(
            f"{name}：文件过大（{len(data) // 1024 // 1024} MB），上限为 {MAX_BYTES // 1024 // 1024} MB。",
            code="too_large",
        )
    return map_document(
        read_document(data, name), year=year, org=org, org_type=org_type, fallback_org_type=fallback_org_type
    )


def import_path(
    path: str | Path,
    *,
    year: int | None = None,
    org: str | None = None,
    org_type: str | None = None,
    fallback_org_type: str | None = None,
) -> Imported:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"找不到文件：{p}。请检查路径和文件名。", code="missing")
    if p.stat().st_size > MAX_BYTES:
        raise InputError(f"{p}：文件过大，上限为 {MAX_BYTES // 1024 // 1024} MB。", code="too_large")
    return import_bytes(
        p.read_bytes(), str(p), year=year, org=org, org_type=org_type, fallback_org_type=fallback_org_type
    )


# What a caller knows that a published report may not print (机关类型 above all), for reads made on its behalf
# (`xlpy validate --org-type`: the validate pipeline reads the file itself).
_HINTS: ContextVar[dict[str, Any]] = ContextVar("import_hints", default={})  # noqa: B039 - never mutated


@contextmanager
def hints(**given: Any) -> Iterator[None]:
    """Within the block, published files are imported with these keyword arguments (year, org, org_type,
    fallback_org_type)."""
    token = _HINTS.set({k: v for k, v in given.items() if v is not None})
    try:
        yield
    finally:
        _HINTS.reset(token)


def read_published(source: str | Path | bytes, *, name: str | None = None) -> ReadResult:
    """A published report as the reader's ReadResult: findings then name places in the document, not cells."""
    from xlpy.reader import ReadResult

    given = _HINTS.get()
    if isinstance(source, bytes):
        label = name or "上传的文件"
        result = import_bytes(source, label, **given)
    else:
        label = name or str(source)
        result = import_path(source, **given)
    return ReadResult(result.instance, result.places, result.version, None, label, outline=result.record.outline)

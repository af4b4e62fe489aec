"""The output formats: one registry (name, file extension, media type) for the CLI, HTTP, Excel and batch."""

from __future__ import annotations

from dataclasses import dataclass

from xlpy.errors import InputError


@dataclass(frozen=True, slots=True)
class Format:
    """One kind of output file."""

    name: str  # what --to, --render and the API's `format` take
    extension: str
    media_type: str
    label: str  # Chinese, for lists and messages


# The report formats every front end may produce, in the order they are listed and written.
REPORT_FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("md", "md", "text/markdown; charset=utf-8", "Markdown"),
        Format("html", "html", "text/html; charset=utf-8", "网页（HTML）"),
        Format(
            "docx", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word（DOCX）"
        ),
        Format("json", "json", "application/json", "数据（JSON）"),
        Format("pdf", "pdf", "application/pdf", "PDF"),
    )
}
# The HTTP API's extra "every format plus the findings" download.
BUNDLE = Format("zip", "zip", "application/zip", "全部格式及校验结果（ZIP）")
# What the Excel add-in's task pane offers for download: every report format the server can produce,
# in the order of its buttons (JSON is the data, not a report: the API has it).
ADDIN_FORMATS = ("docx", "pdf", "html", "md")
NAMES: tuple[str, ...] = tuple(REPORT_FORMATS)
# What is written when no format is named: PDF needs LibreOffice and seconds, so it is asked for by name.
DEFAULT_NAMES: tuple[str, ...] = ("md", "html", "docx", "json")


def get(name: str) -> Format:
    """The format called `name` (a report format or the API's zip bundle)."""
    if name == BUNDLE.name:
        return BUNDLE
    return REPORT_FORMATS[name]


def parse_formats(text: str, *, allow_empty: bool = False) -> tuple[str, ...]:
    """ "md,html" (also with ，) → ("md", "html"); an unknown or empty list is an InputError in Chinese."""
    items = tuple(dict.fromkeys(t.strip().lower() for t in text.replace("，", ",").split(",") if t.strip()))
    bad = [t for t in items if t not in REPORT_FORMATS]
    if bad or (not items and not allow_empty):
        raise InputError(f"不支持的格式 {'、'.join(bad) or '（空）'}，可选：{','.join(NAMES)}", code="input")
    return items

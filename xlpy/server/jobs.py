"""The CPU-bound work behind each endpoint, run in the conversion pool: read, validate, render, annotate."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from xlpy.errors import InputError
from xlpy.server.errors import ApiError, input_error
from xlpy.server.settings import Settings

# Report formats of the API (格式) → file extension and media type.
FORMATS: dict[str, tuple[str, str]] = {
    "md": ("md", "text/markdown; charset=utf-8"),
    "html": ("html", "text/html; charset=utf-8"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "json": ("json", "application/json"),
    "pdf": ("pdf", "application/pdf"),  # the DOCX through LibreOffice (render/pdf.py)
    "zip": ("zip", "application/zip"),
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSM_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.12"


@dataclass
class Upload:
    """One uploaded file, held in memory only."""

    name: str
    data: bytes


@dataclass
class Checked:
    """A read and validated workbook."""

    data: Any  # ReadResult
    report: Any  # Report
    upload: Upload


def load(upload: Upload, settings: Settings) -> Any:
    """Bytes → ReadResult; the reader checks the zip directory (our limits) before any parser runs."""
    from xlpy.reader import read_workbook

    return read_workbook(upload.data, name=upload.name, limits=settings.reader_limits())


def check(upload: Upload, last_year: Upload | None, settings: Settings) -> Checked:
    """Read and validate; an unusable file (or last-year file) raises InputError / ApiError 422."""
    from xlpy.validate import validate

    data = load(upload, settings)
    last = None
    if last_year is not None:
        try:
            last = load(last_year, settings)
        except InputError as exc:
            if exc.message.startswith("上年度"):
                raise
            raise InputError("上年度工作簿：" + exc.message, code=exc.code, findings=exc.findings) from exc
    report = validate(data, last_year=last, config=settings.validate_config)
    if report.unusable:
        findings = [f.to_dict() for f in report.findings if f.severity == "error"] or [
            f.to_dict() for f in report.findings
        ]
        raise ApiError(422, findings[0]["message"] if findings else "文件无法使用", findings)
    return Checked(data, report, upload)


# One job per request, so a worker process receives the upload once and sends back only the answer.


def validate_job(upload: Upload, last_year: Upload | None, settings: Settings) -> bytes:
    """The JSON body of /api/validate (the findings JSON of `xlpy validate --format json`)."""
    report = _checked(upload, last_year, settings).report
    return json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")


def render_job(
    upload: Upload, last_year: Upload | None, settings: Settings, fmt: str, draft: bool
) -> tuple[bytes, str]:
    """(report bytes, file stem) for /api/render; a blocked final report without `draft` is a 422."""
    checked = _checked(upload, last_year, settings)
    report = checked.report
    if not report.final_ok and not draft:
        summary = report.summary
        raise ApiError(
            422,
            f"存在 {summary['errors']} 个错误、{summary['warnings']} 个未说明的警告，不能生成正式报告；"
            "请修改工作簿（或在“说明”表中说明警告），或勾选“草稿”生成草稿。",
            [f.to_dict() for f in report.findings if f.blocks],
        )
    # As in the CLI: the draft mark appears only when findings block the final report.
    draft = draft and not report.final_ok
    return render(checked, fmt, draft, settings), report_stem(checked) + ("（草稿）" if draft else "")


def annotate_job(upload: Upload, last_year: Upload | None, settings: Settings) -> bytes:
    """The annotated workbook for /api/annotate."""
    if upload.data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        raise input_error(
            InputError(
                f"{upload.name}：这是 JSON 数据，没有可以标记的工作簿。请上传填好的年报工作簿（.xlsx）。",
                code="not_workbook",
            )
        )
    return annotate(_checked(upload, last_year, settings))


def fill_zeros_job(upload: Upload, settings: Settings) -> tuple[bytes, int]:
    """(the workbook with 0 in its blank table cells, how many) for /api/fill-zeros."""
    from xlpy.fill_zeros import fill_zeros_bytes

    if upload.data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        raise input_error(
            InputError(
                f"{upload.name}：这是 JSON 数据，没有可以填写的单元格。请上传 Excel 工作簿（.xlsx）。",
                code="not_workbook",
            )
        )
    try:
        filled = fill_zeros_bytes(upload.data, name=upload.name, limits=settings.reader_limits())
    except InputError as exc:
        raise input_error(exc) from exc
    return filled.data, filled.count


def _checked(upload: Upload, last_year: Upload | None, settings: Settings) -> Checked:
    try:
        return check(upload, last_year, settings)
    except InputError as exc:
        raise input_error(exc) from exc


def render(checked: Checked, fmt: str, draft: bool, settings: Settings | None = None) -> bytes:
    """The report in one format, or a zip of every format plus the findings."""
    from functools import partial

    from xlpy.render import render as render_report

    # A deployment's template override (templates_dir of the config file) applies to the API too.
    templates_dir = getattr(settings.validate_config, "templates_dir", None) if settings else None
    render_report = partial(render_report, templates_dir=templates_dir)
    instance = checked.data.instance
    if fmt != "zip":
        return _render_one(render_report, instance, fmt, draft)
    out = io.BytesIO()
    stem = report_stem(checked)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("md", "html", "docx", "json"):
            zf.writestr(f"{stem}.{name}", _render_one(render_report, instance, name, draft))
        findings = json.dumps(checked.report.to_dict(), ensure_ascii=False, indent=2)
        zf.writestr(f"{stem}-校验结果.json", findings.encode("utf-8"))
    return out.getvalue()


def _render_one(render_report: Any, instance: dict[str, Any], fmt: str, draft: bool) -> bytes:
    result = render_report(instance, [fmt], draft=draft)
    value = result.get(fmt)
    if value is None and fmt == "json":
        value = json.dumps(instance, ensure_ascii=False, indent=2)
    if isinstance(value, str):
        value = value.encode("utf-8")
    return bytes(value)


def annotate(checked: Checked) -> bytes:
    """The clerk's workbook with the 校验结果 sheet and highlights (the WPS route)."""
    from xlpy import annotate as annotate_module

    return bytes(annotate_module.annotate_bytes(checked.upload.data, checked.report, name=checked.upload.name))


def template(year: int, org: str | None) -> bytes:
    """A blank workbook for the report year."""
    from xlpy.workbook import build_workbook

    wb = build_workbook(year, org=org or None)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def report_stem(checked: Checked) -> str:
    """`<机关>-<年度>年政府信息公开工作年度报告`, safe as a file name."""
    report = checked.report
    org = report.org or "年报"
    year = f"{report.year}年" if report.year else ""
    return safe_filename(f"{org}{year}政府信息公开工作年度报告")


def safe_filename(name: str) -> str:
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" .")
    return cleaned[:120] or "年报"

"""The CPU-bound work behind each endpoint, run in the conversion pool: read, validate, render, annotate."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from xlpy.errors import InputError
from xlpy.formats import BUNDLE, DEFAULT_NAMES
from xlpy.server.errors import ApiError, input_error
from xlpy.server.settings import Settings
from xlpy.verdict import REFUSED_HTTP_STATUS, Status, Verdict

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSM_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.12"


@dataclass
class Upload:
    """One uploaded file, held in memory only."""

    name: str
    data: bytes


def load(upload: Upload, settings: Settings) -> Any:
    """Bytes → ReadResult; the reader checks the zip directory (our limits) before any parser runs.

    A published report (.pdf/.html/.docx/.txt/.md, by name) goes through the importer (xlpy/importing).
    """
    from xlpy.reader import read_any

    return read_any(upload.data, name=upload.name, limits=settings.reader_limits())


def check(upload: Upload, last_year: Upload | None, settings: Settings) -> Verdict:
    """The verdict on an upload (and last year's): never raises for a bad file, the verdict says 不可用."""
    from xlpy.verdict import check as verdict_check

    last = (lambda: load(last_year, settings)) if last_year is not None else None
    return verdict_check(
        lambda: load(upload, settings), last_year=last, config=settings.validate_config, name=upload.name
    )


def unusable_error(verdict: Verdict) -> ApiError:
    """An unusable verdict as the one JSON error shape: 422 (413 when too large), the reason first in `errors`."""
    report = verdict.report
    errors: list[Any] = []
    if report.error:
        errors.append(dict(report.error))
    errors += [f.to_dict() for f in report.findings if f.severity == "error"] or [f.to_dict() for f in report.findings]
    return ApiError(verdict.http_status, verdict.message, errors)


def refused_error(verdict: Verdict) -> ApiError:
    """A final report the verdict does not allow: 422 with the refusal and the findings that block."""
    if verdict.status is Status.UNUSABLE:
        return unusable_error(verdict)
    return ApiError(REFUSED_HTTP_STATUS, verdict.refusal(), [f.to_dict() for f in verdict.blocking])


def usable(verdict: Verdict) -> Verdict:
    """The verdict, or the 4xx error of an unusable input."""
    if verdict.status is Status.UNUSABLE:
        raise unusable_error(verdict)
    return verdict


# One job per request, so a worker process receives the upload once and sends back only the answer.


def validate_job(upload: Upload, last_year: Upload | None, settings: Settings) -> bytes:
    """The JSON body of /api/validate (the JSON of `xlpy validate --format json`)."""
    verdict = usable(check(upload, last_year, settings))
    return json.dumps(verdict.to_dict(), ensure_ascii=False).encode("utf-8")


def render_job(
    upload: Upload, last_year: Upload | None, settings: Settings, fmt: str, draft: bool
) -> tuple[bytes, str]:
    """(report bytes, file name) for /api/render; a final report the verdict does not allow is a 422."""
    verdict = check(upload, last_year, settings)
    return render(verdict, fmt, draft), verdict.file_name(fmt, draft=draft)


def annotate_job(upload: Upload, last_year: Upload | None, settings: Settings) -> bytes:
    """The annotated workbook for /api/annotate."""
    annotatable(upload)
    return annotate(usable(check(upload, last_year, settings)), upload, settings)


def annotatable(upload: Upload) -> None:
    """The 4xx for an upload that has no workbook to mark (a published report, JSON data)."""
    from xlpy.file_kinds import is_published

    if is_published(upload.name):
        raise input_error(
            InputError(
                f"{upload.name}：这是已发布的年报，没有可以标记的工作簿。请上传填好的年报工作簿（.xlsx）。",
                code="not_workbook",
            )
        )
    if upload.data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        raise input_error(
            InputError(
                f"{upload.name}：这是 JSON 数据，没有可以标记的工作簿。请上传填好的年报工作簿（.xlsx）。",
                code="not_workbook",
            )
        )


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


def render(verdict: Verdict, fmt: str, draft: bool) -> bytes:
    """The report in one format, or a zip of md/html/docx/json plus the findings; refused as the verdict says."""
    if not verdict.allows(draft):
        raise refused_error(verdict)
    if fmt != BUNDLE.name:
        return verdict.render([fmt], draft=draft)[fmt]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in verdict.render(DEFAULT_NAMES, draft=draft).items():
            zf.writestr(verdict.file_name(name, draft=draft), body)
        findings = json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2)
        zf.writestr(f"{verdict.stem(draft=draft)}-校验结果.json", findings.encode("utf-8"))
    return out.getvalue()


def annotate(verdict: Verdict, upload: Upload, settings: Settings) -> bytes:
    """The clerk's workbook with the 校验结果 sheet and highlights (the WPS route)."""
    from xlpy import annotate as annotate_module

    return bytes(
        annotate_module.annotate_bytes(upload.data, verdict, name=upload.name, limits=settings.reader_limits())
    )


def template(year: int, org: str | None) -> bytes:
    """A blank workbook for the report year."""
    from xlpy.workbook import build_workbook

    wb = build_workbook(year, org=org or None)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def safe_filename(name: str) -> str:
    """A download or file name from untrusted text: unsafe characters replaced, bounded in bytes."""
    from xlpy.file_names import safe_stem

    return safe_stem(name)

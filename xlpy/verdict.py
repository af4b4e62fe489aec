"""The verdict: one policy for every front end — status, exit code, HTTP status, status line, what blocks, products.

The CLI commands, the HTTP jobs, the Excel scripts, annotate and batch all ask `check()` for a
`Verdict` and only present it. Nothing here reads the environment or imports a front-end library.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlpy import formats
from xlpy.errors import TOO_LARGE_CODES, InputError, XlpyError
from xlpy.model import CRASHED, ERROR, NOT_ASSESSABLE, Finding, Report

if TYPE_CHECKING:
    from xlpy.config import Config
    from xlpy.reader import ReadResult

LAST_YEAR_PREFIX = "上年度文件："
DRAFT_MARK = "（草稿）"  # in the file name of every draft, so a draft never replaces the final report


class Status(StrEnum):
    """The four outcomes a clerk can be told."""

    PASSED = "通过"  # nothing blocks the final report
    FAILED = "未通过"  # errors, or warnings without a 说明
    INCOMPLETE = "校验未完成"  # a rule crashed (a defect of xlpy): never reads as 通过
    UNUSABLE = "不可用"  # this year's or last year's input cannot be used


# How the one-line status starts, per status (the task pane, the sheet, the terminal all show it).
STATUS_LINE_HEAD = {
    Status.PASSED: "校验通过",
    Status.FAILED: "校验未通过",
    Status.INCOMPLETE: "校验未完成",
    Status.UNUSABLE: "无法校验",
}
EXIT_CODES = {Status.PASSED: 0, Status.FAILED: 1, Status.INCOMPLETE: 2, Status.UNUSABLE: 2}
# The HTTP status of a validation: findings are an answer (200), an unusable upload is the client's (422;
# 413 when it is too large). A crashed rule is answered with its partial findings and status 校验未完成.
HTTP_STATUS = {Status.PASSED: 200, Status.FAILED: 200, Status.INCOMPLETE: 200, Status.UNUSABLE: 422}
REFUSED_HTTP_STATUS = 422  # a final report asked for and refused


class Refused(XlpyError):
    """A product was asked for that the verdict does not allow (a final report that is blocked)."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.refusal() or "")
        self.verdict = verdict


@dataclass(frozen=True, slots=True)
class Checklist:
    """What a person must still confirm before publication (schemas/checklist.json)."""

    title: str = ""
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """What xlpy concludes about one report, and what it may produce from it."""

    report: Report
    data: ReadResult | None = None
    checklist: Checklist = Checklist()
    templates_dir: str | None = None  # the deployment's report template override

    # --- the outcome ----------------------------------------------------------------------
    @property
    def status(self) -> Status:
        if self.report.unusable:
            return Status.UNUSABLE
        if self.report.crashed:
            return Status.INCOMPLETE
        return Status.PASSED if self.report.final_ok else Status.FAILED

    @property
    def exit_code(self) -> int:
        """0 通过, 1 未通过, 2 校验未完成 or 不可用."""
        return EXIT_CODES[self.status]

    @property
    def http_status(self) -> int:
        """The status of /api/validate for this verdict (an unusable upload: 422, or 413 when too large)."""
        error = self.report.error or {}
        if self.status is Status.UNUSABLE and error.get("code") in TOO_LARGE_CODES:
            return 413
        return HTTP_STATUS[self.status]

    @property
    def final_ok(self) -> bool:
        return self.status is Status.PASSED

    @property
    def blocking(self) -> list[Finding]:
        """The findings that stop the final report: errors, and warnings without a 说明."""
        return [f for f in self.report.findings if f.blocks]

    @property
    def crashed(self) -> list[str]:
        return list(self.report.crashed)

    @property
    def not_assessable(self) -> list[dict[str, str]]:
        """What the data could not answer, with the reason: rules not run for it (last year of another year
        or format version) and rules that ran but could not decide part of their check."""
        return [s for s in self.report.skipped if s.get("kind") == NOT_ASSESSABLE] + list(self.report.not_assessable)

    @property
    def message(self) -> str:
        """Why the input is unusable (empty otherwise): the reader's message, else the first error's."""
        if not self.report.unusable:
            return ""
        if self.report.error:
            return self.report.error["message"]
        first = next((f for f in self.report.findings if f.severity == ERROR), None)
        return first.message if first else "文件无法使用"

    @property
    def counts(self) -> str:
        """错误 1 项，警告 2 项（另有已说明的警告 1 项），提示 0 项."""
        s = self.report.summary
        text = f"错误 {s['errors']} 项，警告 {s['warnings']} 项"
        if s["explained"]:
            text += f"（另有已说明的警告 {s['explained']} 项）"
        return text + f"，提示 {s['hints']} 项"

    @property
    def status_line(self) -> str:
        """The one line a clerk reads first, the same in the terminal, the sheet, the alert and the API."""
        status = self.status
        head = STATUS_LINE_HEAD[status]
        if status is Status.UNUSABLE:
            return f"{head}：{self.message}"
        if status is Status.INCOMPLETE:
            return (
                f"{head}：规则 {'、'.join(self.crashed)} 执行出错（程序缺陷，请报告），"
                f"结果不能作为通过的依据。{self.counts}。"
            )
        if status is Status.PASSED:
            if not self.report.findings:
                return f"{head}：未发现问题，可以生成正式报告。"
            return f"{head}：{self.counts}，可以生成正式报告。"
        return (
            f"{head}：{self.counts}。错误须改正，警告须改正或在「说明」表中写明理由，"
            "之后才能生成正式报告（草稿仍可生成）。"
        )

    # --- the products ---------------------------------------------------------------------
    def refusal(self) -> str | None:
        """Why the final report cannot be produced (None when it can): the one message every front end shows."""
        status = self.status
        if status is Status.PASSED:
            return None
        if status is Status.UNUSABLE:
            return f"无法生成报告：{self.message}"
        if status is Status.INCOMPLETE:
            return (
                f"不能生成正式报告：校验未完成（规则 {'、'.join(self.crashed)} 执行出错），"
                "结果不能作为通过的依据；可先生成草稿。"
            )
        s = self.report.summary
        return (
            f"不能生成正式报告：有 {s['errors']} 个错误、{s['warnings']} 个未说明的警告须先处理"
            "（错误须改正，警告须改正或在「说明」表中写明理由）；可先生成草稿。"
        )

    def is_draft(self, draft: bool) -> bool:
        """Whether a product asked for with `draft` is a draft: only when something blocks the final report."""
        return draft and not self.final_ok

    def allows(self, draft: bool) -> bool:
        """A final report when nothing blocks; a draft whenever the input is usable."""
        return self.final_ok or (draft and self.status is not Status.UNUSABLE)

    def stem(self, *, draft: bool = False) -> str:
        """The report's file name without extension (（草稿） when the product is a draft)."""
        return report_stem(self.report.org, self.report.year, draft=self.is_draft(draft))

    def file_name(self, fmt: str, *, draft: bool = False) -> str:
        """The report's file name for a format (（草稿） when the product is a draft)."""
        return report_file_name(self.report.org, self.report.year, fmt, draft=self.is_draft(draft))

    def draft_reasons(self) -> list[str]:
        """What blocks, as a draft's mark lists it: cell (or field), then message."""
        out = []
        for f in self.blocking:
            where = f.cells[0] if f.cells else (f.paths[0] if f.paths else "")
            out.append(f"{where + ' ' if where else ''}{f.message}".strip())
        if self.status is Status.INCOMPLETE:
            out.insert(0, f"规则 {'、'.join(self.crashed)} 执行出错，校验未完成")
        return out

    def render(
        self, names: tuple[str, ...] | list[str], *, draft: bool = False, seal: bool = False
    ) -> dict[str, bytes]:
        """The report in each format; raises Refused when the verdict does not allow it."""
        if not self.allows(draft) or self.data is None:
            raise Refused(self)
        from xlpy.render import render

        is_draft = self.is_draft(draft)
        return render(
            self.data.instance,
            tuple(names),
            draft=is_draft,
            templates_dir=self.templates_dir,
            draft_reasons=self.draft_reasons() if is_draft else None,
            seal=seal,
        )

    # --- JSON -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON of `xlpy validate --format json` and of /api/validate: the findings plus the verdict."""
        out = self.report.to_dict(self.checklist.items)
        out.update(
            status=str(self.status),
            status_line=self.status_line,
            exit_code=self.exit_code,
        )
        return out


def report_stem(org: str | None, year: int | None, *, draft: bool = False) -> str:
    """`<机关名称><年度>年政府信息公开工作年度报告[（草稿）]`, safe as a file name on every system."""
    from xlpy.file_names import safe_stem

    # A long 机关名称 (80 characters exist) is shortened by bytes on a character boundary, in the name only.
    stem = safe_stem(org or "", keep_end=f"{f'{year}年' if year else ''}政府信息公开工作年度报告", default="xlpy")
    return stem + (DRAFT_MARK if draft else "")


def report_file_name(org: str | None, year: int | None, fmt: str, *, draft: bool = False) -> str:
    """The report's file name for a format: the stem and the format's extension."""
    return f"{report_stem(org, year, draft=draft)}.{formats.get(fmt).extension}"


@cache
def checklist() -> Checklist:
    """The checklist, loaded once per process."""
    from xlpy.resources import load_json

    data = load_json("checklist.json")
    return Checklist(str(data["title"]), tuple(data["items"]))


def _read(source: Any, name: str | None) -> ReadResult:
    from xlpy.reader import ReadResult, read_any

    if isinstance(source, ReadResult):
        return source
    if callable(source):
        return source()  # type: ignore[no-any-return]
    return read_any(source, name=name)


def check(
    source: Any,
    *,
    last_year: Any = None,
    config: Config,
    name: str | None = None,
) -> Verdict:
    """Read (when needed) and validate this year's report against last year's: the one Verdict.

    `source` and `last_year` are each a ReadResult, a path, or a function returning a ReadResult.
    An input that cannot be read — this year's or last year's — never raises: the verdict is 不可用.
    """
    from xlpy.validate import unusable_report, validate

    label = name or (str(source) if isinstance(source, (str, Path)) else "工作簿")
    try:
        data = _read(source, name)
    except InputError as exc:
        return Verdict(unusable_report(label, exc), None, checklist(), config.templates_dir)
    last = None
    if last_year is not None:
        try:
            last = _read(last_year, None)
        except InputError as exc:
            message = exc.message if exc.message.startswith("上年度") else LAST_YEAR_PREFIX + exc.message
            report = unusable_report(data.source or label, InputError(message, code=exc.code))
            return Verdict(report, data, checklist(), config.templates_dir)
    report = validate(data, last_year=last, config=config)
    return Verdict(report, data, checklist(), config.templates_dir)


__all__ = ["CRASHED", "Refused", "Status", "Verdict", "check", "checklist", "report_file_name"]

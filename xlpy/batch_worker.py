"""One workbook of a batch, in a worker process: read, check, findings JSON and reports written, its summary row."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlpy.batch_inputs import match_last_year
from xlpy.batch_rows import Row
from xlpy.rules import disk_cache

if TYPE_CHECKING:
    from xlpy.config import Config

# A verdict's status (xlpy.verdict.Status) → the row status the summary counts.
VERDICT_STATUS = {"PASSED": "ok", "FAILED": "blocked", "INCOMPLETE": "incomplete", "UNUSABLE": "unusable"}


@dataclass
class Options:
    """What every worker needs; sent once to each process by the pool initializer."""

    outdir: Path
    formats: tuple[str, ...] = ()
    draft: bool = False
    config: Config | None = None
    last_year: dict[str, Any] = field(default_factory=dict)  # {"by_org": {...}, "by_name": {...}}
    limits: Any = None  # xlpy.zip_limits.Limits or None for the reader's defaults
    org_type: str | None = None  # --org-type: 机关类型 of published reports whose name does not tell it
    # The compiled registers' directory, as the front end set it (a spawned worker would not inherit it).
    register_cache: Path | None = field(default_factory=disk_cache.directory)


_OPTIONS: Options | None = None


def init_worker(options: Options) -> None:
    """Pool initializer: keep the options and compile the rule registers once per process."""
    global _OPTIONS
    _OPTIONS = options
    disk_cache.set_directory(options.register_cache)
    import xlpy.reader
    import xlpy.validate  # noqa: F401

    try:
        from xlpy.rules.register import load_register
        from xlpy.schema import known_versions

        for version in known_versions():
            load_register(version)
    except ImportError:
        pass


def process_chunk(items: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Process (path, output stem) pairs; every failure becomes a row, never an exception."""
    assert _OPTIONS is not None, "init_worker was not called"
    return [process_one(Path(p), stem, _OPTIONS).to_dict() for p, stem in items]


def process_one(path: Path, stem: str, options: Options) -> Row:
    """Validate one workbook, write its findings (and reports), and return its summary row."""
    try:
        return _process(path, stem, options)
    except Exception as exc:  # noqa: BLE001 — one broken file must never end the batch
        return Row(file=str(path), status="failed", note=f"处理失败（内部错误 {type(exc).__name__}：{exc}）")


def _process(path: Path, stem: str, options: Options) -> Row:
    from xlpy.config import Config
    from xlpy.errors import InputError
    from xlpy.reader import read_any
    from xlpy.verdict import Status, check

    row = Row(file=str(path))
    kwargs = {"limits": options.limits} if options.limits else {}
    config = options.config if options.config is not None else Config()
    last_file = None
    try:
        with _published_hints(options):
            data: Any = read_any(path, **kwargs)
        meta = data.instance.get("meta") or {}
        last_file, row.note = match_last_year(options.last_year, path, meta.get("org_name"), meta.get("year"))
    except InputError as exc:
        data = _unreadable(exc)  # the verdict tells the clerk why, as every front end does
    if last_file:
        row.last_year_file = last_file
    # An unreadable last-year file makes the run unusable here too (as xlpy validate --last-year does).
    last = (lambda: read_any(last_file, **kwargs)) if last_file else None
    with _published_hints(options):
        verdict = check(data, last_year=last, config=config, name=str(path))
    _fill_row(row, verdict)
    if not callable(data) and row.status in ("ok", "blocked", "incomplete"):
        from xlpy.batch_rollup import figures

        row.rollup = figures(data.instance)
    out = options.outdir / "findings" / f"{stem}.json"
    out.write_text(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    row.outputs.append(str(out))
    if options.formats and verdict.status is not Status.UNUSABLE:
        if verdict.allows(options.draft):
            row.outputs += _render(verdict, stem, options)
        else:
            row.note = "；".join(filter(None, [row.note, verdict.refusal()]))
    return row


def _published_hints(options: Options) -> contextlib.AbstractContextManager[None]:
    """--org-type for published reports (not for workbooks, which state their 机关类型)."""
    if not options.org_type:
        return contextlib.nullcontext()
    from xlpy.importing import hints

    return hints(fallback_org_type=options.org_type)


def _unreadable(exc: Exception) -> Any:
    """A source for check() that raises the reader's error again, so the verdict reports it."""

    def read() -> Any:
        raise exc

    return read


def _fill_row(row: Row, verdict: Any) -> None:
    report = verdict.report
    summary = report.summary
    row.agency = report.org or ""
    row.year = report.year
    row.version = report.format_version or ""
    row.errors, row.warnings = summary["errors"], summary["warnings"]
    row.explained, row.hints = summary["explained"], summary["hints"]
    row.status = VERDICT_STATUS[verdict.status.name]
    top = [f for f in report.findings if f.blocks] or list(report.findings)
    texts = [f"{f.rule}{'（' + f.cells[0] + '）' if f.cells else ''}：{f.message}" for f in top[:3]]
    if verdict.status.name in ("UNUSABLE", "INCOMPLETE"):
        texts = [verdict.status_line, *texts][:3]
    row.top_findings = "；".join(texts)


def _render(verdict: Any, stem: str, options: Options) -> list[str]:
    written = []
    suffix = "（草稿）" if verdict.is_draft(options.draft) else ""  # a draft never takes the final report's name
    for fmt, body in verdict.render(list(options.formats), draft=options.draft).items():
        out = options.outdir / "reports" / f"{stem}{suffix}.{fmt}"
        out.write_bytes(body.encode("utf-8") if isinstance(body, str) else body)
        written.append(str(out))
    return written

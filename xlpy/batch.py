"""Batch validation for supervisors: many workbooks → per-file findings, optional reports, one summary.

Last-year matching (上年度对应): each workbook is matched to a file under --last-year-dir by the agency
name (基本信息 机关名称, compared after removing spaces and unifying full-width brackets) whose report
year is the workbook's year − 1; when no agency name matches, by file name with every 4-digit year and
the words 年度/年报 removed (``北沟镇-2020.xlsx`` ↔ ``北沟镇-2019.xlsx``). Two last-year files claiming
the same key make that key ambiguous: no match, and the row says so.

Exit codes (the verdict's, xlpy.verdict): 0 every file may go to a final report; 1 at least one file
has blocking findings; 2 at least one file is unusable (its last-year file included), its check is
incomplete (a rule crashed), or it could not be processed (or no workbook was found).
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xlpy.config import Config

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def published_suffixes() -> tuple[str, ...]:
    from xlpy.file_kinds import published_in_folders

    return published_in_folders()


STATUS_ZH = {
    "ok": "通过",
    "blocked": "有问题",
    "incomplete": "校验未完成",
    "unusable": "无法使用",
    "failed": "处理失败",
}
# A verdict's status (xlpy.verdict.Status) → the row status the summary counts.
VERDICT_STATUS = {"PASSED": "ok", "FAILED": "blocked", "INCOMPLETE": "incomplete", "UNUSABLE": "unusable"}
# Summary columns: key → Chinese header (the supervisor reads the Chinese).
COLUMNS = [
    ("file", "文件"),
    ("agency", "机关名称"),
    ("year", "年度"),
    ("version", "格式版本"),
    ("errors", "错误"),
    ("warnings", "警告"),
    ("explained", "已说明"),
    ("hints", "提示"),
    ("status", "状态"),
    ("top_findings", "主要问题"),
    ("last_year_file", "上年度文件"),
    ("note", "备注"),
]
_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheets in Chinese and Japanese locales may take a full-width ＝ for "=", and some skip spaces
# before one: "  =HYPERLINK(…)" and "＝1+1" in summary.csv are kept text too (at worst an extra ').
_FORMULA_LEAD_WIDE = ("＝", "＋", "－", "＠")


@dataclass
class Row:
    """One workbook's line in the summary."""

    file: str
    agency: str = ""
    year: int | None = None
    version: str = ""
    errors: int = 0
    warnings: int = 0
    explained: int = 0
    hints: int = 0
    status: str = "failed"  # ok | blocked | incomplete | unusable | failed
    top_findings: str = ""
    last_year_file: str = ""
    note: str = ""
    outputs: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return {"ok": 0, "blocked": 1}.get(self.status, 2)


@dataclass
class Options:
    """What every worker needs; sent once to each process by the pool initializer."""

    outdir: Path
    formats: tuple[str, ...] = ()
    draft: bool = False
    config: Config | None = None
    last_year: dict[str, Any] = field(default_factory=dict)  # {"by_org": {...}, "by_name": {...}}
    limits: Any = None  # xlpy.safety.Limits or None for the reader's defaults


# --------------------------------------------------------------------------- inputs


def collect(inputs: Iterable[str]) -> tuple[list[Path], list[str]]:
    """Every workbook under the inputs (files, directories, globs), sorted, plus inputs that matched nothing."""
    found: dict[str, Path] = {}
    missing: list[str] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            kinds = (*WORKBOOK_SUFFIXES, *published_suffixes())  # workbooks and published reports (PDF, HTML …)
            candidates: Iterable[Path] = (p for p in path.rglob("*") if p.suffix.lower() in kinds)
        elif path.exists():
            candidates = [path]  # named explicitly: processed even if it is not a workbook
        elif glob.has_magic(item):
            candidates = [Path(p) for p in glob.glob(item, recursive=True) if Path(p).is_file()]
        else:
            candidates = []
        before = len(found)
        for p in candidates:
            # Skip Excel/WPS lock files (~$x.xlsx) and hidden files; they are never reports.
            if p.name.startswith(("~$", ".")) or not p.is_file():
                continue
            found.setdefault(os.path.normcase(str(p.resolve())), p)
        if len(found) == before:
            missing.append(item)
    return sorted(found.values(), key=lambda p: str(p)), missing


def output_stems(paths: list[Path]) -> dict[Path, str]:
    """A unique output name per input (same file names in different folders get -2, -3 …)."""
    used: set[str] = set()
    stems: dict[Path, str] = {}
    for p in paths:
        base = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", p.stem) or "workbook"
        stem, n = base, 1
        while stem.lower() in used:
            n += 1
            stem = f"{base}-{n}"
        used.add(stem.lower())
        stems[p] = stem
    return stems


def agency_key(name: Any) -> str:
    """An agency name for matching: no spaces, full-width brackets and letters unified."""
    if not isinstance(name, str):
        return ""
    text = name.translate(str.maketrans("（）【】［］", "()[][]"))
    return re.sub(r"\s+", "", text)


def name_key(path: Path) -> str:
    """A file name for matching: years and the words 年度/年报/年 removed."""
    stem = re.sub(r"(19|20)\d{2}", "", path.stem)
    stem = re.sub(r"年度|年报|年", "", stem)
    return re.sub(r"[\s_\-－—·.]+", "", stem).lower()


def index_last_year(paths: list[Path], limits: Any = None) -> dict[str, Any]:
    """Last year's files by agency name (with year) and by file-name key; ambiguous keys map to None."""
    from xlpy.errors import InputError
    from xlpy.reader import read_any

    by_org: dict[str, str | None] = {}
    by_name: dict[str, str | None] = {}
    for p in paths:
        try:
            meta = read_any(p, **({"limits": limits} if limits else {})).instance.get("meta") or {}
            org, year = agency_key(meta.get("org_name")), meta.get("year")
            if org:
                key = f"{org}|{year}"
                by_org[key] = None if key in by_org else str(p)
        except InputError:
            pass  # an unreadable last-year file can still be matched by name; the row reports the error
        key = name_key(p)
        if key:
            by_name[key] = None if key in by_name else str(p)
    return {"by_org": by_org, "by_name": by_name}


def match_last_year(index: dict[str, Any], path: Path, org: Any, year: Any) -> tuple[str | None, str]:
    """(last-year file, note) for a workbook, by agency name first, then file name."""
    if not index:
        return None, ""
    if isinstance(year, int):
        key = f"{agency_key(org)}|{year - 1}"
        if key in index["by_org"]:
            found = index["by_org"][key]
            return (found, "") if found else (None, "上年度文件中有多个同名机关，未做跨年度核对")
    key = name_key(path)
    if key in index["by_name"]:
        found = index["by_name"][key]
        return (found, "") if found else (None, "上年度文件名不唯一，未做跨年度核对")
    return None, "未找到上年度文件"


# --------------------------------------------------------------------------- one workbook (in a worker)

_OPTIONS: Options | None = None


def init_worker(options: Options) -> None:
    """Pool initializer: keep the options and compile the rule registers once per process."""
    global _OPTIONS
    _OPTIONS = options
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
    return [asdict(process_one(Path(p), stem, _OPTIONS)) for p, stem in items]


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
        data: Any = read_any(path, **kwargs)
        meta = data.instance.get("meta") or {}
        last_file, row.note = match_last_year(options.last_year, path, meta.get("org_name"), meta.get("year"))
    except InputError as exc:
        data = _unreadable(exc)  # the verdict tells the clerk why, as every front end does
    if last_file:
        row.last_year_file = last_file
    # An unreadable last-year file makes the run unusable here too (as xlpy validate --last-year does).
    last = (lambda: read_any(last_file, **kwargs)) if last_file else None
    verdict = check(data, last_year=last, config=config, name=str(path))
    _fill_row(row, verdict)
    out = options.outdir / "findings" / f"{stem}.json"
    out.write_text(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    row.outputs.append(str(out))
    if options.formats and verdict.status is not Status.UNUSABLE:
        if verdict.allows(options.draft):
            row.outputs += _render(verdict, stem, options)
        else:
            row.note = "；".join(filter(None, [row.note, verdict.refusal()]))
    return row


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


# --------------------------------------------------------------------------- the run


def run_batch(
    paths: list[Path], options: Options, *, jobs: int = 0, progress: Callable[[Row], None] | None = None
) -> list[Row]:
    """Process every path (in parallel when jobs > 1), calling `progress` per finished file; rows in input order."""
    (options.outdir / "findings").mkdir(parents=True, exist_ok=True)
    if options.formats:
        (options.outdir / "reports").mkdir(parents=True, exist_ok=True)
    stems = output_stems(paths)
    items = [(str(p), stems[p]) for p in paths]
    jobs = jobs or os.cpu_count() or 1
    rows: dict[str, Row] = {}
    if jobs == 1 or len(items) <= 4:  # starting worker processes costs more than a few files
        init_worker(options)
        for path, stem in items:
            row = process_one(Path(path), stem, options)
            rows[path] = row
            if progress:
                progress(row)
    else:
        # Chunks amortise inter-process overhead; small enough that progress still moves smoothly.
        size = max(1, min(32, len(items) // (jobs * 8) or 1))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        with ProcessPoolExecutor(max_workers=jobs, initializer=init_worker, initargs=(options,)) as pool:
            futures = {pool.submit(process_chunk, chunk): chunk for chunk in chunks}
            for future in as_completed(futures):
                try:
                    results = [Row(**r) for r in future.result()]
                except Exception as exc:  # noqa: BLE001 — a worker died (e.g. killed by the OS): its files are rows too
                    results = [
                        Row(file=p, status="failed", note=f"处理失败（工作进程异常：{exc}）")
                        for p, _ in futures[future]
                    ]
                for row in results:
                    rows[row.file] = row
                    if progress:
                        progress(row)
    return [rows[p] for p, _ in items]


def exit_code(rows: list[Row]) -> int:
    """The worst outcome: 2 unusable/failed (or nothing found), 1 blocked, 0 all pass."""
    return max((r.exit_code for r in rows), default=2)


# --------------------------------------------------------------------------- the summary


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; numbers pass through.

    Characters XML cannot hold are dropped first: openpyxl refuses them, and one would end the batch
    before summary.xlsx is written.
    """
    if not isinstance(value, str):
        return value
    from xlpy.cellvalue import xml_text

    value = xml_text(value)
    if value.startswith(_FORMULA_LEAD) or value.lstrip(" \u3000").startswith(_FORMULA_LEAD + _FORMULA_LEAD_WIDE):
        return "'" + value
    return value


def summary_records(rows: list[Row]) -> Iterator[list[Any]]:
    for r in rows:
        values = asdict(r)
        values["status"] = STATUS_ZH.get(r.status, r.status)
        yield [neutralise(values[key]) if values[key] is not None else "" for key, _ in COLUMNS]


def write_csv(rows: list[Row], path: Path) -> None:
    """summary.csv in UTF-8 with a BOM, so Excel and WPS open the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([title for _, title in COLUMNS])
    writer.writerows(summary_records(rows))
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")


def write_xlsx(rows: list[Row], path: Path) -> None:
    """summary.xlsx: one sheet 汇总, a header row, filters, frozen header; every text cell stored as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append([title for _, title in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    fills = {"通过": "C6EFCE", "有问题": "FFEB9C", "无法使用": "FFC7CE", "处理失败": "FFC7CE"}
    status_col = [k for k, _ in COLUMNS].index("status") + 1
    for record in summary_records(rows):
        ws.append(record)
        row = ws.max_row
        for cell in ws[row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would store "=…" as a formula; neutralised text stays text
        colour = fills.get(str(ws.cell(row, status_col).value))
        if colour:
            ws.cell(row, status_col).fill = PatternFill("solid", fgColor=colour)
    widths = {"file": 40, "agency": 28, "top_findings": 80, "last_year_file": 30, "note": 40}
    for i, (key, _) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = widths.get(key, 10)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    wb.save(path)

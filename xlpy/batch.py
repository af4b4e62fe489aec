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

import contextlib
import csv
import glob
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlpy import file_kinds

if TYPE_CHECKING:
    from xlpy.config import Config

# What a folder contributes: every workbook xlpy reads and every spreadsheet it refuses (.ods …), so
# each appears in the summary — checked, or with the reason it was not (xlpy.file_kinds, one list).
WORKBOOK_SUFFIXES = file_kinds.workbook_suffixes() + file_kinds.refused_suffixes()
COUNT_KEYS = ("errors", "warnings", "explained", "hints")  # blank, not 0, for a file that was not checked


def published_suffixes() -> tuple[str, ...]:
    return file_kinds.published_in_folders()


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
    rollup: dict[str, Any] | None = None  # what the roll-up and indicators need (xlpy.batch_rollup.figures)

    @property
    def exit_code(self) -> int:
        return {"ok": 0, "blocked": 1}.get(self.status, 2)

    def to_dict(self) -> dict[str, Any]:
        """The row's fields, shallow: dataclasses.asdict deep-copies the roll-up vector of every row, twice per file."""
        return {name: getattr(self, name) for name in _ROW_FIELDS}


_ROW_FIELDS = tuple(f.name for f in fields(Row))


@dataclass
class Options:
    """What every worker needs; sent once to each process by the pool initializer."""

    outdir: Path
    formats: tuple[str, ...] = ()
    draft: bool = False
    config: Config | None = None
    last_year: dict[str, Any] = field(default_factory=dict)  # {"by_org": {...}, "by_name": {...}}
    limits: Any = None  # xlpy.safety.Limits or None for the reader's defaults
    org_type: str | None = None  # --org-type: 机关类型 of published reports whose name does not tell it


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


# --------------------------------------------------------------------------- the run


def run_batch(
    paths: list[Path], options: Options, *, jobs: int = 0, progress: Callable[[Row], None] | None = None
) -> RowSpool:
    """Process every path (in parallel when jobs > 1), calling `progress` per finished file.

    Rows go to a spool file under the output directory as they finish, so memory stays flat however
    many files there are; the returned spool reads them back in input order (close() removes it).
    """
    (options.outdir / "findings").mkdir(parents=True, exist_ok=True)
    if options.formats:
        (options.outdir / "reports").mkdir(parents=True, exist_ok=True)
    stems = output_stems(paths)
    items = [(str(p), stems[p]) for p in paths]
    jobs = jobs or os.cpu_count() or 1
    spool = RowSpool(options.outdir / SPOOL_NAME, [p for p, _ in items])

    def done(row: Row) -> None:
        spool.add(row)
        if progress:
            progress(row)

    if jobs == 1 or len(items) <= 4:  # starting worker processes costs more than a few files
        init_worker(options)
        for path, stem in items:
            done(process_one(Path(path), stem, options))
    else:
        # Chunks amortise inter-process overhead; small enough that progress still moves smoothly.
        size = max(1, min(32, len(items) // (jobs * 8) or 1))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        with ProcessPoolExecutor(max_workers=jobs, initializer=init_worker, initargs=(options,)) as pool:
            futures = {pool.submit(process_chunk, chunk): chunk for chunk in chunks}
            for future in as_completed(futures):
                # Dropped once written: a finished future keeps its rows (each with its roll-up vector),
                # and 10,000 of them held to the end cost ~100 MB and a garbage collector that rescans
                # them all, slowing every later file (105 wb/s at 1,000 files, 64 at 10,000).
                chunk = futures.pop(future)
                try:
                    results = [Row(**r) for r in future.result()]
                except Exception as exc:  # noqa: BLE001 — a worker died (e.g. killed by the OS): its files are rows too
                    results = [Row(file=p, status="failed", note=f"处理失败（工作进程异常：{exc}）") for p, _ in chunk]
                del future
                for row in results:
                    done(row)
    spool.finish()
    return spool


SPOOL_NAME = ".xlpy-summary-rows.jsonl"


class RowSpool:
    """Finished rows on disk (one JSON line each, in finishing order), read back in input order.

    Only a byte offset per file and the (agency, year) keys stay in memory. Two usable workbooks of
    the same agency and year are flagged in both rows' 备注 when read back (a duplicate submission?).
    """

    def __init__(self, path: Path, order: list[str]) -> None:
        self.path = path
        self._order = order
        self._index = {p: i for i, p in enumerate(order)}
        self._offsets: list[int | None] = [None] * len(order)
        self._keys: dict[tuple[str, int], list[int]] = {}
        self._fh = open(path, "w+b")  # noqa: SIM115 — open for the spool's lifetime, closed by close()
        self.counts = dict.fromkeys(STATUS_ZH, 0)

    def add(self, row: Row) -> None:
        i = self._index[row.file]
        self._fh.seek(0, os.SEEK_END)
        self._offsets[i] = self._fh.tell()
        self._fh.write(json.dumps(row.to_dict(), ensure_ascii=False).encode("utf-8") + b"\n")
        self.counts[row.status] = self.counts.get(row.status, 0) + 1
        key = agency_key(row.agency)
        if key and isinstance(row.year, int) and row.status in ("ok", "blocked", "incomplete"):
            self._keys.setdefault((key, row.year), []).append(i)

    def finish(self) -> None:
        for p, i in self._index.items():
            if self._offsets[i] is None:  # a worker lost a file: still a row, never a gap in the summary
                self.add(Row(file=p, status="failed", note="处理失败（没有得到结果）"))
        self._fh.flush()

    @property
    def duplicates(self) -> list[list[str]]:
        """Files of usable workbooks sharing an agency and year (each group has two or more)."""
        return [[self._order[i] for i in sorted(g)] for g in self._keys.values() if len(g) > 1]

    def __len__(self) -> int:
        return len(self._offsets)

    def __iter__(self) -> Iterator[Row]:
        notes: dict[int, str] = {}
        for group in self._keys.values():
            for i in group if len(group) > 1 else ():
                others = "、".join(Path(self._order[j]).name for j in sorted(group) if j != i)
                notes[i] = f"同一机关同一年度还有：{others}（是否重复提交？）"
        for i, offset in enumerate(self._offsets):
            assert offset is not None, "finish() was not called"
            self._fh.seek(offset)
            row = Row(**json.loads(self._fh.readline()))
            if i in notes:
                row.note = "；".join(filter(None, [row.note, notes[i]]))
            yield row

    def close(self) -> None:
        self._fh.close()
        self.path.unlink(missing_ok=True)


def exit_code(rows: Iterable[Row]) -> int:
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


def summary_records(rows: Iterable[Row]) -> Iterator[list[Any]]:
    keys = [key for key, _ in COLUMNS]
    for r in rows:
        values = {key: getattr(r, key) for key in keys}  # not asdict(): it deep-copies every row
        values["status"] = STATUS_ZH.get(r.status, r.status)
        if r.status in ("unusable", "failed"):
            values.update(dict.fromkeys(COUNT_KEYS))  # not checked: no counts, rather than a clean-looking 0
        yield [neutralise(values[key]) if values[key] is not None else "" for key in keys]


Progress = Callable[[Any], None]
PROGRESS_EVERY = 100  # rows between progress calls while a summary is written
STATUS_FILLS = {
    "通过": "C6EFCE",
    "有问题": "FFEB9C",
    "校验未完成": "FFC7CE",
    "无法使用": "FFC7CE",
    "处理失败": "FFC7CE",
}
WIDTHS = {"file": 40, "agency": 28, "top_findings": 80, "last_year_file": 30, "note": 40}


def write_summary(rows: Iterable[Row], outdir: Path, progress: Progress | None = None) -> None:
    """summary.csv and summary.xlsx, rows streamed (one pass each, linear in the number of files)."""
    write_csv(rows, outdir / "summary.csv", progress)
    write_xlsx(rows, outdir / "summary.xlsx", progress)


def write_csv(rows: Iterable[Row], path: Path, progress: Progress | None = None) -> None:
    """summary.csv in UTF-8 with a BOM, so Excel and WPS open the Chinese correctly."""
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow([title for _, title in COLUMNS])
        for n, record in enumerate(summary_records(rows), 1):
            writer.writerow(record)
            if progress and n % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY)
    if progress and n % PROGRESS_EVERY:
        progress(n % PROGRESS_EVERY)


def write_xlsx(rows: Iterable[Row], path: Path, progress: Progress | None = None) -> None:
    """summary.xlsx: one sheet 汇总 with a bold header (repeated in print), filters, frozen header, A4 landscape.

    Streamed by xlpy.sheet_stream. Every value is text or a number as given: neutralise() already made
    formula-like text start with ', so nothing in a clerk's workbook can become a formula here.
    """
    from xlpy.sheet_stream import write_sheet

    write_sheet(
        path,
        "汇总",
        [title for _, title in COLUMNS],
        summary_records(rows),
        widths=[WIDTHS.get(key, 10) for key, _ in COLUMNS],
        fills=STATUS_FILLS,
        fill_column=[k for k, _ in COLUMNS].index("status"),
        progress=progress,
        every=PROGRESS_EVERY,
    )

"""The Excel buttons as xlwings scripts: 校验 (validate), 生成报告 (generate) and 空白填0 (fill_zeros).

Each `@script` takes an `xw.Book` and works on any engine: the remote protocol (the add-in and VBA
buttons via `xlpy serve`), xlwings Lite, and desktop xlwings (`run("validate")` behind RunPython).
The plain `*_book` functions do the work and return what they found, for the server and tests.
"""

from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from xlpy import findings_sheet
from xlpy.cell import Cell
from xlpy.errors import InputError
from xlpy.excel import ensure_license
from xlpy.schema import lookup

ensure_license()

import xlwings as xw  # the licence key must be in place first

try:  # the real decorator; xw.script is a no-op outside a server (XLWINGS_ON_SERVER unset)
    from xlwings.server import script
except (ImportError, xw.LicenseError):  # pragma: no cover - xlwings Lite, or no usable key
    script = xw.script

from xlpy.excel import feedback
from xlpy.excel.bookview import BookView

SCRIPTS = ("validate", "generate", "fill_zeros")


@dataclass
class Outcome:
    """What a script did, for the HTTP layer (the task pane lists the findings) and tests."""

    script: str
    verdict: Any = None  # xlpy.verdict.Verdict
    message: str = ""
    filled: int = 0
    marked: int = 0

    @property
    def report(self) -> Any:
        """The findings (xlpy.model.Report) the verdict was reached on, or None (空白填0)."""
        return self.verdict.report if self.verdict is not None else None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"script": self.script, "message": self.message}
        if self.verdict is not None:
            out["report"] = self.verdict.to_dict()
        if self.script == "fill_zeros":
            out["filled"] = self.filled
        else:
            out["marked"] = self.marked
        return out


# Set by the server around a call: rule configuration, and whether an unusable workbook raises
# (→ a JSON error) instead of being told to the clerk in an alert.
# Unset (desktop xlwings, xlwings Lite): the configuration named by $XLPY_CONFIG, as the CLI would use.
_UNSET = object()
CONFIG: contextvars.ContextVar[Any] = contextvars.ContextVar("xlpy_config", default=_UNSET)
STRICT: contextvars.ContextVar[bool] = contextvars.ContextVar("xlpy_strict", default=False)
# A list the server passes in to receive the Outcome: a plain value set inside the script would not
# cross back out of the task xlwings runs it in.
OUTCOME: contextvars.ContextVar[list[Outcome] | None] = contextvars.ContextVar("xlpy_outcome", default=None)


# --- the scripts (xlwings entry points) ------------------------------------------------------
@script(name="校验")
def validate(book: xw.Book) -> None:
    """校验：写“校验结果”工作表，标出有问题的单元格。"""
    _guarded(validate_book, book)


@script(name="生成报告")
def generate(book: xw.Book) -> None:
    """生成报告：校验通过后把报告正文写入“报告正文”工作表。"""
    _guarded(generate_book, book)


@script(name="空白填0")
def fill_zeros(book: xw.Book) -> None:
    """空白填0：在空白的表格数字单元格中填入 0。"""
    _guarded(fill_zeros_book, book)


def run(name: str) -> None:
    """Desktop xlwings: `RunPython "import xlpy.excel.scripts as s; s.run('validate')"`."""
    if name not in SCRIPTS:
        raise ValueError(f"unknown script {name!r}")
    _guarded(globals()[f"{name}_book"], xw.Book.caller())


def _guarded(fn: Any, book: Any) -> None:
    try:
        outcome = fn(book)
    except InputError as exc:
        if STRICT.get():
            raise
        feedback.alert(book, exc.message, "无法校验")
        outcome = Outcome(fn.__name__.removesuffix("_book"), message=exc.message)
    sink = OUTCOME.get()
    if sink is not None:
        sink.append(outcome)


# --- the work --------------------------------------------------------------------------------
def check(book: Any) -> tuple[Any, Any]:
    """Read the book through the core reader and ask for the verdict: (Verdict, Layout or None)."""
    from xlpy.layout import layout
    from xlpy.reader import read_view
    from xlpy.verdict import Status
    from xlpy.verdict import check as verdict_check

    verdict = verdict_check(lambda: read_view(BookView(book)), config=config(), name=_book_name(book))
    if verdict.status is Status.UNUSABLE and STRICT.get():
        # On the server an unusable workbook is the JSON error every route gives (422), not an alert.
        raise InputError(verdict.message, code=(verdict.report.error or {}).get("code", "input"))
    return verdict, (layout(verdict.data.version) if verdict.data is not None else None)


def _book_name(book: Any) -> str:
    try:
        return str(book.name)
    except Exception:  # noqa: BLE001 - a remote Book may not know its name; the message only loses it
        return "工作簿"


def config() -> Any:
    """The rule configuration: the server's; else (desktop xlwings, Lite) the one $XLPY_CONFIG names,
    read here because this script is the front end there; else defaults."""
    value = CONFIG.get()
    if value is _UNSET:
        import os

        from xlpy.config import load_config, register_cache_dir
        from xlpy.rules.disk_cache import set_directory

        set_directory(register_cache_dir(os.environ))  # the desktop's register cache, as the CLI's
        value = load_config(None, env=os.environ)
    return value


def input_cells(lay: Any) -> frozenset[tuple[str, str]]:
    """Clerk-editable cells as (sheet, "D7"): the only cells the scripts ever colour."""
    return _input_cells(lay.version)


@cache
def _input_cells(version: str) -> frozenset[tuple[str, str]]:
    from xlpy.layout import layout

    return frozenset((i.sheet, i.a1) for i in layout(version).inputs.values() if i.kind != "fixed")


def validate_book(book: Any) -> Outcome:
    """Write the 校验结果 sheet and marks, activate it, alert the status line."""
    verdict, lay = check(book)
    results = findings_sheet.build(verdict, input_cells=input_cells(lay) if lay is not None else None)
    if lay is None:  # unusable before a layout is known: no sheet to write, the alert says why
        feedback.alert(book, verdict.status_line, "校验")
        return Outcome("validate", verdict, verdict.status_line)
    sheet = feedback.write_results(book, results, lay)
    feedback.show(book, sheet, alert_text(results), "校验结果")
    return Outcome("validate", verdict, results.status, marked=len(results.marks))


def alert_text(results: findings_sheet.ResultsSheet) -> str:
    text = results.status
    if results.marks:
        text += f"\n已在表中标出 {len(results.marks)} 个单元格（红色为错误，黄色为警告）。"
    if results.links:
        text += "\n详见“校验结果”工作表，点击位置可跳转到单元格。"
    return text


def generate_book(book: Any) -> Outcome:
    """Check; when the verdict allows the final report, write its text into 报告正文, else show why not."""
    verdict, lay = check(book)
    if lay is None:
        feedback.alert(book, verdict.refusal() or verdict.status_line, "生成报告")
        return Outcome("generate", verdict, verdict.refusal() or verdict.status_line)
    results = findings_sheet.build(verdict, input_cells=input_cells(lay))
    sheet = feedback.write_results(book, results, lay)
    refusal = verdict.refusal()
    if refusal is not None:
        feedback.show(book, sheet, refusal, "生成报告")
        return Outcome("generate", verdict, refusal, marked=len(results.marks))
    rendered = verdict.render(["md"])["md"]
    text = rendered.decode("utf-8") if isinstance(rendered, bytes) else rendered
    body = feedback.write_body(book, body_rows(text))
    message = "报告正文已写入“报告正文”工作表（每段一行，表格按单元格排列），可直接复制。"
    feedback.show(book, body, message, "生成报告")
    return Outcome("generate", verdict, message)


def fill_zeros_book(book: Any) -> Outcome:
    """Write 0 into blank numeric table cells (never into text, dates or non-blank cells)."""
    from xlpy.fill_zeros import TABLE_SECTIONS  # one cell list for the button and `xlpy fill-zeros`
    from xlpy.layout import layout
    from xlpy.reader import read_view
    from xlpy.schema import fields

    data = read_view(BookView(book))
    lay = layout(data.version)
    cells: dict[str, set[tuple[int, int]]] = {}
    for path, field in fields(data.version).items():
        if not field.is_number or path.split(".", 1)[0] not in TABLE_SECTIONS:
            continue
        if lookup(data.instance, path) is not None:
            continue
        inp = lay.inputs.get(path)
        if inp is None or inp.kind == "fixed":
            continue
        where = _cell_of(data.cells.get(path)) or (inp.sheet, inp.row, inp.col)
        cells.setdefault(where[0], set()).add((where[1], where[2]))
    filled = 0
    present = {s.name for s in book.sheets}
    for sheet_name, points in cells.items():
        if sheet_name not in present:
            continue
        sheet = book.sheets[sheet_name]
        for r1, c1, r2, c2 in feedback.rects(points):
            sheet.range((r1, c1), (r2, c2)).value = [[0] * (c2 - c1 + 1) for _ in range(r2 - r1 + 1)]
            filled += (r2 - r1 + 1) * (c2 - c1 + 1)
    if filled:
        message = f"已在 {filled} 个空白的数字单元格中填入 0。请再点“校验”核对。"
    else:
        message = "没有空白的数字单元格，未做修改。"
    feedback.alert(book, message, "空白填0")
    return Outcome("fill_zeros", None, message, filled=filled)


def _cell_of(ref: str | None) -> tuple[str, int, int] | None:
    cell = Cell.parse(ref)
    return (cell.sheet, cell.row, cell.col) if cell is not None else None


# --- report text → rows ----------------------------------------------------------------------
def body_rows(markdown: str) -> list[list[Any]]:
    """Markdown report → sheet rows: one paragraph per row, each table row split into cells."""
    rows: list[list[Any]] = []
    for raw in markdown.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("|"):
            # Cells split on the table's pipes only: a clerk's "|" arrives escaped as "\\|".
            inner = line[1:-1] if line.endswith("|") and not line.endswith("\\|") else line[1:]
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", inner)]
            if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                continue  # the |---| separator line
            rows.append([_plain(c) for c in cells])
            continue
        line = re.sub(r"^#{1,6}\s*", "", line)
        rows.append([_plain(line)])
    return rows


def _plain(text: str) -> str:
    """Drop Markdown emphasis and escapes: the sheet holds the words, not the markup."""
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = text.replace("<br>", " ").replace("<br/>", " ")
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|<>&])", r"\1", text)
    return re.sub(r"&(lt|amp);", lambda m: "<" if m.group(1) == "lt" else "&", text)  # render.md_escape's entities

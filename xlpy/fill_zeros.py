"""空白填0 by file: 0 written into the blank number cells of 表二/三/四; every other byte of the workbook kept.

The same cells as the Excel 空白填0 button (xlpy.excel.scripts.fill_zeros_book): number fields of
the table sections that read as blank, found through the template's defined names. The copy is a
package edit (xlpy.package) like annotate: only those cells' sheet parts change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xlpy.cell import Cell
from xlpy.errors import InputError
from xlpy.package import Package
from xlpy.reader import ReadResult, read_workbook
from xlpy.sheet_xml import CellEdit, edit_cells
from xlpy.zip_limits import DEFAULT_LIMITS, Limits

TABLE_SECTIONS = ("s2", "s3", "s4")  # table figures only, never 年度, dates or text


@dataclass(frozen=True, slots=True)
class Filled:
    """The copy and what went into it."""

    data: bytes
    cells: list[str]  # "表三!D8", in sheet order

    @property
    def count(self) -> int:
        return len(self.cells)


def blank_cells(result: ReadResult) -> dict[str, list[str]]:
    """Sheet → ["D8", …]: the number cells of 表二/三/四 that read as blank."""
    from xlpy.layout import layout
    from xlpy.schema import fields, lookup

    lay = layout(result.version)
    out: dict[str, list[str]] = {}
    for path, field in fields(result.version).items():
        if not field.is_number or path.split(".", 1)[0] not in TABLE_SECTIONS:
            continue
        inp = lay.inputs.get(path)
        if inp is None or inp.kind == "fixed" or lookup(result.instance, path) is not None:
            continue
        ref = Cell.parse(result.cells.get(path)) or Cell(inp.sheet, inp.a1)
        out.setdefault(ref.sheet, []).append(ref.coordinate)
    return out


def fill_zeros_bytes(data: bytes, *, name: str = "工作簿", limits: Limits = DEFAULT_LIMITS) -> Filled:
    """The workbook with 0 in its blank table cells (InputError for a file that cannot be read)."""
    result = read_workbook(data, name=name, limits=limits)
    if not result.cells:
        raise InputError(
            f"{name}：这是 JSON 数据，没有可以填写的单元格。请使用 Excel 工作簿（.xlsx）。", code="not_workbook"
        )
    pkg = Package(data, name, limits)
    parts = {e.name: e.part for e in pkg.sheets()}
    filled: list[str] = []
    for sheet, cells in blank_cells(result).items():
        part = parts.get(sheet)
        if not part or part not in pkg:
            continue
        xml = pkg.text(part)
        new, done = edit_cells(xml, {c: CellEdit(value_if_blank="0") for c in cells})
        if done:
            pkg.write(part, new)
            filled += [f"{sheet}!{c}" for c in cells if c in done]
    return Filled(pkg.to_bytes() if filled else data, filled)


def fill_zeros_path(source: str | Path, output: str | Path, *, force: bool = False) -> Filled:
    """Write the filled copy of `source` to `output` (never onto `source`; an existing output only with force)."""
    from xlpy.annotate import check_suffix, is_macro_workbook, same_file

    src, out = Path(source), Path(output)
    if same_file(src, out):
        raise InputError(
            f"输出文件不能与输入文件相同（{out}）：xlpy 从不改写原工作簿，请用 -o 指定另一个文件名。", code="same_file"
        )
    if out.exists() and not force:
        raise InputError(f"输出文件已存在：{out}。如要覆盖，请加 --force；或用 -o 指定另一个文件名。", code="exists")
    try:
        data = src.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"找不到文件：{src}。请检查路径和文件名。", code="missing") from exc
    except OSError as exc:
        raise InputError(f"{src}：无法读取（{exc.strerror or exc}）。", code="missing") from exc
    check_suffix(out, is_macro_workbook(data, src.name))
    filled = fill_zeros_bytes(data, name=src.name)
    if filled.count:
        tmp = out.with_name(out.name + ".part")
        try:
            tmp.write_bytes(filled.data)
            tmp.replace(out)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise InputError(f"无法写入 {out}：{exc.strerror or exc}", code="write") from exc
    return filled

"""Checks on an untrusted file before any parser touches it: what it is, and whether its zip directory is sane."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Literal

from xlpy.errors import InputError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# An encrypted OOXML file is an OLE container holding an "EncryptionInfo" stream (UTF-16 name).
ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")

Kind = Literal["xlsx", "ole", "json"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds for one workbook; a deployment may tighten them (HTTP) or loosen them (batch on trusted files)."""

    max_file_bytes: int = 20 * 1024 * 1024  # a report workbook is ~30 KB
    max_uncompressed: int = 200 * 1024 * 1024  # sum of member sizes after inflation
    max_ratio: int = 200  # per member larger than ratio_floor: uncompressed / compressed
    ratio_floor: int = 1024 * 1024
    max_members: int = 5000
    # calamine allocates the whole rectangle from the first to the farthest cell of a sheet (32 bytes a
    # cell) before it hands back one value: a single cell at XFD1048576 asks for 512 GiB and aborts the
    # process. 30 M cells (~1 GB) still admits a template with a stray entry in row 1048576.
    max_sheet_cells: int = 30_000_000


DEFAULT_LIMITS = Limits()


def sniff(data: bytes, name: str) -> Kind:
    """What the bytes are: an OOXML zip, an OLE container (.xls/.et/encrypted), or JSON — or InputError."""
    if data.startswith((ZIP_MAGIC, b"PK\x05\x06")):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        if ENCRYPTION_INFO in data:
            raise InputError(
                f"{name}：工作簿设置了打开密码（已加密），无法读取。请在 Excel/WPS 中取消密码"
                "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后另存为 .xlsx 再提交。",
                code="encrypted",
            )
        return "ole"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return "json"
    if not data:
        raise InputError(f"{name}：文件是空的（0 字节）。", code="empty")
    raise InputError(
        f"{name}：不是 Excel 工作簿（.xlsx）。请用 xlpy 生成的年报模板填写，并保存为 .xlsx 格式。", code="not_workbook"
    )


def check_zip(data: bytes, name: str, limits: Limits = DEFAULT_LIMITS) -> zipfile.ZipFile:
    """Open the zip directory (nothing is inflated) and refuse bombs, truncation and non-workbooks."""
    if len(data) > limits.max_file_bytes:
        raise InputError(
            f"{name}：文件过大（{len(data) // 1024 // 1024} MB），年报工作簿通常不超过 1 MB。"
            f"上限为 {limits.max_file_bytes // 1024 // 1024} MB。",
            code="too_large",
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        raise InputError(
            f"{name}：文件已损坏或不完整（不是有效的 xlsx/zip：{exc}）。请重新保存或重新上传完整的文件。",
            code="corrupt",
        ) from exc
    if len(infos) > limits.max_members:
        raise InputError(
            f"{name}：压缩包内文件数 {len(infos)} 超过上限 {limits.max_members}，拒绝处理。", code="zip_bomb"
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise InputError(
                f"{name}：压缩比异常（{info.filename} 解压后 {info.file_size // 1024 // 1024} MB，"
                f"压缩比超过 {limits.max_ratio}:1），疑似压缩炸弹，拒绝处理。",
                code="zip_bomb",
            )
    if total > limits.max_uncompressed:
        raise InputError(
            f"{name}：解压后总大小 {total // 1024 // 1024} MB 超过上限 {limits.max_uncompressed // 1024 // 1024} MB，"
            "疑似压缩炸弹或含有超大工作表，拒绝处理。",
            code="zip_bomb",
        )
    names = {i.filename for i in infos}
    # Two members with one name (OPC compares part names case-insensitively): each reader may pick a
    # different one, so what Excel shows need not be what is checked. Excel never writes such a file.
    folded = [i.filename.casefold() for i in infos]
    if len(set(folded)) != len(folded):
        twice = min(n for n in folded if folded.count(n) > 1)
        raise InputError(
            f"{name}：文件结构异常（压缩包中有重名的部件 {twice}），不是 Excel 保存的工作簿，拒绝处理。"
            "请在 Excel/WPS 中打开后重新保存。",
            code="corrupt",
        )
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise InputError(
                f"{name}：这是 Word 文档，不是 Excel 工作簿。请提交填好的年报模板（.xlsx）。", code="not_workbook"
            )
        raise InputError(f"{name}：压缩包中没有 Excel 工作簿内容，不是 .xlsx 文件。", code="not_workbook")
    for info in infos:
        # A truncated upload often keeps a readable central directory but loses member data.
        if info.header_offset + info.compress_size > len(data):
            raise InputError(f"{name}：文件不完整（{info.filename} 被截断），请重新上传完整的文件。", code="corrupt")
    return zf


# Every part calamine can load as a sheet lives here (it refuses any other path as "sheet:type").
_SHEET_PART = re.compile(r"^xl/(?:worksheets|chartsheets|dialogsheets)/")
# A <c> or <row> start tag (any prefix) with its attributes, values quoted (either quote) or not.
_CELL_TAG = re.compile(
    rb"<(?:[^\s<>/:=\"']+:)?(c|row)(?=[\s/>])((?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*(/>)?"
)
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_A1 = re.compile(rb"^([A-Za-z]+)(\d+)$")
# What Excel, WPS and openpyxl write: every cell tag exactly like this means every cell has one plain r.
_C_START = re.compile(rb"<(?:[^\s<>/:=\"']+:)?c(?=[\s/>])")
_PLAIN_C = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: (?:s|t|cm|vm|ph)="[^"<>]*")*\s*(/?)>')


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


class _Extent:
    """How far a sheet's cells reach, as calamine will place them (conservatively: from A1)."""

    def __init__(self) -> None:
        self.max_row = self.max_col = 0
        self.col_letters = b""
        self.row_attr = 0  # highest <row r="…">
        self.rows_without_r = 0
        self.cells_without_r = 0
        self.empty_row = self.empty_col = 0  # reach of self-closed (valueless) cells

    def _cell(self, letters: bytes, row: int) -> None:
        col = _col_number(letters)
        if col > self.max_col:
            self.max_col, self.col_letters = col, letters.upper()
        self.max_row = max(self.max_row, row)

    def feed(self, text: bytes) -> None:
        plain = _PLAIN_C.findall(text)
        if len(plain) == len(_C_START.findall(text)):
            # The usual file: one pass in C, a handful of distinct columns and rows to convert.
            # <c r="XFD9" s="3"/> (a formatted empty cell) holds no value: calamine places nothing there.
            valued = [(c, r) for c, r, empty in plain if not empty]
            if valued:
                for letters in {c for c, _ in valued}:
                    self._cell(letters, 0)
                self.max_row = max(self.max_row, max(map(int, {r for _, r in valued})))
            return
        for tag, attrs, empty in _CELL_TAG.findall(text):
            refs = [next(v for v in m if v) if any(m) else b"" for m in _R_ATTR.findall(attrs)]
            if tag == b"row":
                rows = [int(v) for v in refs if v.strip().isdigit()]
                if rows:
                    self.row_attr = max(self.row_attr, *rows)
                else:
                    self.rows_without_r += 1
                continue
            found = False
            for ref in refs:  # every r of the tag (a duplicate attribute counts too)
                m = _A1.match(ref.replace(b"$", b"").strip())
                if m:
                    found = True
                    if empty:  # no value, but a cell without r after it may continue from it
                        self.empty_row = max(self.empty_row, int(m.group(2)))
                        self.empty_col = max(self.empty_col, _col_number(m.group(1)))
                    else:
                        self._cell(m.group(1), int(m.group(2)))
            if not found and not empty:
                self.cells_without_r += 1

    @property
    def reach(self) -> str:
        return f"{self.col_letters.decode('ascii')}{self.max_row}" if self.col_letters else ""

    def cells(self) -> int:
        rows, cols = self.max_row, self.max_col
        if self.cells_without_r:
            # A cell without r follows the one before it; a row without r follows the row before it.
            rows = max(rows, self.empty_row, self.row_attr + self.rows_without_r)
            cols = max(cols, self.empty_col) + self.cells_without_r
        return rows * cols


def _sheet_xml(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    data = zf.read(info)  # within the zip limits checked before; a size that lies raises here
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    return data


def check_sheets(zf: zipfile.ZipFile, name: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a sheet whose cells span more than `limits.max_sheet_cells` before calamine allocates them.

    Every part calamine could load as a sheet is scanned (not only those the workbook names), so a
    path trick cannot hide one; tags in comments or CDATA only make the check stricter.
    """
    for info in zf.infolist():
        if not _SHEET_PART.match(info.filename) or info.is_dir():
            continue
        try:
            xml = _sheet_xml(zf, info)
        except Exception as exc:  # zlib.error, BadZipFile (CRC, size), NotImplementedError (method) …
            raise InputError(
                f"{name}：文件已损坏（{info.filename} 无法解压：{exc}）。请重新保存或重新上传完整的文件。",
                code="corrupt",
            ) from exc
        extent = _Extent()
        extent.feed(xml)
        cells = extent.cells()
        if cells > limits.max_sheet_cells:
            where = f"（范围延伸到 {extent.reach}）" if extent.reach else ""
            raise InputError(
                f"{name}：工作表「{_sheet_label(zf, info.filename)}」的使用范围过大{where}，"
                f"约 {cells:,} 个单元格，超过上限 {limits.max_sheet_cells:,}。"
                "可能在远处的单元格中误填了内容：请删除多余的行列后另存再提交。",
                code="too_large",
            )


_ATTR = re.compile(r"""([\w:.\-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _sheet_label(zf: zipfile.ZipFile, part: str) -> str:
    """The sheet name a part is shown under (for messages only; the part's file name if unknown)."""
    import html

    try:
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        book = zf.read("xl/workbook.xml").decode("utf-8")
    except (KeyError, UnicodeDecodeError, zipfile.BadZipFile, OSError):
        return part.rsplit("/", 1)[-1]
    targets = {}
    for tag in re.findall(r"<Relationship\b[^>]*>", rels):
        attrs = {k: a or b for k, a, b in _ATTR.findall(tag)}
        target = attrs.get("Target", "")
        target = target[1:] if target.startswith("/xl/") else target if target.startswith("xl/") else f"xl/{target}"
        targets[attrs.get("Id")] = target
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
        attrs = {k: a or b for k, a, b in _ATTR.findall(tag)}
        rid = attrs.get("r:id") or attrs.get("relationships:id")
        if targets.get(rid) == part and "name" in attrs:
            return html.unescape(attrs["name"])
    return part.rsplit("/", 1)[-1]

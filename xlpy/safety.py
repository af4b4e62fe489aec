"""Checks on an untrusted file before any parser touches it: what it is, and whether its zip directory is sane."""

from __future__ import annotations

import codecs
import io
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, cast

from xlpy import file_kinds
from xlpy.errors import InputError, library_error

try:  # ISA-L inflates ~1.5x and checksums ~4x as fast as zlib (the reader's largest cost): same streams, same API
    from isal import isal_zlib as zlib
except ImportError:  # a platform without its wheel reads the same, a little slower
    import zlib  # type: ignore[no-redef]

_STREAM_ERROR = cast("type[Exception]", zlib.error)  # isal's stub declares it an instance

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# An encrypted OOXML file is an OLE container holding an "EncryptionInfo" stream (UTF-16 name).
ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")

Kind = Literal["xlsx", "ole", "json"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds for one workbook; a deployment may tighten them (HTTP) or loosen them (batch on trusted files)."""

    max_file_bytes: int = 20 * 1024 * 1024  # a report workbook is ~30 KB
    # Sized by bench/bench_worst.py: the sheet scan and calamine cost ~0.2 s per MB of sheet XML.
    max_uncompressed: int = 32 * 1024 * 1024  # sum of member sizes after inflation (a report: ~400 KB)
    max_part_bytes: int = 8 * 1024 * 1024  # one member after inflation (the largest, 表三, is ~210 KB)
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
    reason = file_kinds.refusal(name)
    if reason:
        raise InputError(f"{name}：{reason}", code="not_workbook")
    raise InputError(
        f"{name}：不是 Excel 工作簿（.xlsx）。请用年报模板填写，并保存为 .xlsx 格式。", code="not_workbook"
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
        raise library_error(name, exc) from exc
    if len(infos) > limits.max_members:
        raise InputError(
            f"{name}：压缩包内文件数 {len(infos)} 超过上限 {limits.max_members}，拒绝处理。", code="zip_bomb"
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
            raise InputError(
                f"{name}：{info.filename} 使用了 Excel 不会使用的压缩方式或加密，不是 Excel/WPS 保存的工作簿，"
                "拒绝处理。请在 Excel/WPS 中打开后重新保存。",
                code="corrupt",
            )
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise InputError(
                f"{name}：压缩比异常（{info.filename} 解压后 {info.file_size // 1024 // 1024} MB，"
                f"压缩比超过 {limits.max_ratio}:1），疑似压缩炸弹，拒绝处理。",
                code="zip_bomb",
            )
        if info.file_size > limits.max_part_bytes:
            raise InputError(
                f"{name}：压缩包内的 {info.filename} 解压后 {_mb(info.file_size)} MB，"
                f"超过单个部件的上限 {_mb(limits.max_part_bytes)} MB，年报工作簿不会这么大，拒绝处理。"
                "如工作簿中粘贴了大量数据或图片，请删除后另存再提交。",
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
        if "mimetype" in names and file_kinds.is_opendocument(_head(data, zf.getinfo("mimetype"), name, limits)):
            raise InputError(f"{name}：{file_kinds.opendocument_reason()}", code="opendocument")
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


def is_sheet_part(part: str) -> bool:
    """Whether calamine could load the part as a sheet (such a part is scanned for its extent)."""
    return _SHEET_PART.match(part) is not None


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


# --- bounded inflation ------------------------------------------------------------------------

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
CHUNK = 1024 * 1024  # inflated bytes per step: memory per part read stays near this


def _corrupt(name: str, part: str, what: str, detail: str = "") -> InputError:
    return InputError(
        f"{name}：文件已损坏（{part} {what}）。请在 Excel/WPS 中打开后重新保存，或重新上传完整的文件。",
        code="corrupt",
        detail=detail or what,
    )


def raw_member(data: bytes, info: zipfile.ZipInfo, name: str) -> memoryview:
    """The compressed bytes of a member, located through its local header (nothing inflated)."""
    at = info.header_offset
    if at + _LOCAL_HEADER.size > len(data):
        raise _corrupt(name, info.filename, "被截断", "local header beyond end of file")
    head = _LOCAL_HEADER.unpack_from(data, at)
    if head[0] != 0x04034B50:
        raise _corrupt(name, info.filename, "的文件头无效", "bad local header signature")
    start = at + _LOCAL_HEADER.size + head[9] + head[10]
    if start + info.compress_size > len(data):
        raise _corrupt(name, info.filename, "被截断", "member data beyond end of file")
    return memoryview(data)[start : start + info.compress_size]


def inflate(
    data: bytes,
    info: zipfile.ZipInfo,
    name: str,
    limits: Limits = DEFAULT_LIMITS,
    sink: Callable[[bytes], None] | None = None,
) -> bytes:
    """A member's content, inflated in steps that never go past its declared size (and the per-part budget).

    With `sink`, every step goes to it and nothing is kept (b"" is returned): memory stays at one
    step whatever the part holds. A directory that understates a size is refused after at most the
    declared size plus one step's worth of compressed input; a wrong CRC is refused too.
    """
    raw = raw_member(data, info, name)
    declared = info.file_size
    if declared > limits.max_part_bytes:
        raise InputError(
            f"{name}：{info.filename} 解压后超过单个部件的上限 {_mb(limits.max_part_bytes)} MB，拒绝处理。",
            code="zip_bomb",
        )
    kept: list[bytes] = []
    crc = 0
    produced = 0

    def take(chunk: bytes) -> None:
        nonlocal crc, produced
        produced += len(chunk)
        if produced > declared:
            raise InputError(
                f"{name}：文件已损坏（压缩包目录与内容不符：{info.filename} 实际解压后大于目录声明的 {declared:,} 字节），"
                "可能是压缩炸弹，拒绝处理。请在 Excel/WPS 中打开后重新保存。",
                code="corrupt",
                detail=f"{info.filename}: inflates beyond its declared size {declared}",
            )
        crc = zlib.crc32(chunk, crc)
        if sink is not None:
            sink(chunk)
        else:
            kept.append(chunk)

    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) != declared:
            raise _corrupt(name, info.filename, "大小与目录不符", "stored size mismatch")
        for at in range(0, len(raw), CHUNK):
            take(bytes(raw[at : at + CHUNK]))
    else:
        inflater = zlib.decompressobj(-15)
        pending: bytes | memoryview = raw
        try:
            while pending and not inflater.eof:
                # At most one byte past the declared size: enough to know the directory lied.
                chunk = inflater.decompress(pending, min(CHUNK, declared - produced + 1))
                if not chunk and len(inflater.unconsumed_tail) == len(pending):
                    break  # no progress: a stream zlib cannot continue (refused below)
                pending = inflater.unconsumed_tail
                take(chunk)
            if not inflater.eof:
                tail = inflater.flush()
                take(tail)
        except _STREAM_ERROR as exc:
            raise _corrupt(name, info.filename, "无法解压", str(exc)) from exc
        if not inflater.eof:
            raise _corrupt(name, info.filename, "的压缩数据不完整", "deflate stream does not end")
    if produced != declared:
        raise _corrupt(name, info.filename, "大小与目录不符", f"{produced} bytes, directory says {declared}")
    if crc != info.CRC:
        raise _corrupt(name, info.filename, "校验和不符", f"CRC {crc:08x}, directory says {info.CRC:08x}")
    return b"".join(kept)


def _head(data: bytes, info: zipfile.ZipInfo, name: str, limits: Limits, size: int = 100) -> bytes:
    """The first `size` inflated bytes of a member (a damaged member reads as b"")."""
    got = bytearray()

    def keep(chunk: bytes) -> None:
        got.extend(chunk[: size - len(got)])
        if len(got) >= size:
            raise _Enough

    try:
        inflate(data, info, name, limits, sink=keep)
    except (_Enough, InputError):
        pass
    return bytes(got)


class _Enough(Exception):
    """Stops an inflation once enough of a part is read."""


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f}" if n >= 10 * 1024 * 1024 else f"{n / 1024 / 1024:.1f}"


class _SheetScan:
    """Feeds a sheet part's inflated steps to an _Extent without ever splitting a tag between two feeds."""

    def __init__(self, name: str, part: str) -> None:
        self.extent = _Extent()
        self._name, self._part = name, part
        self._carry = b""
        self._first = True
        self._utf16: codecs.IncrementalDecoder | None = None

    def __call__(self, chunk: bytes) -> None:
        if self._first:
            self._first = False
            if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                self._utf16 = codecs.getincrementaldecoder("utf-16")(errors="replace")
        if self._utf16 is not None:
            chunk = self._utf16.decode(chunk).encode("utf-8")
        text = self._carry + chunk
        cut = text.rfind(b"<")
        if cut <= 0:
            self._carry = text
            return
        # Well-formed XML has no "<" inside a tag: if the text before the cut ends inside one, a tag
        # could straddle the cut unseen, so such a part is refused rather than scanned in pieces.
        if text.rfind(b"<", 0, cut) > text.rfind(b">", 0, cut):
            raise _corrupt(self._name, self._part, "不是有效的 XML（标签中出现“<”）", "'<' inside a tag")
        self.extent.feed(text[:cut])
        self._carry = text[cut:]

    def finish(self) -> _Extent:
        if self._carry:
            self.extent.feed(self._carry)
            self._carry = b""
        return self.extent


def check_parts(
    data: bytes, zf: zipfile.ZipFile, name: str, limits: Limits = DEFAULT_LIMITS, keep: frozenset[str] = frozenset()
) -> dict[str, bytes]:
    """Inflate every member once, bounded, before calamine does: sizes and CRCs as declared, sheets not too wide.

    calamine inflates a member without looking at the size the directory declares, so a lying
    directory would cost it gigabytes; after this pass every member is known to inflate to exactly
    its declared size (which the directory checks bounded). Every part calamine could load as a sheet
    is scanned on the way (not only those the workbook names), so a path trick cannot hide one;
    tags in comments or CDATA only make the check stricter. The parts named in `keep` are returned
    inflated (the reader's workbook.xml), so nothing is inflated twice.
    """
    kept: dict[str, bytes] = {}
    for info in zf.infolist():
        if info.is_dir():
            continue
        sheet = is_sheet_part(info.filename)
        if info.filename in keep or (sheet and info.file_size <= CHUNK):
            # One step's worth (or a part the caller reads anyway): inflated whole, then scanned in place.
            text = inflate(data, info, name, limits)
            if info.filename in keep:
                kept[info.filename] = text
            if sheet:
                _refuse_wide(sheet_extent(text, name, info.filename, limits), data, zf, name, info, limits)
        elif sheet:
            scan = _SheetScan(name, info.filename)
            inflate(data, info, name, limits, sink=scan)
            _refuse_wide(scan.finish(), data, zf, name, info, limits)
        else:
            inflate(data, info, name, limits, sink=_discard)
    return kept


def _refuse_wide(
    extent: _Extent | None, data: bytes, zf: zipfile.ZipFile, name: str, info: zipfile.ZipInfo, limits: Limits
) -> None:
    cells = extent.cells() if extent is not None else 0
    if extent is not None and cells > limits.max_sheet_cells:
        where = f"（范围延伸到 {extent.reach}）" if extent.reach else ""
        raise InputError(
            f"{name}：工作表「{_sheet_label(data, zf, info.filename, limits)}」的使用范围过大{where}，"
            f"约 {cells:,} 个单元格，超过上限 {limits.max_sheet_cells:,}。"
            "可能在远处的单元格中误填了内容：请删除多余的行列后另存再提交。",
            code="too_large",
        )


# Where calamine can meet a cell: from its first <sheetData> start tag to the first end tag after it.
_CLOSE_BEFORE = re.compile(rb"</(?:[^\s<>/:=\"']+:)?\Z")
# A cell tag not written <c r="…"> with a reference of at most two letters and four digits.
_ODD_CELL = re.compile(rb'<c(?! r="[A-Z]{1,2}[0-9]{1,4}")')
# An r attribute (any quoting or spacing) that is not the first attribute of a <c> or <row> tag.
_ODD_R = re.compile(rb"r(?<!<c r)(?<!<row r)\s*=")
SMALL_PLAIN_CELLS = 702 * 9999  # every cell within ZZ9999


def sheet_extent(text: bytes, name: str, part: str, limits: Limits = DEFAULT_LIMITS) -> _Extent | None:
    """How far a sheet part's cells reach (None: proven within ZZ9999, well under the limit).

    Only the stretch calamine reads is scanned: from the first "sheetData" to the last end tag
    "</sheetData" (to the end of the part if there is none). calamine takes cells only between its
    <sheetData> start tag and the first real </sheetData> after it, which cannot lie past the last
    such text; if every such text is fake (in a comment, CDATA or an attribute value), calamine meets
    the end of the part inside sheetData and refuses the sheet before it places a cell
    (tests/test_security_reader.py). A template's data validations and prompts (most of 表三's
    bytes) lie after the stretch. Within it, three passes in C prove the usual file small;
    only an odd one is measured tag by tag.
    """
    if text.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = text.decode("utf-16", errors="replace").encode("utf-8")
    start = text.find(b"sheetData")
    if start < 0:
        start = 0  # not a worksheet calamine can read; measured whole all the same
    end = len(text)
    last = text.rfind(b"sheetData", start + 1)
    if last > 0 and _CLOSE_BEFORE.search(text, max(start, last - 80), last):
        end = last
    if SMALL_PLAIN_CELLS <= limits.max_sheet_cells and _small_and_plain(text, start, end):
        return None
    extent = _Extent()
    extent.feed(text[start:end])
    return extent


def _small_and_plain(text: bytes, start: int, end: int) -> bool:
    """Whether every cell tag of text[start:end] is <c r="…"> with a reference within ZZ9999 and no other r.

    Three passes in C, no copy: no "<c" but a plain cell tag with a short reference, no prefixed tag
    (":c"), no r attribute but the first of a <c> or <row> (none doubled, single-quoted, unquoted or
    spaced). Anything else goes to the exact measure.
    """
    return (
        _ODD_CELL.search(text, start, end) is None
        and text.find(b":c", start, end) < 0
        and _ODD_R.search(text, start, end) is None
    )


def check_sheets(zf: zipfile.ZipFile, name: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """check_parts on an already opened zip of in-memory bytes (kept for callers holding only the ZipFile)."""
    fp = zf.fp
    data = fp.getvalue() if isinstance(fp, io.BytesIO) else b""
    check_parts(data, zf, name, limits)


def _discard(chunk: bytes) -> None:
    pass


_ATTR = re.compile(r"""([\w:.\-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _sheet_label(data: bytes, zf: zipfile.ZipFile, part: str, limits: Limits) -> str:
    """The sheet name a part is shown under (for messages only; the part's file name if unknown)."""
    import html

    try:
        rels = inflate(data, zf.getinfo("xl/_rels/workbook.xml.rels"), "", limits).decode("utf-8")
        book = inflate(data, zf.getinfo("xl/workbook.xml"), "", limits).decode("utf-8")
    except (KeyError, UnicodeDecodeError, InputError):
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

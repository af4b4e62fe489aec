"""Checks on an untrusted file before any parser touches it: what it is, whether its zip directory is sane, every part inflated once."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Literal

from xlpy import file_kinds
from xlpy.errors import InputError, library_error
from xlpy.sheet_scan import Extent, SheetScan, is_sheet_part, sheet_extent
from xlpy.zip_limits import DEFAULT_LIMITS, Limits, megabytes
from xlpy.zip_member import CHUNK, inflate, member_head

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# An encrypted OOXML file is an OLE container holding an "EncryptionInfo" stream (UTF-16 name).
ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")

Kind = Literal["xlsx", "ole", "json"]


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
                f"{name}：压缩包内的 {info.filename} 解压后 {megabytes(info.file_size)} MB，"
                f"超过单个部件的上限 {megabytes(limits.max_part_bytes)} MB，年报工作簿不会这么大，拒绝处理。"
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
        if "mimetype" in names and file_kinds.is_opendocument(member_head(data, zf.getinfo("mimetype"), name, limits)):
            raise InputError(f"{name}：{file_kinds.opendocument_reason()}", code="opendocument")
        raise InputError(f"{name}：压缩包中没有 Excel 工作簿内容，不是 .xlsx 文件。", code="not_workbook")
    for info in infos:
        # A truncated upload often keeps a readable central directory but loses member data.
        if info.header_offset + info.compress_size > len(data):
            raise InputError(f"{name}：文件不完整（{info.filename} 被截断），请重新上传完整的文件。", code="corrupt")
    return zf


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
            scan = SheetScan(name, info.filename)
            inflate(data, info, name, limits, sink=scan)
            _refuse_wide(scan.finish(), data, zf, name, info, limits)
        else:
            inflate(data, info, name, limits, sink=_discard)
    return kept


def _refuse_wide(
    extent: Extent | None, data: bytes, zf: zipfile.ZipFile, name: str, info: zipfile.ZipInfo, limits: Limits
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

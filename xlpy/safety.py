"""Checks on an untrusted file before any parser touches it: what it is, and whether its zip directory is sane."""

from __future__ import annotations

import io
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
                code="encrypted")
        return "ole"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return "json"
    if not data:
        raise InputError(f"{name}：文件是空的（0 字节）。", code="empty")
    raise InputError(
        f"{name}：不是 Excel 工作簿（.xlsx）。请用 xlpy 生成的年报模板填写，并保存为 .xlsx 格式。", code="not_workbook")


def check_zip(data: bytes, name: str, limits: Limits = DEFAULT_LIMITS) -> zipfile.ZipFile:
    """Open the zip directory (nothing is inflated) and refuse bombs, truncation and non-workbooks."""
    if len(data) > limits.max_file_bytes:
        raise InputError(
            f"{name}：文件过大（{len(data) // 1024 // 1024} MB），年报工作簿通常不超过 1 MB。"
            f"上限为 {limits.max_file_bytes // 1024 // 1024} MB。", code="too_large")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        raise InputError(
            f"{name}：文件已损坏或不完整（不是有效的 xlsx/zip：{exc}）。请重新保存或重新上传完整的文件。",
            code="corrupt") from exc
    if len(infos) > limits.max_members:
        raise InputError(f"{name}：压缩包内文件数 {len(infos)} 超过上限 {limits.max_members}，拒绝处理。", code="zip_bomb")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise InputError(
                f"{name}：压缩比异常（{info.filename} 解压后 {info.file_size // 1024 // 1024} MB，"
                f"压缩比超过 {limits.max_ratio}:1），疑似压缩炸弹，拒绝处理。", code="zip_bomb")
    if total > limits.max_uncompressed:
        raise InputError(
            f"{name}：解压后总大小 {total // 1024 // 1024} MB 超过上限 {limits.max_uncompressed // 1024 // 1024} MB，"
            "疑似压缩炸弹或含有超大工作表，拒绝处理。", code="zip_bomb")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise InputError(f"{name}：这是 Word 文档，不是 Excel 工作簿。请提交填好的年报模板（.xlsx）。", code="not_workbook")
        raise InputError(f"{name}：压缩包中没有 Excel 工作簿内容，不是 .xlsx 文件。", code="not_workbook")
    for info in infos:
        # A truncated upload often keeps a readable central directory but loses member data.
        if info.header_offset + info.compress_size > len(data):
            raise InputError(f"{name}：文件不完整（{info.filename} 被截断），请重新上传完整的文件。", code="corrupt")
    return zf

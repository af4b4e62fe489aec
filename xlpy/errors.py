"""Tool failures (as opposed to findings): unusable input, broken data files, render failures."""

from __future__ import annotations

import errno
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Why an input is unusable: the `code` of every InputError and of the HTTP error shape (docs/server.md)."""

    INPUT = "input"  # unspecified
    MISSING = "missing"  # no such file, or it cannot be read
    EMPTY = "empty"  # a file of 0 bytes
    TOO_LARGE = "too_large"  # over the size limit (HTTP 413)
    ZIP_BOMB = "zip_bomb"  # a zip that inflates far beyond its size (HTTP 413)
    CORRUPT = "corrupt"  # a damaged workbook
    ENCRYPTED = "encrypted"  # password-protected
    NOT_WORKBOOK = "not_workbook"  # not an Excel workbook (or not an xlwings payload)
    NOT_JSON = "not_json"  # JSON input that does not parse
    NOT_TEMPLATE = "not_template"  # a workbook not made from xlpy's template
    NOT_REPORT = "not_report"  # an imported document that is not an annual report
    NO_TEXT_LAYER = "no_text_layer"  # a scanned PDF without text
    SHEET_MISSING = "sheet_missing"  # a template sheet renamed or deleted
    NAMES_MISSING = "names_missing"  # the template's defined names removed
    DATA = "data"  # JSON data of the wrong shape
    YEAR = "year"  # no format version for the report year
    CONFIG = "config"  # the deployment's configuration file
    REGISTRY = "registry"  # the workspace's agency registry file
    SUFFIX = "suffix"  # an output name with the wrong extension
    SAME_FILE = "same_file"  # output would overwrite the input
    WRITE = "write"  # an output that cannot be written
    EXISTS = "exists"  # the output file is there already (overwritten only with --force)
    OPENDOCUMENT = "opendocument"  # an .ods / OpenDocument file (save as .xlsx)
    UNKNOWN_SCRIPT = "unknown_script"  # an Excel script name the server does not have
    XLWINGS_VERSION = "xlwings_version"  # the Excel side's xlwings differs from the server's


TOO_LARGE_CODES = frozenset({ErrorCode.TOO_LARGE, ErrorCode.ZIP_BOMB})  # 413 rather than 422


class XlpyError(Exception):
    """Base class: something xlpy cannot work with. `message` is Chinese and meant for the clerk."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InputError(XlpyError):
    """The input is unusable (not a workbook, wrong template, corrupt, too large …): exit code 2."""

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | str = ErrorCode.INPUT,
        findings: list[Any] | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message, **details)
        self.code = ErrorCode(code)  # an unlisted code is a programming error (ValueError), never a new free string
        # An unusable input may still carry findings (F-0: wrong template version for the year).
        self.findings = findings or []


class RegisterError(XlpyError):
    """A data file of xlpy itself (schema, layout, rule register, config) is broken."""


class StoreError(XlpyError):
    """A request the workspace store cannot honour (unknown agency, unknown submission …), in Chinese."""


class RenderError(XlpyError):
    """A report could not be rendered (e.g. a deployment's template override is broken)."""


# --- library failures in the clerk's words ------------------------------------------------------
# (what a library's exception text says, what the clerk reads): the first matching entry wins.
# The library's own words are kept in the error's `detail` (JSON `detail`), never in the message.
_LIBRARY_MESSAGES: tuple[tuple[str, str], ...] = (
    ("is not a zip file", "不是有效的 Excel 工作簿（文件已损坏、不完整，或根本不是 .xlsx）"),
    ("bad crc", "文件已损坏（压缩数据的校验和不符）"),
    ("truncated", "文件不完整（可能上传或复制时中断）"),
    ("end-of-central-directory", "文件不完整（可能上传或复制时中断）"),
    ("cannot detect file format", "无法识别文件格式（不是 Excel 能打开的工作簿）"),
    ("password", "工作簿设置了密码，无法读取"),
    ("encrypt", "工作簿设置了密码，无法读取"),
    ("entity", "工作簿的 XML 内容损坏（含有无法识别的字符引用）"),
    ("xml", "工作簿的 XML 内容损坏"),
    ("utf-8", "工作簿中有无法识别的文字编码"),
    ("decode", "工作簿中有无法识别的文字编码"),
    ("invalid stored block", "文件的压缩数据损坏"),
    ("invalid distance", "文件的压缩数据损坏"),
    ("invalid block type", "文件的压缩数据损坏"),
    ("zlib", "文件的压缩数据损坏"),
)
REOPEN_HINT = "请在 Excel/WPS 中打开后重新保存（另存为 .xlsx），或重新上传完整的文件。"


def library_error(name: str, exc: BaseException, *, where: str = "", code: str = "corrupt") -> InputError:
    """An exception from zipfile, zlib, calamine or an XML parser as the clerk's InputError:
    which file (and part or sheet), what is wrong, what to do; the technical text in `detail`."""
    detail = f"{type(exc).__name__}: {exc}"
    text = detail.lower()
    what = next((zh for needle, zh in _LIBRARY_MESSAGES if needle in text), "工作簿内容损坏，无法读取")
    place = f"（{where}）" if where else ""
    return InputError(f"{name}{place}：{what}。{REOPEN_HINT}", code=code, detail=detail)


# The operating system's reasons in Chinese: OSError.strerror is English ("No such file or directory").
_OS_REASONS = {
    errno.ENOENT: "文件或目录不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "不允许的操作",
    errno.EISDIR: "这是一个目录，不是文件",
    errno.ENOTDIR: "路径中有一部分不是目录",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "文件系统只读",
    errno.EEXIST: "文件已存在",
    errno.ENAMETOOLONG: "文件名过长",
    errno.EMFILE: "打开的文件过多",
    errno.EBUSY: "文件正被占用",
}


def os_reason(exc: OSError) -> str:
    """Why a file could not be read or written, in Chinese (the errno's meaning; never the English text)."""
    if exc.errno in _OS_REASONS:
        return _OS_REASONS[exc.errno]
    return f"系统错误 {exc.errno}" if exc.errno else "系统错误"

"""File names made from report text (机关名称): unsafe characters replaced, length bounded in bytes on a character boundary."""

from __future__ import annotations

import re

# A path component may hold 255 bytes on ext4/NTFS/APFS; suffixes xlpy adds later ("-校验结果",
# "（草稿）", ".docx.part") need room, so a name xlpy makes stays within this many UTF-8 bytes.
MAX_STEM_BYTES = 180
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def shorten(text: str, max_bytes: int) -> str:
    """`text` cut to at most `max_bytes` UTF-8 bytes, never inside a character ("…" marks a cut)."""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    return raw[: max(max_bytes - 3, 0)].decode("utf-8", "ignore") + "…"


def safe_stem(text: str, *, keep_end: str = "", max_bytes: int = MAX_STEM_BYTES, default: str = "年报") -> str:
    """A file-name stem: `text` + `keep_end` with unsafe characters replaced; if too long, `text` is
    shortened and `keep_end` (the year and title) kept whole."""
    head = _UNSAFE.sub("_", text).strip(" .")
    tail = _UNSAFE.sub("_", keep_end)
    room = max_bytes - len(tail.encode("utf-8"))
    stem = shorten(head, max(room, 0)) + tail
    return shorten(stem, max_bytes).strip(" .") or default

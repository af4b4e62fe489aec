"""The OOXML package of a clerk's workbook: parts read with bounded inflation, rewritten without touching the rest.

Every write into a clerk's workbook (annotate, fill-zeros) goes through `Package`: the parts it
does not change are copied as their original compressed bytes (no re-deflate, no library that
drops what it does not model), the parts it changes are deflated anew, and the relationships,
content types and sheet list stay consistent.
"""

from __future__ import annotations

import html
import re
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass

from xlpy import safety, zip_member
from xlpy.errors import InputError
from xlpy.zip_limits import DEFAULT_LIMITS, Limits

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKSHEET_REL = REL_NS + "/worksheet"
STYLES_REL = REL_NS + "/styles"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SIGNATURE_ORIGIN_REL = "http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/origin"
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
CONTENT_TYPES = "[Content_Types].xml"

_LOCAL = struct.Struct("<IHHHHHIIIHH")  # local file header (signature … extra length)
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")

_ATTR = re.compile(r"""([\w:.\-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_RELATIONSHIP = re.compile(r"<(?:\w+:)?Relationship\b[^>]*>")
_SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\b[^>]*>")


def attrs(tag: str) -> dict[str, str]:
    """The attributes of one start tag (values unescaped)."""
    return {k: html.unescape(a if a or not b else b) for k, a, b in _ATTR.findall(tag)}


@dataclass(frozen=True, slots=True)
class SheetEntry:
    """One <sheet> of workbook.xml with the part it points to."""

    name: str
    rid: str
    part: str  # "xl/worksheets/sheet4.xml" ("" when the relationship is missing)
    tag: str  # the start tag as written


def resolve(base_dir: str, target: str) -> str:
    """A relationship target as a part name ("/xl/a.xml" absolute, "a.xml" relative to the source's folder)."""
    if target.startswith("/"):
        path = target[1:]
    else:
        path = f"{base_dir}/{target}" if base_dir else target
    out: list[str] = []
    for seg in path.split("/"):
        if seg == "..":
            if out:
                out.pop()
        elif seg and seg != ".":
            out.append(seg)
    return "/".join(out)


class Package:
    """A zip package opened from bytes. Reads are bounded (xlpy.zip_member.inflate); writes are kept aside."""

    def __init__(self, data: bytes, name: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.name = name
        self.limits = limits
        self._data = data
        self._zf = safety.check_zip(data, name, limits)
        self._infos = {i.filename: i for i in self._zf.infolist()}
        self._order = [i.filename for i in self._zf.infolist()]
        self._new: dict[str, bytes] = {}
        self._removed: set[str] = set()
        self._inflated: dict[str, bytes] = {}  # parts verify() kept, so reading them inflates nothing again

    def verify(self, keep: frozenset[str] = frozenset()) -> None:
        """Inflate every part once (bounded): sizes and CRCs as declared, sheets within the cell limit.

        The parts in `keep` stay inflated for later reads (small parts the caller reads anyway)."""
        self._inflated = safety.check_parts(self._data, self._zf, self.name, self.limits, keep)

    # --- parts ------------------------------------------------------------------------------

    def __contains__(self, part: str) -> bool:
        return part in self._new or (part in self._infos and part not in self._removed)

    def parts(self) -> list[str]:
        return [p for p in self._order if p in self] + [p for p in self._new if p not in self._infos]

    def read(self, part: str) -> bytes:
        if part in self._new:
            return self._new[part]
        if part not in self or part not in self._infos:
            raise KeyError(part)
        if part in self._inflated:
            return self._inflated[part]
        return zip_member.inflate(self._data, self._infos[part], self.name, self.limits)

    def head(self, part: str, size: int = 64 * 1024) -> str:
        """The first `size` bytes or so of a part as text (a large part is not inflated past them)."""
        if part in self._new:
            return self._new[part][:size].decode("utf-8", "replace")
        got: list[bytes] = []

        def keep(chunk: bytes) -> None:
            got.append(chunk)
            if sum(map(len, got)) >= size:
                raise _Enough

        try:
            zip_member.inflate(self._data, self._infos[part], self.name, self.limits, sink=keep)
        except _Enough:
            pass
        return b"".join(got)[:size].decode("utf-8", "replace")

    def text(self, part: str) -> str:
        data = self.read(part)
        try:
            return (
                data.decode("utf-8-sig") if not data.startswith((b"\xff\xfe", b"\xfe\xff")) else data.decode("utf-16")
            )
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{self.name}：文件已损坏（{part} 不是有效的 XML 文本）。请在 Excel/WPS 中打开后重新保存。",
                code="corrupt",
                detail=str(exc),
            ) from exc

    def write(self, part: str, data: bytes | str) -> None:
        self._new[part] = data.encode("utf-8") if isinstance(data, str) else data
        self._removed.discard(part)

    def remove(self, part: str) -> None:
        self._new.pop(part, None)
        if part in self._infos:
            self._removed.add(part)

    def changed(self) -> set[str]:
        return set(self._new) | self._removed

    # --- relationships and the sheet list ------------------------------------------------------

    @staticmethod
    def rels_part(part: str) -> str:
        folder, _, file = part.rpartition("/")
        return f"{folder}/_rels/{file}.rels" if folder else f"_rels/{file}.rels"

    def relationships(self, part: str) -> list[dict[str, str]]:
        """The relationships of `part` (or of the package for ""), each with its resolved "part"."""
        rels = self.rels_part(part) if part else "_rels/.rels"
        if rels not in self:
            return []
        base = part.rpartition("/")[0]
        out = []
        for tag in _RELATIONSHIP.findall(self.text(rels)):
            a = attrs(tag)
            if a.get("TargetMode") != "External":
                a["part"] = resolve(base, a.get("Target", ""))
            out.append(a)
        return out

    def sheets(self) -> list[SheetEntry]:
        targets = {r.get("Id"): r.get("part", "") for r in self.relationships(WORKBOOK)}
        out = []
        for tag in _SHEET_TAG.findall(self.text(WORKBOOK)):
            a = attrs(tag)
            rid = next((v for k, v in a.items() if k.endswith(":id")), "")
            out.append(SheetEntry(a.get("name", ""), rid, targets.get(rid, ""), tag))
        return out

    def signed(self) -> bool:
        """Whether the package carries a digital signature (which any change invalidates)."""
        return any(r.get("Type") == SIGNATURE_ORIGIN_REL for r in self.relationships(""))

    def add_relationship(self, source: str, rel_type: str, target: str) -> str:
        """A new relationship of `source` (target relative to its folder); returns its Id."""
        rels = self.rels_part(source)
        used = {r.get("Id") for r in self.relationships(source)}
        n = len(used) + 1
        while f"rId{n}" in used:
            n += 1
        rid = f"rId{n}"
        tag = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{html.escape(target)}"/>'
        if rels in self:
            xml = self.text(rels)
            end = xml.rfind("</")
            self.write(rels, xml[:end] + tag + xml[end:])
        else:
            self.write(
                rels,
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{tag}</Relationships>',
            )
        return rid

    def add_override(self, part: str, content_type: str) -> None:
        """The content type of a new part ([Content_Types].xml Override), unless one is there."""
        xml = self.text(CONTENT_TYPES)
        if re.search(rf"""PartName\s*=\s*["']/{re.escape(part)}["']""", xml, re.IGNORECASE):
            return
        end = xml.rfind("</")
        m = re.search(r"<([\w.\-]+:)?Types\b", xml)
        p = (m.group(1) or "") if m else ""
        self.write(
            CONTENT_TYPES, f'{xml[:end]}<{p}Override PartName="/{part}" ContentType="{content_type}"/>{xml[end:]}'
        )

    def new_part_name(self, pattern: str) -> str:
        """The first free name of `pattern` ("xl/worksheets/sheet{}.xml"), compared as OPC does (no case)."""
        taken = {p.casefold() for p in self.parts()}
        n = 1
        while pattern.format(n).casefold() in taken:
            n += 1
        return pattern.format(n)

    # --- writing ----------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The package as a zip: untouched parts as their original compressed bytes, changed parts deflated."""
        out = bytearray()
        central = bytearray()
        count = 0
        for part in self.parts():
            offset = len(out)
            raw: bytes | memoryview
            if part in self._new:
                data = self._new[part]
                crc = zlib.crc32(data)
                packer = zlib.compressobj(6, zlib.DEFLATED, -15)
                raw = packer.compress(data) + packer.flush()
                # The replaced part's own time (or the workbook's): the same input gives the same bytes.
                like = self._infos.get(part) or self._infos.get(WORKBOOK)
                stamp = _dos_time(like.date_time if like else None)
                method, size, attr, made = zipfile.ZIP_DEFLATED, len(data), 0, 20
            else:
                info = self._infos[part]
                raw = zip_member.raw_member(self._data, info, self.name)
                crc, method, size = info.CRC, info.compress_type, info.file_size
                stamp = _dos_time(info.date_time)
                attr, made = info.external_attr, (info.create_system << 8) | info.create_version
            name = part.encode("utf-8")
            flags = 0x800 if not part.isascii() else 0
            version = 20
            out += _LOCAL.pack(
                0x04034B50, version, flags, method, stamp[1], stamp[0], crc, len(raw), size, len(name), 0
            )
            out += name
            out += raw
            central += _CENTRAL.pack(
                0x02014B50, made, version, flags, method, stamp[1], stamp[0], crc, len(raw), size, len(name), 0, 0, 0, 0,
                attr, offset,
            )  # fmt: skip
            central += name
            count += 1
        start = len(out)
        out += central
        out += _END.pack(0x06054B50, 0, 0, count, count, len(central), start, 0)
        return bytes(out)


class _Enough(Exception):
    """Stops an inflation once the head of a part is read."""


def _dos_time(stamp: tuple[int, ...] | None = None) -> tuple[int, int]:
    """(date, time) in the DOS format of zip headers."""
    y, mo, d, h, mi, s = stamp[:6] if stamp else time.localtime()[:6]
    y = min(max(y, 1980), 2107)
    return (y - 1980) << 9 | mo << 5 | d, h << 11 | mi << 5 | s // 2

"""Every part is inflated in bounded steps before calamine sees it: a lying zip directory costs at most the budget."""

from __future__ import annotations

import io
import random
import struct
import tracemalloc
import zipfile
import zlib

import pytest

from tests.http_support import example
from xlpy.errors import InputError
from xlpy.reader import read_workbook
from xlpy.safety import check_parts, check_zip
from xlpy.sheet_scan import SheetScan
from xlpy.zip_limits import Limits
from xlpy.zip_member import CHUNK, inflate

SHEET = "xl/worksheets/sheet1.xml"
FAR = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'


def _replace_member(member: str, body_parts: list[bytes], declared: int | None = None) -> bytes:
    """The example with `member` replaced by the concatenation of `body_parts` (deflated as a stream);
    `declared` overrides the uncompressed size the directory states (a lying directory)."""
    zin = zipfile.ZipFile(io.BytesIO(example("huaian-2024")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            if info.filename != member:
                z.writestr(info.filename, zin.read(info.filename))
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = b"".join(packer.compress(p) for p in body_parts) + packer.flush()
    crc, size = 0, 0
    for p in body_parts:
        crc, size = zlib.crc32(p, crc), size + len(p)
    # Append the member by hand so that its sizes can be anything.
    data = bytearray(out.getvalue())
    end = data.rfind(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack_from("<II", data, end + 12)
    count = struct.unpack_from("<H", data, end + 10)[0]
    central = bytes(data[cd_offset : cd_offset + cd_size])
    name = member.encode()
    local_at = cd_offset
    stated = size if declared is None else declared
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(raw), stated, len(name), 0) + name
    entry = struct.pack(
        "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(raw), stated, len(name), 0, 0, 0, 0, 0,
        local_at,
    ) + name  # fmt: skip
    body = bytes(data[:cd_offset]) + local + raw
    central += entry
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count + 1, count + 1, len(central), len(body), 0)
    return body + central + eocd


WHITESPACE = bytes(b" \t\n\r"[i % 4] for i in range(256))


def _sheet_with(middle: bytes, pad: int = 0) -> list[bytes]:
    """The sheet with `pad` bytes of random whitespace (compressible only ~4:1) and then `middle`."""
    text = zipfile.ZipFile(io.BytesIO(example("huaian-2024"))).read(SHEET)
    cut = text.index(b"</sheetData>")
    return [text[:cut], random.Random(0).randbytes(pad).translate(WHITESPACE), middle, text[cut:]]


def test_a_lying_directory_is_refused_within_the_budget() -> None:
    # 200 MB of spaces in a sheet that says it holds 4,000 bytes: ~200 KB on disk.
    parts = _sheet_with(b"")
    parts[1:2] = [b" " * (1 << 20)] * 200
    data = _replace_member(SHEET, parts, declared=4000)
    assert len(data) < 2 << 20
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as err:
            read_workbook(data, name="lie.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert err.value.code == "corrupt" and "lie.xlsx" in err.value.message and "目录" in err.value.message
    assert peak < 3 * CHUNK + len(data) * 2, peak  # one step of output, never the 200 MB


def test_wrong_crc_and_short_content_are_refused_in_chinese() -> None:
    parts = _sheet_with(b"")
    honest = _replace_member(SHEET, parts)
    read_workbook(honest, name="ok.xlsx")  # the hand-made member itself is fine
    zf = zipfile.ZipFile(io.BytesIO(honest))
    info = zf.getinfo(SHEET)
    bad_crc = bytearray(honest)
    pos = bytes(bad_crc).rfind(b"PK\x01\x02")
    struct.pack_into("<I", bad_crc, pos + 16, info.CRC ^ 1)
    with pytest.raises(InputError, match="校验和不符") as err:
        read_workbook(bytes(bad_crc), name="crc.xlsx")
    assert "Bad CRC" not in err.value.message
    longer = _replace_member(SHEET, parts, declared=sum(map(len, parts)) + 10)
    with pytest.raises(InputError, match="大小与目录不符"):
        read_workbook(longer, name="short.xlsx")


@pytest.mark.parametrize("shift", [-40, -17, -3, 0])
def test_a_far_cell_across_a_step_boundary_is_still_seen(shift: int) -> None:
    head = _sheet_with(b"")[0]
    pad = CHUNK - len(head) + shift  # FAR starts `shift` bytes after the first step ends
    data = _replace_member(SHEET, _sheet_with(FAR, pad=pad))
    with pytest.raises(InputError) as err:
        check_parts(data, check_zip(data, "x.xlsx"), "x.xlsx")
    assert err.value.code == "too_large" and "XFD1048576" in err.value.message


def test_a_less_than_sign_inside_a_tag_at_a_step_boundary_is_refused() -> None:
    scan = SheetScan("x.xlsx", SHEET)
    with pytest.raises(InputError, match="不是有效的 XML"):
        scan(b'<row r="1"><c x="<')  # a later step would hold r="XFD1048576"
    whole = SheetScan("x.xlsx", SHEET)
    whole(b'<row r="1"><c x="<" r="XFD1048576"><v>1</v></c></row>')
    assert whole.finish().cells() > 30_000_000  # within one step the odd tag is still measured


def test_each_part_and_the_total_have_a_budget() -> None:
    data = example("huaian-2024")
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet4.xml")  # 表三, ~210 KB
    with pytest.raises(InputError, match="单个部件的上限"):
        check_zip(data, "x.xlsx", Limits(max_part_bytes=info.file_size - 1))
    with pytest.raises(InputError, match="单个部件的上限"):
        inflate(data, info, "x.xlsx", Limits(max_part_bytes=100_000))
    assert len(inflate(data, info, "x.xlsx")) == info.file_size


@pytest.mark.parametrize(
    "cells",
    [
        '<c r="A1" r="XFD1048576"><v>1</v></c>',  # a second r attribute
        '<c r="A1048576"><v>1</v></c><c r="XFD1"><v>1</v></c>',  # far row and far column in two cells
        "<c r='XFD1048576'><v>1</v></c>",  # single quotes
        '<c  r="XFD1048576"><v>1</v></c>',  # two spaces
        '<c r=" XFD1048576"><v>1</v></c>',  # a space inside the value
    ],
)
def test_odd_reference_forms_never_hide_a_far_cell(cells: str) -> None:
    data = _replace_member(SHEET, _sheet_with(f'<row r="7">{cells}</row>'.encode()))
    with pytest.raises(InputError) as err:
        check_parts(data, check_zip(data, "x.xlsx"), "x.xlsx")
    assert err.value.code == "too_large"

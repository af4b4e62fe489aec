"""Hostile workbooks at the reader: far-away cells (calamine's dense allocation), duplicate zip members,
sizes that lie. A regression here aborted the whole process, so the dangerous reads run in a child with
a memory cap and a time limit: a failure is a failed test, never a dead test run."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from tests.http_support import assert_error_shape, example, post
from xlpy.errors import InputError
from xlpy.reader import read_workbook
from xlpy.safety import check_sheets, check_zip
from xlpy.zip_limits import Limits

ROOT = Path(__file__).resolve().parent.parent
SHEET = "xl/worksheets/sheet1.xml"  # 基本信息, read by every workbook read


def patched(member: str, change, src: bytes | None = None) -> bytes:
    """The example workbook with one member's XML text changed."""
    zin = zipfile.ZipFile(io.BytesIO(src or example("huaian-2024")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == member:
                data = change(data.decode("utf-8")).encode("utf-8")
            z.writestr(info.filename, data)
    return out.getvalue()


def with_cell(row_xml: str) -> bytes:
    return patched(SHEET, lambda s: s.replace("</sheetData>", row_xml + "</sheetData>"))


FAR = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'

HOSTILE = {
    "far cell": FAR,
    "single quotes": "<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>",
    "'>' in an attribute, lower case": '<row r="20000"><c t="inlineStr" x=">" r="xfd20000"><is><t>x</t></is></c></row>',
    "prefixed tags": (
        '<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="300000">'
        '<x:c r="AAA300000" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c></x:row>'
    ),
    "non-ASCII prefix": (
        '<表:row xmlns:表="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="300000">'
        '<表:c r="AAA300000" t="inlineStr"><表:is><表:t>x</表:t></表:is></表:c></表:row>'
    ),
}


def read_in_child(data: bytes, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """read_workbook in a child process capped at 1.5 GB and 60 s; prints the InputError code or 'read'."""
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(data)
    code = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))
        sys.path.insert(0, {str(ROOT)!r})
        from xlpy.errors import InputError
        from xlpy.reader import read_workbook
        try:
            read_workbook({str(path)!r})
            print("read")
        except InputError as exc:
            print(exc.code)
    """)
    return subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("row_xml", HOSTILE.values(), ids=HOSTILE.keys())
def test_far_cell_is_refused_not_a_crash(row_xml: str, tmp_path: Path) -> None:
    # A 30 KB workbook with one cell at XFD1048576 made calamine allocate 512 GiB: SIGABRT, no message.
    done = read_in_child(with_cell(row_xml), tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "too_large"


def test_far_cell_message_names_the_sheet_and_cell() -> None:
    with pytest.raises(InputError) as err:  # the check alone: calamine never runs here
        check_sheets(zipfile.ZipFile(io.BytesIO(with_cell(FAR))), "年报.xlsx")
    assert err.value.code == "too_large"
    assert "基本信息" in err.value.message and "XFD1048576" in err.value.message


def test_stray_entry_far_down_a_narrow_column_still_reads() -> None:
    # A clerk's stray entry far below the form costs a tall, narrow range: well within the limit.
    data = with_cell('<row r="200000"><c r="A200000" t="inlineStr"><is><t>x</t></is></c></row>')
    assert read_workbook(data, name="ok.xlsx").version == "2021"


def test_cells_without_r_are_bounded_conservatively() -> None:
    # No r attribute: each cell follows the last; the bound must still count them.
    cells = "".join('<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(50))
    data = with_cell(f'<row r="1048576"><c r="XFA1048576" t="inlineStr"><is><t>x</t></is></c>{cells}</row>')
    zf = zipfile.ZipFile(io.BytesIO(data))
    with pytest.raises(InputError) as err:
        check_sheets(zf, "x.xlsx")
    assert err.value.code == "too_large"
    # …and cells that reach far only by following one another count as far as they reach.
    tail = "".join('<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(300))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(SHEET, f'<worksheet><sheetData><row r="1"><c r="A1"/>{tail}</row></sheetData></worksheet>')
    zf = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    check_sheets(zf, "x.xlsx", Limits(max_sheet_cells=301))
    with pytest.raises(InputError):
        check_sheets(zf, "x.xlsx", Limits(max_sheet_cells=300))


def test_every_sheet_part_is_checked_whatever_the_workbook_names() -> None:
    # A part the workbook does not list (or lists by an odd path) is checked too.
    src = example("huaian-2024")
    zin = zipfile.ZipFile(io.BytesIO(src))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in zin.infolist():
            z.writestr(info.filename, zin.read(info.filename))
        z.writestr("xl/worksheets/extra.xml", f"<worksheet><sheetData>{FAR}</sheetData></worksheet>")
    with pytest.raises(InputError) as err:
        check_sheets(zipfile.ZipFile(io.BytesIO(out.getvalue())), "x.xlsx")
    assert err.value.code == "too_large"


def test_far_cell_over_http_is_413_and_the_server_lives_on(client, books) -> None:
    body = assert_error_shape(post(client, "/api/validate", with_cell(FAR)), 413)
    assert "XFD1048576" in body["error"]
    assert client.get("/healthz").status_code == 200
    assert post(client, "/api/validate", books["huaian"]).status_code == 200


def duplicate_member(first: str, second: str) -> bytes:
    zin = zipfile.ZipFile(io.BytesIO(example("huaian-2024")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == SHEET:
                import warnings

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # "Duplicate name": exactly what we build
                    z.writestr(first, data)
                    z.writestr(second, data)
            else:
                z.writestr(info.filename, data)
    return out.getvalue()


@pytest.mark.parametrize("second", [SHEET, SHEET.upper()])
def test_duplicate_member_names_are_refused(second: str) -> None:
    # Readers disagree on which copy counts (Excel vs calamine/openpyxl): refuse rather than guess.
    with pytest.raises(InputError) as err:
        check_zip(duplicate_member(SHEET, second), "dup.xlsx")
    assert err.value.code == "corrupt"


def test_member_that_inflates_past_its_declared_size_is_refused() -> None:
    # Checked and fine before this file: zipfile and calamine's zip both stop at the declared size.
    import struct

    def pad(s: str) -> str:
        cut = s.rindex("</")
        return s[:cut] + " " * 5_000_000 + s[cut:]

    data = bytearray(patched(SHEET, pad))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(SHEET)
    struct.pack_into("<I", data, info.header_offset + 22, 4000)  # local header: uncompressed size
    pos = 0
    while (pos := bytes(data).find(b"PK\x01\x02", pos)) >= 0:
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46 : pos + 46 + n]) == SHEET.encode():
            struct.pack_into("<I", data, pos + 24, 4000)  # central directory: uncompressed size
        pos += 4
    with pytest.raises(InputError) as err:
        read_workbook(bytes(data), name="lie.xlsx")
    assert err.value.code == "corrupt"


ORG = "xlpy.meta.org_name"  # 基本信息!B4; A1 holds the sheet title
NAME_TRICKS = {
    # Excel never reads these as names; the regex scan did, and read the field from another cell.
    "comment": lambda s: s.replace(
        "</definedNames>", f"<!-- <definedName name=\"{ORG}\">'基本信息'!$A$1</definedName> --></definedNames>"
    ),
    "cdata": lambda s: s.replace(
        "</definedNames>",
        f'<definedName name="junk"><![CDATA[ <definedName name="{ORG}">'
        "'基本信息'!$A$1</definedName> ]]></definedName></definedNames>",
    ),
    "processing instruction": lambda s: s.replace(
        "</definedNames>", f"<?x <definedName name=\"{ORG}\">'基本信息'!$A$1</definedName> ?></definedNames>"
    ),
}


@pytest.mark.parametrize("trick", NAME_TRICKS.values(), ids=NAME_TRICKS.keys())
def test_names_in_comments_cdata_or_instructions_do_not_count(trick) -> None:
    data = read_workbook(patched("xl/workbook.xml", trick), name="x.xlsx")
    assert data.instance["meta"]["org_name"] == "淮安市人民政府"
    assert data.cells["meta.org_name"] == "基本信息!B4"


AMBIGUOUS = {
    "defined twice": lambda s: s.replace(
        "</definedNames>", f"<definedName name=\"{ORG}\">'基本信息'!$A$1</definedName></definedNames>"
    ),
    "only as x:name": lambda s: s.replace(f'<definedName name="{ORG}"', f'<definedName x:name="{ORG}" name="other"', 1),
    "DTD": lambda s: s.replace("<workbook ", '<!DOCTYPE workbook [<!ENTITY a "b">]><workbook ', 1),
}


@pytest.mark.parametrize("trick", AMBIGUOUS.values(), ids=AMBIGUOUS.keys())
def test_ambiguous_or_foreign_names_are_refused_not_guessed(trick) -> None:
    with pytest.raises(InputError) as err:
        read_workbook(patched("xl/workbook.xml", trick), name="x.xlsx")
    assert err.value.code in ("names_missing", "not_template")


def test_formatted_empty_cell_far_away_is_no_reason_to_refuse() -> None:
    # A clerk who colours XFD1048576 leaves <c r="XFD1048576" s="3"/>: no value, calamine places nothing.
    for tag in ('<c r="XFD1048576" s="3"/>', "<c r='XFD1048576' s='3' />"):
        data = with_cell(f'<row r="1048576">{tag}</row>')
        check_sheets(zipfile.ZipFile(io.BytesIO(data)), "x.xlsx")


FAKE_END = {
    # The last "</sheetData" text is not a real end tag, and the real one never comes: calamine must
    # reach the end of the part inside sheetData and refuse the sheet, never place the far cell.
    "in an attribute": f'<row r="7"><c r="A7" x="</sheetData>"/></row>{FAR}',
    "in a comment": f"<!-- </sheetData> -->{FAR}",
}


@pytest.mark.parametrize("trick", FAKE_END.values(), ids=FAKE_END.keys())
def test_a_fake_end_tag_cannot_hide_a_far_cell(trick: str, tmp_path: Path) -> None:
    def unclosed(s: str) -> str:
        return s[: s.index("</sheetData>")] + trick  # no real end tag, nothing after it

    done = read_in_child(patched(SHEET, unclosed), tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() in ("too_large", "corrupt")


def test_a_far_cell_after_a_fake_end_tag_before_the_real_one_is_seen() -> None:
    # calamine ends the sheet at the real </sheetData>: a commented one before it hides nothing.
    data = with_cell(f"<!-- </sheetData> -->{FAR}")
    with pytest.raises(InputError) as err:
        check_sheets(zipfile.ZipFile(io.BytesIO(data)), "x.xlsx")
    assert err.value.code == "too_large"


@pytest.mark.parametrize(
    "cell, refused",
    [
        ('<c r="ZZ9999"><v>1</v></c>', False),  # the largest reference the byte-count proof admits
        ('<c r="AAA9999"><v>1</v></c>', False),  # measured exactly: 703 × 9,999 cells, under the limit
        ('<c r="XFD9999"><v>1</v></c>', True),  # measured exactly: 16,384 × 9,999, over it
        ('<c r="ZZ99999"><v>1</v></c>', True),  # 702 × 99,999
        ('<x:c r="XFD1048576"><v>1</v></x:c>', True),  # a prefix the counts do not admit
        ('<c r="A1" xr="XFD1048576"><v>1</v></c>', False),  # another attribute ending in r: calamine ignores it
    ],
)
def test_the_fast_proof_and_the_exact_measure_agree(cell: str, refused: bool) -> None:
    data = with_cell(f'<row r="9999">{cell}</row>')
    zf = zipfile.ZipFile(io.BytesIO(data))
    if refused:
        with pytest.raises(InputError) as err:
            check_sheets(zf, "x.xlsx")
        assert err.value.code == "too_large"
    else:
        check_sheets(zf, "x.xlsx")


def test_a_utf16_sheet_is_scanned_as_text() -> None:
    def utf16(s: str) -> str:
        return s.replace("</sheetData>", FAR + "</sheetData>")

    zin = zipfile.ZipFile(io.BytesIO(example("huaian-2024")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == SHEET:
                body = utf16(body.decode("utf-8")).encode("utf-16")  # with its byte order mark
            z.writestr(info.filename, body)
    with pytest.raises(InputError) as err:
        check_sheets(zipfile.ZipFile(io.BytesIO(out.getvalue())), "x.xlsx")
    assert err.value.code == "too_large"


def test_a_cell_after_the_end_of_sheet_data_is_not_read_and_not_refused(tmp_path: Path) -> None:
    # calamine stops at </sheetData>: a far cell after it allocates nothing, so it is no reason to refuse
    # (the stretch the extent is measured on ends there; data validations and prompts follow it).
    data = patched(SHEET, lambda s: s.replace("</sheetData>", "</sheetData>" + FAR.replace("row", "x"), 1))
    done = read_in_child(data, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "read"

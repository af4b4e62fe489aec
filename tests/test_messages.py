"""Library failures reach the clerk in Chinese (file, what is wrong, what to do); their own words stay in `detail`."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.http_support import assert_error_shape, client, example, post  # noqa: F401  (fixture)
from xlpy.cli import run as cli

ENGLISH = ("File is not a zip file", "Bad CRC", "CalamineError", "unrecognized entity", "Error", "Traceback")


def _with_member(member: str, body: bytes) -> bytes:
    zin = zipfile.ZipFile(io.BytesIO(example("huaian-2024")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            z.writestr(info.filename, body if info.filename == member else zin.read(info.filename))
    return out.getvalue()


def _bad_crc() -> bytes:
    data = bytearray(example("huaian-2024"))
    pos = bytes(data).rfind(b"PK\x01\x02")
    data[pos + 16] ^= 0xFF
    return bytes(data)


def _entity() -> bytes:
    xml = zipfile.ZipFile(io.BytesIO(example("huaian-2024"))).read("xl/worksheets/sheet1.xml")
    return _with_member("xl/worksheets/sheet1.xml", xml.replace(b"<t>", b"<t>&nosuch;", 1))


BROKEN = {
    "not a zip": b"PK\x03\x04" + b"\x00" * 200,
    "bad crc": _bad_crc(),
    "unknown entity": _entity(),
    "not xlsx at all": b"\x00\x01binary junk" * 50,
}


@pytest.mark.parametrize("command", ["validate", "annotate", "render", "export", "fill-zeros"])
@pytest.mark.parametrize("kind", BROKEN.keys())
def test_every_command_says_file_and_reason_in_chinese(
    command: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "某局年报.xlsx"
    path.write_bytes(BROKEN[kind])
    argv = [command, str(path)]
    if command in ("annotate", "fill-zeros"):
        argv += ["-o", str(tmp_path / "out.xlsx")]
    elif command == "render":
        argv += ["-o", str(tmp_path / "out")]
    assert cli(argv) == 2
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "某局年报.xlsx" in text, text
    assert not [w for w in ENGLISH if w in text], text
    assert any(hint in text for hint in ("重新保存", "不是 Excel", "不是有效")), text


def test_json_output_keeps_the_technical_detail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "crc.xlsx"
    path.write_bytes(BROKEN["bad crc"])
    assert cli(["validate", str(path), "--format", "json"]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert "CRC" in error["detail"] and "CRC" not in error["message"] and "crc.xlsx" in error["message"]


def test_http_error_carries_detail_outside_the_message(client) -> None:  # noqa: F811  (the fixture)
    body = assert_error_shape(post(client, "/api/validate", BROKEN["unknown entity"], name="实体.xlsx"), 422)
    assert "实体.xlsx" in body["error"] and not [w for w in ENGLISH if w in body["error"]]
    assert body["errors"][0].get("detail")

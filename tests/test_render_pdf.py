"""The PDF as printed: both examples through real LibreOffice, measured with pdfplumber against GB/T 9704."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from typing import Any

import pytest

from tests.render_support import VERSIONS, load
from xlpy.render import render, typeset
from xlpy.render import tables as tables_mod
from xlpy.render.env import fmt_date
from xlpy.render.pdf import find_soffice

pdfplumber = pytest.importorskip("pdfplumber")
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True, scope="module")
def _libreoffice() -> None:
    """Skip without LibreOffice locally; in CI (CI set) fail instead: CI installs it (Makefile DEB_PACKAGES)."""
    from tests.libreoffice import need_libreoffice

    need_libreoffice()
    assert find_soffice() is not None, "soffice is on PATH but not where render/pdf.py looks"


MM = 72 / 25.4  # PDF points per millimetre
PITCH_MM = 579 / 20 / MM  # one body line (28.95 pt)
CHAR_MM = 15.75 / MM  # one condensed 3号 character
AREA = {"left": 28.0, "right": 210.0 - 26.0, "top": 37.0, "bottom": 297.0 - 35.0}
NO_LINE_START = set("，。、；：！？）》」』”’")
CAPTION = re.compile(r"^第二十条第（[一二三四五六七八九十]+）项$")


@pytest.fixture(scope="module", params=sorted(VERSIONS))
def report(request) -> dict[str, Any]:
    instance = load(request.param)
    out = render(instance, ("docx", "pdf"))
    with pdfplumber.open(io.BytesIO(out["pdf"])) as pdf:
        pages = [_lines(p) for p in pdf.pages]
        sizes = [(p.width / MM, p.height / MM) for p in pdf.pages]
        tables = [[row for t in p.extract_tables() for row in t] for p in pdf.pages]
    return {
        "instance": instance,
        "version": request.param,
        "pages": pages,
        "sizes": sizes,
        "tables": tables,
        "pdf": out["pdf"],
    }


def _lines(page: Any) -> list[dict[str, Any]]:
    """Text lines of a page: chars grouped by top and size, left to right, positions in mm."""
    groups: dict[tuple[int, float], list[dict[str, Any]]] = defaultdict(list)
    for c in page.chars:
        groups[(round(c["top"]), round(c["size"], 1))].append(c)
    out = []
    for (_, size), chars in sorted(groups.items()):
        chars.sort(key=lambda c: c["x0"])
        out.append(
            {
                "text": "".join(c["text"] for c in chars),
                "size": size,
                "x0": chars[0]["x0"] / MM,
                "x1": chars[-1]["x1"] / MM,
                "top": min(c["top"] for c in chars) / MM,
                "bottom": max(c["bottom"] for c in chars) / MM,
            }
        )
    return out


def _body(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [ln for ln in lines if ln["size"] == 16.0]


def _footer(lines: list[dict[str, Any]]) -> dict[str, Any]:
    return max(lines, key=lambda ln: ln["top"])


def test_every_page_is_a4(report):
    assert report["sizes"] and all(abs(w - 210) < 0.5 and abs(h - 297) < 0.5 for w, h in report["sizes"])


def test_type_area_margins_37_35_28_26(report):
    """Text stays in the 版心; full lines touch both sides; the 22 line boxes fill it top to bottom."""
    body = [ln for page in report["pages"] for ln in _body(page)]
    assert min(ln["x0"] for ln in body) == pytest.approx(AREA["left"], abs=1)
    assert max(ln["x1"] for ln in body) <= AREA["right"] + 1  # no punctuation hangs into the margin
    full = [ln for ln in body if len(ln["text"]) >= 28 and not re.search(r"[\x00-\x7f]", ln["text"])]
    assert full and all(ln["x1"] == pytest.approx(AREA["right"], abs=1) for ln in full)
    # A line box is 28.95 pt with the 16 pt characters centred in it (exact line spacing).
    pad = (PITCH_MM - 16 / MM) / 2
    for page in report["pages"]:
        lines = _body(page)
        if not lines:  # a page holding only a table
            continue
        assert lines[0]["top"] - pad >= AREA["top"] - 1
        assert lines[-1]["bottom"] + pad <= AREA["bottom"] + 1
    fullest = max(report["pages"], key=lambda p: len(_body(p)))
    assert _body(fullest)[0]["top"] - pad == pytest.approx(AREA["top"], abs=1)
    assert _body(fullest)[-1]["bottom"] + pad == pytest.approx(AREA["bottom"], abs=1)


def test_a_full_body_page_holds_22_lines_of_28_characters(report):
    counts = [len(_body(p)) for p in report["pages"]]
    assert max(counts) == 22, counts
    # Every line that runs on (not a paragraph's last line) and is all Chinese holds 28 characters,
    # counting the two-character indent of a paragraph's first line. The one exception is 禁则: when the
    # 28th character is followed by a comma or full stop (never at a line start, and it may not hang into
    # the margin), that character moves down with it and the line is justified with 27.
    cells = []
    for page in report["pages"]:
        body = _body(page)
        for ln, nxt in zip(body, body[1:], strict=False):
            if ln["x1"] > AREA["right"] - 1 and not re.search(r"[\x00-\x7f]", ln["text"]):
                n = len(ln["text"]) + (2 if ln["x0"] > AREA["left"] + CHAR_MM else 0)
                cells.append(n)
                if n != 28:
                    assert n == 27 and nxt["text"][1:2] in NO_LINE_START, (ln["text"], nxt["text"])
    assert len(cells) > 20 and cells.count(28) > 0.8 * len(cells)


def test_page_numbers_outside_on_odd_and_even_pages(report):
    """「— n —」 in 4号, one character in from the right edge on odd pages, from the left on even pages, 7 mm
    below the type area (GB/T 9704 7.5)."""
    for n, page in enumerate(report["pages"], start=1):
        foot = _footer(page)
        assert foot["text"] == f"— {n} —" and foot["size"] == 14.0
        assert foot["top"] == pytest.approx(AREA["bottom"] + 7, abs=2.5)
        one_char = 14 / MM
        if n % 2:
            assert foot["x1"] == pytest.approx(AREA["right"] - one_char, abs=1)
        else:
            assert foot["x0"] == pytest.approx(AREA["left"] + one_char, abs=1)


def test_title_lines_end_at_word_boundaries_and_are_centred(report):
    meta = report["instance"]["meta"]
    title = [ln for ln in report["pages"][0] if ln["size"] == 22.0]
    texts = [ln["text"] for ln in title]
    assert texts == [meta["org_name"], f"{meta['year']}年政府信息公开工作年度报告"]
    assert texts == typeset.title_lines("".join(texts), meta["org_name"])
    centre = (AREA["left"] + AREA["right"]) / 2
    assert all((ln["x0"] + ln["x1"]) / 2 == pytest.approx(centre, abs=1.5) for ln in title)


def test_title_of_a_long_agency_name_breaks_inside_the_name_at_its_words():
    lines = typeset.title_lines(
        "新疆维吾尔自治区伊犁哈萨克自治州奎屯市人民政府办公室2024年政府信息公开工作年度报告",
        "新疆维吾尔自治区伊犁哈萨克自治州奎屯市人民政府办公室",
    )
    assert lines == ["新疆维吾尔自治区伊犁哈萨克自治州", "奎屯市人民政府办公室", "2024年政府信息公开工作年度报告"]
    assert typeset.title_lines("城市管理局2024年政府信息公开工作年度报告", "城市管理局")[0] == "城市管理局"


def test_signature_block_per_gbt9704_7352(report):
    """署名 one blank line below the text; its first character two 字 left of the date's; the longer of
    the two ends two 字 from the right edge of the type area."""
    meta = report["instance"]["meta"]
    last = _body(report["pages"][-1])
    name, date = last[-2], last[-1]
    assert (name["text"], date["text"]) == (meta["org_name"], fmt_date(meta["date"]))
    assert name["top"] - last[-3]["top"] == pytest.approx(2 * PITCH_MM, abs=0.5)  # 空一行
    assert date["top"] - name["top"] == pytest.approx(PITCH_MM, abs=0.5)
    assert date["x0"] - name["x0"] == pytest.approx(2 * CHAR_MM, abs=1.5)
    assert max(name["x1"], date["x1"]) == pytest.approx(AREA["right"] - 2 * CHAR_MM, abs=1.5)


def _compact(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def _row_label(row: list[tables_mod.Cell]) -> str:
    return next(c.text for c in row if c.kind == "row")


def test_no_table_row_is_split_and_groups_stay_on_one_page(report):
    model = tables_mod.tables(report["version"], report["instance"])
    s3 = model["s3"]
    labels = {_compact(_row_label(row)): i for i, row in enumerate(s3.body)}  # every 表三 data row
    pages_of: dict[str, set[int]] = defaultdict(set)
    for n, rows in enumerate(report["tables"]):
        for row in rows:
            for cell in row:
                if _compact(cell) in labels:
                    pages_of[_compact(cell)].add(n)
    # every label is found whole (a split row would leave two partial cells) and exactly once
    assert set(pages_of) == set(labels), set(labels) - set(pages_of)
    assert all(len(p) == 1 for p in pages_of.values())
    plan = tables_mod._row_plan(report["version"], "s3")
    by_group: dict[str, set[int]] = defaultdict(set)
    for (_path, _title, chain), row in zip(plan, s3.body, strict=True):
        if len(chain) == 2:  # （三）不予公开 … （六）其他处理: merged labels over several rows
            by_group[chain[1][1]] |= pages_of[_compact(_row_label(row))]
    assert by_group and all(len(p) == 1 for p in by_group.values()), by_group


def test_captions_and_headers_stay_with_their_rows(report):
    """表二: each page's part of the table starts with a 第二十条 caption and none ends with one (a caption
    is never orphaned at a page foot, nor are rows carried over without theirs); 表三 repeats its header."""
    for n, rows in enumerate(report["tables"]):
        s2 = [[_compact(c) for c in row] for row in rows if not any("申请人情况" in _compact(c) for c in row)]
        s2 = [row for row in s2 if CAPTION.match(row[0]) or row[0] in _s2_labels(report)]
        if s2:
            assert CAPTION.match(s2[0][0]), f"page {n + 1} starts 表二 without a caption: {s2[0][0]}"
            assert not CAPTION.match(s2[-1][0]), f"page {n + 1} ends with the caption {s2[-1][0]}"
        s3_rows = [
            r
            for r in rows
            if _compact(r[0]).startswith(("一、本年新收", "四、结转"))
            or _compact(r[1] if len(r) > 1 else "").startswith("（")
        ]
        if s3_rows:
            assert any("申请人情况" in _compact(c) for row in rows for c in row), (
                f"page {n + 1}: 表三 rows without header"
            )


def _s2_labels(report: dict[str, Any]) -> set[str]:
    s2 = tables_mod.tables(report["version"], report["instance"])["s2"]
    return {_compact(c.text) for row in s2.body for c in row if c.kind in ("row", "col")}


def test_no_page_ends_with_a_caption_or_a_heading(report):
    for n, page in enumerate(report["pages"]):
        text = [ln for ln in page if ln["size"] != 14.0]  # without the page number
        last = _compact(text[-1]["text"])
        assert not CAPTION.match(last), f"page {n + 1} ends with a caption"
        assert not re.match(r"^[一二三四五六]、", last) or text[-1]["size"] != 16.0 or len(last) > 20, (
            f"page {n + 1} ends with the heading {last}"
        )


def _face(family: str) -> tuple[str, int, str]:
    """(file, index in the collection, family) of the face templates/pdf/fonts.conf picks for `family`."""
    import subprocess

    from xlpy.render.pdf import child_env

    fc = subprocess.run(
        ["fc-match", "-f", "%{file}|%{index}|%{family[0]}", family],
        env=child_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    file, index, name = fc.stdout.split("|")
    return file, int(index), name


def _printed_glyphs(pdf_bytes: bytes) -> dict[str, dict[str, int]]:
    """Per embedded font (subset prefix dropped): each printed character -> the CID of its glyph.

    LibreOffice embeds a CJK subset as a Type 1 font whose glyph names are the CIDs of the source font
    (/cid45042), and maps codes to text with a ToUnicode CMap."""
    from pdfminer.pdftypes import resolve1

    out: dict[str, dict[str, int]] = defaultdict(dict)
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        for page in pdf.pages:
            for ref in resolve1(page.page_obj.resources["Font"]).values():
                font = resolve1(ref)
                descriptor = resolve1(font.get("FontDescriptor"))
                if descriptor is None or "FontFile" not in descriptor or "ToUnicode" not in font:
                    continue
                program = resolve1(descriptor["FontFile"]).get_data().decode("latin-1")
                names = {int(code): int(cid) for code, cid in re.findall(r"dup (\d+) /cid(\d+) put", program)}
                cmap = resolve1(font["ToUnicode"]).get_data().decode("latin-1")
                name = font["BaseFont"].name.split("+", 1)[-1]
                for code, text in re.findall(r"<([0-9A-Fa-f]{2})>\s*<([0-9A-Fa-f]{4})>", cmap):
                    if int(code, 16) in names:
                        out[name][chr(int(text, 16))] = names[int(code, 16)]
    return out


def test_chinese_is_printed_in_the_simplified_chinese_faces(report):
    """仿宋/楷体/小标宋 print in Noto Serif CJK SC, 黑体 in Noto Sans CJK SC — the SC glyph forms, not JP.

    The embedded name says "NotoSerifCJKjp-Regular-VKana" whichever face is used: the five faces of the
    Noto CJK collection share one CFF table, which carries the JP name. What differs is the cmap, so the
    check is per character: the glyph printed is the one the SC face maps it to, and for hundreds of the
    characters the JP face would have printed another glyph."""
    from fontTools.ttLib import TTCollection

    glyphs = _printed_glyphs(report["pdf"])
    kinds = {"NotoSerifCJK": _face("仿宋_GB2312"), "NotoSansCJK": _face("黑体")}
    assert _face("楷体_GB2312") == _face("方正小标宋简体") == kinds["NotoSerifCJK"]
    assert [f[2] for f in kinds.values()] == ["Noto Serif CJK SC", "Noto Sans CJK SC"]
    assert glyphs and all(any(name.startswith(k) for k in kinds) for name in glyphs), sorted(glyphs)
    for prefix, (file, index, _family) in kinds.items():
        faces = TTCollection(file, lazy=True).fonts
        sc = {ch: int(g.removeprefix("cid")) for ch, g in ((chr(u), g) for u, g in faces[index].getBestCmap().items())}
        jp_face = next(f for f in faces if f["name"].getDebugName(1).endswith(" JP"))
        jp = {chr(u): int(g.removeprefix("cid")) for u, g in jp_face.getBestCmap().items()}
        printed = {ch: cid for name, chars in glyphs.items() if name.startswith(prefix) for ch, cid in chars.items()}
        assert printed, f"no {prefix} font in the PDF"
        wrong = {ch: cid for ch, cid in printed.items() if sc.get(ch) != cid}
        assert not wrong, f"{prefix}: not the SC glyph for {''.join(wrong)[:40]}"
        differ = [ch for ch in printed if jp.get(ch) != sc.get(ch)]
        assert len(differ) > (50 if prefix == "NotoSerifCJK" else 10), differ


def test_api_renders_pdf(client, books):
    """POST /api/render format=pdf: the same converter in the server's conversion workers."""
    from tests.http_support import post

    r = post(client, "/api/render", books["huaian"], format="pdf")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-") and ".pdf" in r.headers["content-disposition"]
    with pdfplumber.open(io.BytesIO(r.content)) as pdf:
        assert "淮安市人民政府" in (pdf.pages[0].extract_text() or "")


def test_no_libreoffice_is_a_clear_error(monkeypatch, tmp_path):
    """A machine without LibreOffice (none of the candidate paths exists): a Chinese message naming what to
    install, and exit code 2 from the CLI — the other formats are unaffected."""
    from xlpy.cli import run
    from xlpy.render import pdf as pdf_mod

    monkeypatch.setattr(pdf_mod, "SOFFICE_CANDIDATES", (str(tmp_path / "no-soffice"),))
    out, err = io.StringIO(), io.StringIO()
    json_path = str(_repo_root() / "workbook" / "examples" / "huaian-2024.json")
    code = run(["render", json_path, "-o", str(tmp_path / "out"), "--to", "pdf"], out, err)
    assert code == 2 and "未安装 LibreOffice" in err.getvalue() and "apt-get install" in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_no_libreoffice_on_the_server_is_a_503_saying_what_to_do(client, books, monkeypatch, tmp_path):
    """POST /api/render format=pdf on a server without LibreOffice: 503 in the one error shape with the
    server-side message (not the CLI's apt-get advice), before the upload is even read."""
    from tests.http_support import post
    from xlpy.render import pdf as pdf_mod

    monkeypatch.setattr(pdf_mod, "SOFFICE_CANDIDATES", (str(tmp_path / "no-soffice"),))
    r = post(client, "/api/render", books["huaian"], format="pdf")
    assert r.status_code == 503 and r.json()["error"] == pdf_mod.MISSING_ON_SERVER
    assert post(client, "/api/render", books["huaian"], format="docx").status_code == 200


def _repo_root():
    from tests.render_support import ROOT

    return ROOT


def test_a_hung_converter_is_killed_at_the_time_limit(tmp_path):
    """The bound: a converter that never finishes is killed (its whole process group) after `timeout`."""
    import time

    from tests.processes import wait_gone
    from xlpy.errors import RenderError
    from xlpy.render.pdf import docx_to_pdf

    hang = 600  # the fake converter's child sleeps this long: returning sooner means it was not waited for
    fake = tmp_path / "soffice"
    pids = tmp_path / "pids"
    fake.write_text(f"#!/bin/sh\nsleep {hang} &\necho $$ $! > {pids}\nwait\n")
    fake.chmod(0o755)
    start = time.monotonic()
    with pytest.raises(RenderError, match="超时"):
        docx_to_pdf(render(load("2021"), ("docx",))["docx"], soffice=str(fake), timeout=2)
    assert time.monotonic() - start < hang
    # Its whole process group is killed: the wrapper and the child it left running.
    assert not wait_gone(int(p) for p in pids.read_text().split())


def test_sealed_signature_per_gbt9704_7351():
    """加盖印章: 成文日期 four 字 from the right, 署名 centred over it, room for the seal above (two lines)."""
    instance = load("2021")
    pdf_bytes = render(instance, ("pdf",), seal=True)["pdf"]
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        last = _body(_lines(pdf.pages[-1]))
    name, date = last[-2], last[-1]
    assert (name["text"], date["text"]) == ("淮安市人民政府", "2025年3月20日")
    assert date["x1"] == pytest.approx(AREA["right"] - 4 * CHAR_MM, abs=1.5)
    assert (name["x0"] + name["x1"]) / 2 == pytest.approx((date["x0"] + date["x1"]) / 2, abs=1.5)
    assert name["top"] - last[-3]["top"] == pytest.approx(3 * PITCH_MM, abs=0.5)

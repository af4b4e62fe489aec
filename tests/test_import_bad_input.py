"""Bad input to `xlpy import` / `xlpy validate` of a published file: exit 2 with a Chinese message, never a traceback."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from xlpy.cli import run
from xlpy.render import render

EXAMPLES = Path(__file__).resolve().parent.parent / "workbook" / "examples"


def _pdf(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """A well-formed PDF of the given objects (1 = catalog), with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R " % (len(objects) + 1) + trailer_extra + b">>\n")
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _page_objects(content: bytes) -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_scanned_pdf_without_text_layer(tmp_path: Path) -> None:
    # A page with only graphics (what a scanner's image-only PDF gives a text extractor): no characters at all.
    scan = tmp_path / "扫描件.pdf"
    scan.write_bytes(_pdf(_page_objects(b"0.5 g 50 50 495 742 re f 0 g 100 700 m 400 700 l S")))
    for command in ("import", "validate"):
        code, _, err = _cli(command, str(scan))
        assert code == 2, err
        assert "此 PDF 没有文字层（可能是扫描件），无法读取；请提供可复制文字的 PDF 或网页" in err + _
        assert "Traceback" not in err


def test_encrypted_pdf(tmp_path: Path) -> None:
    # Standard security handler, revision 2: the empty user password does not open it.
    encrypt = b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>"
    pdf = _pdf(
        [*_page_objects(b"BT ET"), encrypt],
        b"/Encrypt 5 0 R /ID [<0123456789abcdef0123456789abcdef><0123456789abcdef0123456789abcdef>] ",
    )
    path = tmp_path / "加密.pdf"
    path.write_bytes(pdf)
    code, _, err = _cli("import", str(path))
    assert code == 2 and "PDF 已加密" in err and str(path) in err


def test_not_a_pdf_at_all(tmp_path: Path) -> None:
    path = tmp_path / "坏.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    code, _, err = _cli("import", str(path))
    assert code == 2 and "坏.pdf" in err and "Traceback" not in err


@pytest.mark.parametrize("suffix", [".txt", ".html"])
def test_document_that_is_not_an_annual_report(tmp_path: Path, suffix: str) -> None:
    body = "关于开展春季植树活动的通知。各单位：为改善生态环境，定于3月12日开展植树活动，请积极参加。"
    path = tmp_path / f"通知{suffix}"
    path.write_text(body if suffix == ".txt" else f"<html><body><p>{body}</p></body></html>", encoding="utf-8")
    code, _, err = _cli("import", str(path))
    assert code == 2
    assert "不是政府信息公开工作年度报告" in err and "一、总体情况" in err and "表二、表三、表四" in err


def test_huge_html_page_is_refused_in_bounded_time(tmp_path: Path) -> None:
    path = tmp_path / "巨大.html"
    path.write_text(
        "<html><body>" + "<div><span>一、总体情况</span></div>" * 120_000 + "</body></html>", encoding="utf-8"
    )
    started = time.perf_counter()
    code, _, err = _cli("import", str(path))
    assert code == 2 and "网页过大" in err
    assert time.perf_counter() - started < 30  # generous: the point is that it ends, with a message


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "大.txt"
    with open(path, "wb") as fh:
        fh.truncate(21 * 1024 * 1024)
    code, _, err = _cli("import", str(path))
    assert code == 2 and "文件过大" in err


def test_run_of_hundreds_of_digits_is_listed_not_guessed(tmp_path: Path) -> None:
    md = render(_instance(), ("md",), draft=True)["md"].decode("utf-8")
    # Replace 表三's first row by a crawler's run of 300 digits: no split can be checked, so none is made.
    lines = md.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith("| 一、本年新收"))
    lines[i] = "| 一、本年新收政府信息公开申请数量 | " + "7" * 300 + " |"
    path = tmp_path / "长数字.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    started = time.perf_counter()
    code, out, err = _cli("import", str(path))
    assert code == 0 and time.perf_counter() - started < 30
    assert '"natural_person": null' in out and "无法对应" in err


def test_html_scripts_are_dropped_and_markup_in_text_stays_text(tmp_path: Path) -> None:
    html = render(_instance(), ("html",), draft=True)["html"].decode("utf-8")
    payload = "<script>alert('x')</script><img src=x onerror=alert(2)>"
    html = html.replace("</h1>", "</h1>" + payload, 1)
    # Markup typed as text (escaped in the page) must come back as the same literal text.
    html = html.replace("2024年，淮安市人民政府坚持", "2024年，&lt;b onclick=x&gt;淮安市人民政府坚持", 1)
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    code, out, err = _cli("import", str(path))
    assert code == 0, err
    assert "alert" not in out and "onerror" not in out
    assert "<b onclick=x>淮安市人民政府坚持" in out  # literal text, as printed on the page
    again = tmp_path / "again.json"
    again.write_text(out, encoding="utf-8")
    code, _, err = _cli("render", str(again), "-o", str(tmp_path / "out"), "--to", "html", "--draft")
    assert code in (0, 1), err
    rendered = next((tmp_path / "out").glob("*.html")).read_text(encoding="utf-8")
    assert "<b onclick" not in rendered and "&lt;b onclick=x&gt;" in rendered


def _instance() -> dict:
    from xlpy.reader import read_workbook

    return read_workbook(EXAMPLES / "huaian-2024.xlsx").instance


def test_import_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    page = tmp_path / "r.md"
    page.write_bytes(render(_instance(), ("md",))["md"])
    out = tmp_path / "data.json"
    out.write_text("{}", encoding="utf-8")
    code, _, err = _cli("import", str(page), "-o", str(out))
    assert code == 2 and "已存在" in err and out.read_text(encoding="utf-8") == "{}"
    code, _, err = _cli("import", str(page), "-o", str(out), "--force")
    assert code == 0 and '"org_name": "淮安市人民政府"' in out.read_text(encoding="utf-8")

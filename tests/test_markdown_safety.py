"""The Markdown report is text in every common renderer: markdown-it (CommonMark + GFM tables) and Python-Markdown."""

from __future__ import annotations

import copy
import html
import re
from html.parser import HTMLParser

import pytest

from tests.http_support import example_data
from xlpy.render import render

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "<iframe src=javascript:alert(4)></iframe>",
    "[点我](javascript:alert(5))",
    "![图](javascript:alert(6))",
    "<javascript:alert(7)>",
    "\\<script>alert(8)</script>",
    "&lt;b&gt;实体&lt;/b&gt;",
    '段落 {: onclick="alert(9)" }',
    "<!-- 注释 --> <?php echo 1; ?>",
    "<a href='javascript:alert(10)'>链接</a>",
]
SAFE_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "strong", "em", "br", "hr", "ul", "ol", "li", "blockquote", "code", "pre", "del"}  # fmt: skip


class _Tags(HTMLParser):
    """Every start tag and attribute the renderer produced."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _markdown() -> str:
    data = copy.deepcopy(example_data("huaian-2024"))
    data["text"]["problems"] = "\n".join(PAYLOADS)
    data["text"]["other"] = " ".join(PAYLOADS)
    data["meta"]["org_name"] = "某局<script>alert(0)</script>"
    data["s3"]["new_received"]["total"] = "1|2<img src=x onerror=alert(11)>"  # text in a number cell (draft)
    return render(data, ["md"], draft=True)["md"].decode("utf-8")


def _renderers() -> dict[str, object]:
    markdown_it = pytest.importorskip("markdown_it")
    markdown = pytest.importorskip("markdown")
    return {
        "markdown-it commonmark+tables": lambda md: (
            markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
        ),
        "markdown-it gfm-like": lambda md: markdown_it.MarkdownIt("gfm-like", {"html": True, "linkify": False}).render(
            md
        ),
        "Python-Markdown": lambda md: markdown.markdown(md),
        "Python-Markdown extra": lambda md: markdown.markdown(md, extensions=["extra"]),
    }


@pytest.mark.parametrize("renderer", ["markdown-it commonmark+tables", "markdown-it gfm-like", "Python-Markdown", "Python-Markdown extra"])  # fmt: skip
def test_no_renderer_makes_live_html_of_clerk_text(renderer: str) -> None:
    out = _renderers()[renderer](_markdown())  # type: ignore[operator]
    parser = _Tags()
    parser.feed(out)
    unsafe = [(t, a) for t, a in parser.tags if t not in SAFE_TAGS or a]
    assert not unsafe, unsafe
    assert "<!--" not in out and "<?" not in out
    visible = html.unescape(re.sub(r"<[^>]+>", "", out))
    for shown in ("<script>alert(1)</script>", "<svg onload=alert(3)>", "[点我](javascript:alert(5))", "某局<script>"):
        assert shown in visible, shown  # the clerk's text shows as typed
    assert "&lt;b&gt;实体&lt;/b&gt;" in visible  # typed entities are not decoded


def test_table_cells_keep_their_pipe() -> None:
    md = _markdown()
    out = _renderers()["markdown-it commonmark+tables"](md)  # type: ignore[operator]
    table = next(t for t in out.split("<table>")[1:] if "1|2" in t)
    widths = {len(re.findall(r"<t[dh][ >]", row)) for row in table.split("</table>")[0].split("</tr>")[:-1]}
    assert len(widths) == 1, widths

"""The HTML report in real Chromium at a phone's 390 px and a desktop's 1366 px: no figure wraps, tables scroll."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.render_support import VERSIONS, load
from xlpy.render import render

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
# Screenshots are written here for a person to look at (XLPY_SCREENSHOTS=dir keeps them after the run).
SHOTS = os.environ.get("XLPY_SCREENSHOTS")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]

# For every figure cell: how many line boxes its text occupies (1 = not wrapped).
FIGURE_LINES = """() => [...document.querySelectorAll('.xlpy-report td')].filter(td => td.textContent.trim()).map(td => {
  const r = document.createRange(); r.selectNodeContents(td);
  const tops = new Set([...r.getClientRects()].map(b => Math.round(b.top)));
  return [td.textContent.trim(), tops.size];
})"""
WRAPS = """() => [...document.querySelectorAll('.xlpy-report .tbl-wrap')].map(w => [w.scrollWidth, w.clientWidth,
  getComputedStyle(w).overflowX])"""
TITLE = """() => [...document.querySelectorAll('.xlpy-report h1 .line')].map(s => {
  const r = document.createRange(); r.selectNodeContents(s);
  return [s.textContent, s.getBoundingClientRect().top, new Set([...r.getClientRects()].map(b => Math.round(b.top))).size];
})"""
PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.mark.parametrize("version", sorted(VERSIONS))
@pytest.mark.parametrize("width", [390, 1366])
def test_no_figure_wraps_and_tables_scroll_on_a_phone(browser, version, width, tmp_path):
    html = render(load(version), ("html",))["html"].decode("utf-8")
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.set_content(html, wait_until="load")
        figures = page.evaluate(FIGURE_LINES)
        assert len(figures) > 100  # 表二, 表三 (175 cells in 2021) and 表四
        wrapped = [text for text, lines in figures if lines != 1]
        assert not wrapped, f"{width}px: figures broken across lines: {wrapped[:5]}"
        wraps = page.evaluate(WRAPS)
        assert len(wraps) == 3 and all(overflow == "auto" for _, _, overflow in wraps)
        if width == 390:
            # the tables are wider than the phone and scroll inside their wrapper, not the whole page
            assert all(scroll > client for scroll, client, _ in wraps)
            doc_width, view = page.evaluate(PAGE_WIDTH)
            assert doc_width <= view
        else:
            assert all(scroll <= client for scroll, client, _ in wraps)
        title = page.evaluate(TITLE)
        assert title[0][0] == load(version)["meta"]["org_name"]
        assert title[1][1] > title[0][1]  # the year line starts below the agency name
        assert all(lines == 1 for _, _, lines in title), title  # and no title line wraps inside a word
        out = Path(SHOTS) if SHOTS else tmp_path
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / f"report-{version}-{width}.png"), full_page=True)
    finally:
        page.close()

"""A long 机关名称 (a real 挂牌 agency name runs to 80 characters) shortens file names, never the document."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.http_support import example_data
from xlpy.cli import run as cli
from xlpy.file_names import MAX_STEM_BYTES, safe_stem, shorten

LONG_ORG = ("某某市人民政府办公室（某某市人民政府研究室、某某市大数据管理局、某某市政务服务管理办公室）" * 2)[:80]


def test_shorten_cuts_by_bytes_on_a_character_boundary() -> None:
    assert len(LONG_ORG) == 80 and len(LONG_ORG.encode()) > 230
    for n in range(0, 250, 7):
        cut = shorten(LONG_ORG, n)
        assert len(cut.encode("utf-8")) <= max(n, 3) and LONG_ORG.startswith(cut.rstrip("…"))
    stem = safe_stem(LONG_ORG, keep_end="2024年政府信息公开工作年度报告")
    assert stem.endswith("…2024年政府信息公开工作年度报告") and len(stem.encode()) <= MAX_STEM_BYTES
    assert safe_stem('a/b:c*?"<>|', keep_end="") == "a_b_c_"


def test_render_with_an_80_character_org_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = copy.deepcopy(example_data("huaian-2024"))
    data["meta"]["org_name"] = LONG_ORG
    source = tmp_path / "long.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    assert cli(["render", str(source), "-o", str(out), "--draft"]) in (0, 1), capsys.readouterr()
    files = sorted(out.iterdir())
    assert {f.suffix for f in files} >= {".md", ".docx", ".html"}
    for f in files:
        assert len(f.name.encode("utf-8")) <= 255 and f.name.startswith(LONG_ORG[:20])
    md = next(f for f in files if f.suffix == ".md").read_text(encoding="utf-8")
    assert LONG_ORG in md  # the document keeps the full name
    docx = next(f for f in files if f.suffix == ".docx")
    assert LONG_ORG in zipfile.ZipFile(io.BytesIO(docx.read_bytes())).read("word/document.xml").decode()

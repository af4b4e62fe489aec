"""The outline audit of published reports (O-1…O-4): data-driven cases (tests/cases/outline) and the real files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from xlpy.importing import hints, read_published
from xlpy.validate import validate

HERE = Path(__file__).resolve().parent
CASES = yaml.safe_load((HERE / "cases" / "outline" / "outline.yaml").read_text(encoding="utf-8"))
PUBLISHED = next(
    (
        p
        for p in (HERE.parent.parent / "shared/examples/published", Path("/work/shared/examples/published"))
        if p.is_dir()
    ),
    None,
)
needs_corpus = pytest.mark.skipif(PUBLISHED is None, reason="../shared/examples/published/ (the dev corpus) is absent")
OUTLINE_RULES = ("O-1", "O-2", "O-3", "O-4", "O-5")


def _outline_findings(data: bytes, name: str, **given: Any) -> list[tuple[str, str]]:
    with hints(**given):
        read = read_published(data, name=name)
    return [(f.rule, f.message) for f in validate(read).findings if f.rule in OUTLINE_RULES or f.rule == "N-14"]


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
def test_outline_case(case: dict[str, Any]) -> None:
    text = CASES["base"]
    for old, new in (case.get("edit") or {}).items():
        assert old in text, f"edit of case {case['name']!r} does not apply"
        text = text.replace(old, new)
    given = {k: case[k] for k in ("year", "org") if k in case}
    got = [f for f in _outline_findings(text.encode("utf-8"), "年报.txt", **given) if f[0] != "N-14"]
    for rule, phrase in case["expect"]:
        assert any(r == rule and phrase in m for r, m in got), (rule, phrase, got)
    assert len(got) == len(case["expect"]), got


def test_json_input_gets_no_outline_rule(tmp_path: Path) -> None:
    """Workbook/JSON input has fixed headings: the O- rules see no outline and stay silent."""
    import json

    from xlpy.validate import validate_path

    doc = json.loads((HERE / "cases" / "published" / "kewei-2024.json").read_text(encoding="utf-8"))
    file = tmp_path / "kewei.json"
    file.write_text(json.dumps(doc["instance"], ensure_ascii=False), encoding="utf-8")
    _, report = validate_path(file)
    assert any(f.rule == "N-14" for f in report.findings)  # the same defect the text rules see
    assert not [f for f in report.findings if f.rule in OUTLINE_RULES]


@needs_corpus
def test_shanghai_kewei_outline_defects() -> None:
    assert PUBLISHED is not None
    path = PUBLISHED / "shanghai-shi-kewei-2024.md"
    got = _outline_findings(path.read_bytes(), path.name)
    rules = [r for r, _ in got]
    assert any(r == "N-14" and "二、工作机制保障" in m for r, m in got)  # two numbering systems
    assert any(r == "O-1" and "五、存在的主要问题及改进情况" in m for r, m in got)
    assert any(r == "O-3" and "规范性文件" in m and "2019 年版" in m for r, m in got)
    assert rules.count("O-1") == 1 and rules.count("O-3") == 1


@needs_corpus
@pytest.mark.parametrize("name", ["huaian-shi-2024.pdf", "pingtan-shiyanqu-2021.txt"])
def test_clean_outlines_get_none(name: str) -> None:
    assert PUBLISHED is not None
    path = PUBLISHED / name
    assert _outline_findings(path.read_bytes(), name) == []


@needs_corpus
def test_a_table_under_another_heading() -> None:
    """上海市科委 2024 without its 三 heading: 表三 then stands under 二 — O-5 names it, O-1 the missing heading."""
    assert PUBLISHED is not None
    text = (PUBLISHED / "shanghai-shi-kewei-2024.md").read_text(encoding="utf-8")
    heading = "二、收到和处理政府信息公开申请情况\n"
    assert heading in text
    got = _outline_findings(text.replace(heading, "", 1).encode("utf-8"), "moved.md")
    assert any(r == "O-5" and m.startswith("表三印在“二、主动公开政府信息情况”之下") for r, m in got), got
    assert any(r == "O-1" and "三、收到和处理政府信息公开申请情况" in m for r, m in got)
    assert not any(r == "O-5" for r, _ in _outline_findings(text.encode("utf-8"), "kewei.md"))

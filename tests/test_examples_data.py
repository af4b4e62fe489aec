"""The reference example instances (workbook/examples) are valid reports and carry their anchor facts."""

import json
from pathlib import Path

import pytest

from xlpy.schema import validator

EXAMPLES = Path(__file__).resolve().parent.parent / "workbook" / "examples"
CASES = [("beigou-2020.json", "2019"), ("huaian-2024.json", "2021")]
S3_COLS = ["natural_person", "commercial", "research", "public_interest", "legal_service", "other"]
S4_COLS = ["upheld", "corrected", "other", "pending"]


def load(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def s3_rows(node: dict, path: str = "s3"):
    """Every data row of 表三 (a row is a dict holding "total" as a number)."""
    if isinstance(node.get("total"), int):
        yield path, node
        return
    for key, child in node.items():
        yield from s3_rows(child, f"{path}.{key}")


@pytest.mark.parametrize(("name", "version"), CASES)
def test_example_is_schema_valid(name, version):
    data = load(name)
    assert data["format_version"] == version
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator(version).iter_errors(data)]
    assert errors == []


@pytest.mark.parametrize(("name", "version"), CASES)
def test_example_tables_add_up(name, version):
    # The examples are clean reference cases: every 勾稽 relation of 表三 and 表四 holds.
    data = load(name)
    s3 = data["s3"]
    for path, row in s3_rows(s3):
        assert sum(row[c] for c in S3_COLS) == row["total"], path
    res = s3["results"]
    parts = [
        res["granted"],
        res["partly_granted"],
        *res["withheld"].values(),
        *res["unable"].values(),
        *res["not_processed"].values(),
    ]
    parts += list(res["other"].values()) if version == "2021" else [res["other"]]
    for col in S3_COLS + ["total"]:
        assert sum(p[col] for p in parts) == res["total"][col], col
        assert s3["new_received"][col] + s3["carried_over"][col] == res["total"][col] + s3["carried_forward"][col], col
    s4 = data["s4"]
    for row in (s4["review"], s4["litigation"]["direct"], s4["litigation"]["after_review"]):
        assert sum(row[c] for c in S4_COLS) == row["total"]


def test_beigou_anchor_facts():
    data = load("beigou-2020.json")
    text = data["text"]
    assert len(text["overview"]["parts"]) == 7
    assert text["overview"]["parts"][0]["title"] == "主动公开情况"
    assert text["problems"].startswith("2020年，我镇在政府信息公开工作方面")
    # page-break joins: the cut sentences are whole again, nothing inserted
    joined = json.dumps(text, ensure_ascii=False)
    for piece in ("机关简介2 条", "政务服务热线 24 小时", "列为实绩考核", "提升政府信息公开工作的认识程度"):
        assert piece in joined
    assert "\n" not in joined.replace("\\n", "")
    assert data["meta"]["date"] == "2021-01-21"
    assert data["s2"]["art20_1"]["rules"] == {"new_made": 0, "new_published": 0, "total_published": 0}
    assert data["s2"]["art20_9"]["unit"] == "元"


def test_huaian_anchor_facts():
    data = load("huaian-2024.json")
    s3, s4 = data["s3"], data["s4"]
    assert s3["new_received"]["total"] == 3119
    assert s3["results"]["total"]["total"] == 3050
    assert (s3["carried_over"]["total"], s3["carried_forward"]["total"]) == (34, 103)
    assert s4["review"]["total"] == 351
    assert s4["litigation"]["direct"]["total"] + s4["litigation"]["after_review"]["total"] == 46
    assert data["s2"]["art20_1"]["rules"]["issued"] == 1
    assert data["s2"]["art20_8"]["fees"]["amount"] == 96171.6
    text = json.dumps(data["text"], ensure_ascii=False)
    assert "全市共受理政府信息公开申请3119件，答复3050件（含上年度结转申请34件，另有103件顺延到下年度答复）" in text
    assert "全年收取政府信息公开信息处理费3940元" in data["text"]["other"]
